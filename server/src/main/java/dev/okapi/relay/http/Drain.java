package dev.okapi.relay.http;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.ServerRequest;

/** The end of an upload that will not be used, read before its connection closes. */
public final class Drain {

    private Drain() {
    }

    /**
     * Reads and discards the rest of an upload for at most {@code bound} before its connection
     * closes: closing with unread data makes the kernel reset the connection, and the client would
     * never read the answer or the error line already sent to it.
     *
     * @param timer interrupts the read when the bound passes
     */
    public static void upload(InputStream body, Duration bound, ScheduledExecutorService timer) {
        Thread self = Thread.currentThread();
        ScheduledFuture<?> stop = timer.schedule(self::interrupt, bound.toMillis(), TimeUnit.MILLISECONDS);
        try {
            byte[] sink = new byte[8192];
            while (body.read(sink) >= 0) {
                // discard
            }
        } catch (IOException | RuntimeException e) {
            // the bound or the client's own close ended it; either is fine
        } finally {
            stop.cancel(false);
            Thread.interrupted();
        }
    }

    /**
     * Drains the upload of a refused request briefly, once its watch (if any) has buffered all of it
     * or stopped reading the connection. A client that waits for {@code 100 Continue} has sent
     * nothing, and gets no drain.
     */
    public static void refused(ServerRequest req, Watch watch, Duration bound, ScheduledExecutorService timer)
            throws InterruptedException {
        if (req.headers().contains(HeaderValues.EXPECT_100)) {
            return;
        }
        if (watch != null) {
            watch.disarm(); // it stops at the client's next bytes
        }
        long length = req.headers().contentLength().orElse(Long.MAX_VALUE); // chunked: the watch must stop
        if (watch == null || watch.awaitBuffered(length, bound)) {
            upload(req.content().inputStream(), bound, timer);
        }
    }
}
