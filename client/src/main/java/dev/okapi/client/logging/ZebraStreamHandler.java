package dev.okapi.client.logging;

import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.ErrorManager;
import java.util.logging.Filter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

import dev.okapi.client.ConnectTimeoutException;
import dev.okapi.client.StreamWriter;
import dev.okapi.client.ZebraStream;

/**
 * A {@link java.util.logging} handler that streams an application's log to whoever reads its
 * stream path: the relay's producer side, fed by the log. Two lines of {@code logging.properties}
 * switch it on (see {@link HandlerSettings}); the token and the Connect URL come from the same
 * environment variables as the CLI's, or from {@code .token} / {@code .connectUrl}.
 *
 * <p>It never blocks or slows the application for want of a reader: {@link #publish} formats the
 * record and puts it into a bounded queue, nothing more. When the queue is full (no reader, or a
 * reader slower than the log) the oldest waiting record is dropped and counted
 * ({@link #droppedRecords()}): a reader that attaches gets the newest records, and a line saying
 * how many it missed. One daemon thread waits for a reader on the Connect API, sends the queue
 * (flushed whenever it runs empty, so a line arrives at once), and when its reader leaves, waits
 * for the next. A relay it cannot reach is retried with a growing pause (1 s … 60 s) and reported
 * once through the {@link ErrorManager}, the handler's usual channel for its own failures.
 *
 * <p>{@link #close()} sends what is still queued and ends the stream cleanly if a reader is
 * attached (waiting at most {@link #CLOSE_WAIT_SECONDS} s), else leaves the daemon thread to its
 * wait: it ends with the JVM or, should a reader still come, hands it what was queued and ends.
 * Settings that are wrong in {@code logging.properties} are reported in one line through the
 * {@link ErrorManager} and leave the handler inert rather than fail the application's start.
 */
public final class ZebraStreamHandler extends Handler {

    /** How long {@link #close()} waits for queued records to reach an attached reader. */
    static final int CLOSE_WAIT_SECONDS = 5;
    private static final long MIN_PAUSE_MILLIS = 1_000;
    private static final long MAX_PAUSE_MILLIS = 60_000;

    private final ZebraStream stream;
    private final BlockingQueue<String> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Thread sender;
    private volatile StreamWriter current;

    /** From {@code logging.properties} and the environment, as {@link java.util.logging.LogManager} creates handlers. */
    public ZebraStreamHandler() {
        HandlerSettings settings = null;
        try {
            configureFromProperties();
            settings = HandlerSettings.from(key -> LogManager.getLogManager().getProperty(HandlerSettings.PREFIX + key),
                    System.getenv());
        } catch (IllegalArgumentException e) {
            reportError(e.getMessage(), null, ErrorManager.OPEN_FAILURE); // one line, and the application starts
        } catch (ReflectiveOperationException | ClassCastException | UnsupportedEncodingException e) {
            reportError(HandlerSettings.PREFIX + "level/filter/formatter/encoding unusable: " + e, null,
                    ErrorManager.OPEN_FAILURE);
        }
        this.stream = settings == null ? null : settings.stream();
        this.queue = new ArrayBlockingQueue<>(settings == null ? 1 : settings.capacity());
        this.sender = settings == null ? null : startSender();
    }

    /**
     * For programmatic set-up: {@code Logger.getLogger("").addHandler(new ZebraStreamHandler(stream, 10_000))}.
     *
     * @param stream   where the log goes (its passphrase, if any, encrypts the log end to end)
     * @param capacity records kept for a reader before the oldest are dropped, at least 1
     */
    public ZebraStreamHandler(ZebraStream stream, int capacity) {
        HandlerSettings settings = new HandlerSettings(stream, capacity);
        this.stream = settings.stream();
        this.queue = new ArrayBlockingQueue<>(settings.capacity());
        setFormatter(new SimpleFormatter());
        this.sender = startSender();
    }

    /** Formats the record and queues it; never waits. */
    @Override
    public void publish(LogRecord record) {
        if (sender == null || closing.getCount() == 0 || !isLoggable(record)) {
            return;
        }
        String text;
        try {
            text = getFormatter().format(record);
        } catch (RuntimeException e) {
            reportError("cannot format a log record", e, ErrorManager.FORMAT_FAILURE);
            return;
        }
        while (!queue.offer(text)) {
            if (queue.poll() != null) { // keep the newest: a reader that attaches wants what is happening now
                dropped.incrementAndGet();
            }
        }
    }

