package dev.okapi.relay.http;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

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
}
