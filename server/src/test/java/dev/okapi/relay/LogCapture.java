package dev.okapi.relay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects the records of some loggers while it is open. The loggers are the JVM's, so it also
 * hears the shared relay; and a line may come just after the answer it is about.
 */
final class LogCapture extends Handler implements AutoCloseable {
    private final List<String> messages = new ArrayList<>();
    private final List<Logger> loggers;

    LogCapture(String... names) {
        loggers = Arrays.stream(names).map(Logger::getLogger).toList();
        loggers.forEach(l -> l.addHandler(this));
    }

    @Override
    public synchronized void publish(LogRecord r) {
        messages.add(r.getMessage());
        notifyAll();
    }

    /** Everything logged so far. */
    synchronized List<String> messages() {
        return List.copyOf(messages);
    }

    /** The first message {@code wanted} accepts, once it is logged: within 10 s, or a failure naming {@code what}. */
    synchronized String await(String what, Predicate<String> wanted) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Optional<String> found = messages.stream().filter(wanted).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(what + " not logged within 10 s; logged: " + messages);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        loggers.forEach(l -> l.removeHandler(this));
    }
}
