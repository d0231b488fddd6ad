package dev.okapi.conformance;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for cases and their helpers. The runner runs on Java 17 (no virtual threads), so these
 * are daemon platform threads from a cached pool: a case holds a few at a time, and a hung one
 * never keeps the JVM alive after the run.
 */
final class Threads {

    private static final AtomicInteger SERIAL = new AtomicInteger();

    private Threads() {
    }

    /** A pool of daemon threads named {@code conformance-NAME-N}. */
    static ExecutorService pool(String name) {
        return Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "conformance-" + name + "-" + SERIAL.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
