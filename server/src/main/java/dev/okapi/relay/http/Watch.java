package dev.okapi.relay.http;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.common.buffers.DataReader;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http1.Http1ConnectionListener;

/**
 * Notices, at once, that the client of a waiting request has gone: a virtual thread blocks on the
 * connection's next bytes, as piping-server listens for a socket's close event. A parked virtual
 * thread costs about a kilobyte, so every waiter can have one.
 *
 * <p>It reads through Helidon's own buffer of the connection ({@link DataReader#pullData()}), so
 * whatever it reads is not lost: a producer's early body bytes or a client's next request stay
 * there for whoever reads the connection next. Helidon hands a handler no public way to that
 * buffer, but it does call {@link #LISTENER} with the connection's context on the handler's own
 * thread just before routing, which is where {@link #start} picks it up. The wiring installs the
 * listener on every HTTP/1.1 socket that serves the core; without it {@link #start} fails loudly.
 *
 * <p>End of stream or a broken connection means gone; bytes mean the client is there and talking,
 * and nothing more is watched, except a producer's early body, up to a bound, so that a producer
 * that sent its body and left is still noticed. The relay's own body readers ({@link ChunkedBody},
 * {@link DirectBody}) take what is buffered and take the connection over from the watch only when
 * they need more; Helidon's reader gets a {@code Content-Length} body once it is all buffered
 * ({@link #awaitBuffered}), the watch reading on past it. Nobody else may read the socket while the
 * watch runs, so whoever reads it next waits for the watch to stop first.
 */
public final class Watch {

    private static final ThreadLocal<ConnectionContext> CONNECTION = new ThreadLocal<>();

    /** Hands each request's connection to the thread that routes it; see the class comment. */
    public static final Http1ConnectionListener LISTENER = new Http1ConnectionListener() {
        @Override
        public void headers(ConnectionContext ctx, Headers headers) {
            CONNECTION.set(ctx);
        }
    };

    private final AtomicBoolean armed = new AtomicBoolean(true);
    private final CountDownLatch heard; // open until the client has sent a byte or gone
    private final Thread thread;
    // A lock, not a monitor: a virtual thread waiting in Object.wait pins its carrier on Java 21.
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition progressed = lock.newCondition();
    private long buffered;   // guarded by lock: bytes in the buffer after the watch's last read
    private boolean reading; // guarded by lock: the watch may still read the connection

    private Watch(DataReader data, boolean watch, Runnable onGone, int keep) {
        this.heard = new CountDownLatch(data.available() > 0 ? 0 : 1);
        this.buffered = data.available();
        this.reading = watch;
        this.thread = !watch ? null : Thread.ofVirtual().name("okapi-watch").start(() -> {
            try {
                do {
                    data.pullData(); // blocks until the client sends more (kept in the buffer) or goes
                    heard.countDown();
                    read(data.available(), true);
                } while (armed.get() && data.available() < keep);
            } catch (RuntimeException gone) { // end of stream, a reset, or the socket closed under it
                heard.countDown();
                if (armed.compareAndSet(true, false)) {
                    onGone.run();
                }
            } finally {
                read(buffered, false);
            }
        });
    }

    private void read(long now, boolean goesOn) {
        lock.lock();
        try {
            buffered = now;
            reading = goesOn;
            progressed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Watches the connection of the request this thread handles; {@code onGone} runs once, on the
     * watch's thread, if the client goes before {@link #disarm()}.
     *
     * @param keep go on watching a client that sends (a producer's early body) while fewer than
     *             this many bytes are buffered; 0: stop at its first bytes
     * @throws IllegalStateException if the wiring did not install {@link #LISTENER}
     */
    public static Watch start(Runnable onGone, int keep) {
        Objects.requireNonNull(onGone, "onGone required");
        DataReader data = connection();
        // Enough bytes already buffered: the client has sent more (an early body), so it is there.
        return new Watch(data, data.available() < Math.max(1, keep), onGone, keep);
    }

    /**
     * Waits until {@code n} bytes are buffered or the watch has stopped reading: either way, a
     * reader that needs no more than those bytes, or that reads only once the watch has stopped,
     * does not race it for the socket. The watch may read on past {@code n}, appending what the
     * client sends next to the buffer. False if neither happened within {@code bound}.
     */
    public boolean awaitBuffered(long n, Duration bound) throws InterruptedException {
        long left = bound.toNanos();
        lock.lock();
        try {
            while (reading && buffered < n) {
                if (left <= 0) {
                    return false;
                }
                left = progressed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the watch still reads the connection with some, but fewer than {@code n}, bytes buffered. */
    public boolean readingPartOf(long n) {
        lock.lock();
        try {
            return reading && buffered > 0 && buffered < n;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the client has sent a byte (or gone) since its request's head. */
    public boolean heard() {
        return heard.getCount() == 0;
    }

    /** Waits until the client has sent a byte or gone; false if neither within {@code bound}. */
    public boolean awaitHeard(Duration bound) throws InterruptedException {
        return heard.await(bound.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Helidon's buffer of the connection whose request this thread handles.
     *
     * @throws IllegalStateException if the wiring did not install {@link #LISTENER}
     */
    public static DataReader connection() {
        return context().dataReader();
    }

    /**
     * The connection whose request this thread handles.
     *
     * @throws IllegalStateException if the wiring did not install {@link #LISTENER}
     */
    public static ConnectionContext context() {
        ConnectionContext ctx = CONNECTION.get();
        if (ctx == null) {
            throw new IllegalStateException("no connection to watch: Watch.LISTENER is not installed on this socket");
        }
        return ctx;
    }

    /**
     * Makes the watch look at its connection again now, instead of when the poller gets to it, and
     * waits until it has (a few milliseconds at most). The client's close may have arrived an
     * instant before a newcomer did; without this, the newcomer could find the departed client still
     * waiting. The watch's blocked read is only woken, never interrupted: an unparked virtual thread
     * tries its read again and parks anew if nothing came. {@code bound} covers a busy scheduler.
     */
    public void settle(Duration bound) {
        Thread t = thread;
        if (t == null || !t.isAlive()) {
            return;
        }
        LockSupport.unpark(t);
        long end = System.nanoTime() + bound.toNanos();
        while (t.getState() == Thread.State.RUNNABLE && System.nanoTime() < end) {
            Thread.yield();
        }
    }

    /** Stops reporting a departure; false if the client was reported gone already. */
    public boolean disarm() {
        return armed.compareAndSet(true, false);
    }

    /**
     * After a complete response, hands the connection back to Helidon for the client's next request
     * once {@code watch} (if the request had one) has stopped reading it: it stops when the client
     * sends its next bytes, which stay buffered, or goes. Closes it instead when the client asked for
     * that ([HTTP-8]) or sent nothing within {@code bound}.
     */
    public static void handBack(ServerRequest req, Watch watch, Duration bound) {
        if (req.headers().contains(HeaderValues.CONNECTION_CLOSE)) {
            throw new CloseConnectionException("Connection: close"); // or the watch would wait for the idle limit
        }
        try {
            if (watch != null && !watch.join(bound)) {
                throw new CloseConnectionException("connection idle after its response");
            }
        } catch (InterruptedException e) { // the server stops: the response is complete, only the connection ends
            throw new CloseConnectionException("server stopping", e);
        }
    }

    /**
     * Waits until the watch has stopped reading, so that the connection can be read again: it
     * stops when the client sends its next bytes or goes.
     *
     * @return false if it still reads after {@code bound}
     */
    public boolean join(Duration bound) throws InterruptedException {
        return thread == null || thread.join(bound);
    }
}