    /** Nothing to do: the sender flushes whenever the queue runs empty. */
    @Override
    public void flush() {
    }

    @Override
    public void close() {
        if (closing.getCount() == 0) {
            return;
        }
        closing.countDown();
        if (sender == null || current == null) {
            return; // no reader attached: nothing to deliver, and no reason to hold up a shutdown
        }
        try {
            sender.join(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StreamWriter out = current;
        if (sender.isAlive() && out != null) {
            out.abort(); // a reader too slow to take the rest in time: do not hold up the shutdown
        }
    }

    /** @return how many records were dropped because no reader took them in time */
    public long droppedRecords() {
        return dropped.get();
    }

    private Thread startSender() {
        Thread thread = new Thread(this::send, "zebrastream-log " + stream.path());
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** The sender thread: one stream per reader, for as long as the handler is open. */
    private void send() {
        long pause = MIN_PAUSE_MILLIS;
        long reported = 0;
        while (closing.getCount() > 0) {
            StreamWriter out;
            try {
                out = stream.openWriter();
            } catch (ConnectTimeoutException e) {
                continue; // nobody came within the relay's wait limit: wait again
            } catch (IOException | RuntimeException e) {
                reportError("cannot stream the log to " + stream + ": " + e.getMessage(), null, ErrorManager.OPEN_FAILURE);
                pause = pause(pause);
                continue;
            }
            pause = MIN_PAUSE_MILLIS;
            current = out;
            try {
                reported = deliver(out, reported);
                out.close(); // the handler is closing: the clean end
            } catch (IOException e) {
                out.abort(); // the reader left (or the relay went away): wait for the next reader
            } catch (InterruptedException e) {
                out.abort();
                return;
            } finally {
                current = null;
            }
        }
    }

    /** Sends queued records until the handler closes; returns the drop count reported so far. */
    private long deliver(StreamWriter out, long reported) throws IOException, InterruptedException {
        Charset charset = charset();
        while (true) {
            String text = queue.poll(100, TimeUnit.MILLISECONDS);
            if (text == null) {
                if (closing.getCount() == 0) {
                    return reported;
                }
                continue;
            }
            long lost = dropped.get();
            if (lost > reported) {
                out.write(("[" + (lost - reported) + " log records dropped: no reader, or a reader slower than the log]"
                        + System.lineSeparator()).getBytes(charset));
                reported = lost;
            }
            try {
                out.write(text.getBytes(charset));
                if (queue.isEmpty()) {
                    out.flush();
                }
            } catch (IOException e) {
                dropped.incrementAndGet(); // this record is lost with its reader
                throw e;
            }
        }
    }

    /** Waits before the next attempt (or until close); returns the next, longer pause. */
    private long pause(long millis) {
        try {
            closing.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Math.min(millis * 2, MAX_PAUSE_MILLIS);
    }

    private Charset charset() {
        return getEncoding() == null ? StandardCharsets.UTF_8 : Charset.forName(getEncoding());
    }

    /** {@code .level}, {@code .filter}, {@code .formatter}, {@code .encoding}, as JDK handlers read them. */
    private void configureFromProperties() throws ReflectiveOperationException, UnsupportedEncodingException {
        LogManager manager = LogManager.getLogManager();
        String level = manager.getProperty(HandlerSettings.PREFIX + "level");
        if (level != null) {
            setLevel(Level.parse(level.strip()));
        }
        String filter = manager.getProperty(HandlerSettings.PREFIX + "filter");
        if (filter != null) {
            setFilter((Filter) newInstance(filter));
        }
        String formatter = manager.getProperty(HandlerSettings.PREFIX + "formatter");
        setFormatter(formatter == null ? new SimpleFormatter() : (Formatter) newInstance(formatter));
        setEncoding(manager.getProperty(HandlerSettings.PREFIX + "encoding"));
    }

    private static Object newInstance(String className) throws ReflectiveOperationException {
        return ClassLoader.getSystemClassLoader().loadClass(className.strip()).getDeclaredConstructor().newInstance();
    }
}
