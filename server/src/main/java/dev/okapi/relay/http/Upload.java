package dev.okapi.relay.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.ServerRequest;

/**
 * A paired producer's upload, read the way its framing allows: through Helidon for a short
 * {@code Content-Length} body, with the relay's own decoder for a chunked one ({@link ChunkedBody}),
 * from the socket for a long one ({@link DirectBody}). Helidon counts none of the last two's bytes,
 * so their connection must close after the response ({@link #closesConnection()}).
 *
 * <p>Nothing touches the body before the pairing: {@link #accept} is what sends {@code 100 Continue}
 * to a producer that waits for it. Nothing reads it while the producer's watch still reads the
 * connection: {@link #body} waits for the watch first.
 */
public final class Upload {

    private static final Duration HOLD_AFTER_CONTINUE = Duration.ofMillis(250);
    // An upload announced at least this long is read from the socket itself; a shorter one keeps its
    // connection for a next request.
    private static final long DIRECT_FROM = 1 << 20;
    private static final int EARLY_BODY = 16 * 1024;

    private final ServerRequest req;
    private final Watch watch;
    private final InputStream helidon;
    private final InputStream direct; // null when Helidon or ChunkedBody reads the body

    private Upload(ServerRequest req, Watch watch, InputStream helidon, InputStream direct) {
        this.req = req;
        this.watch = watch;
        this.helidon = helidon;
        this.direct = direct;
    }

    /**
     * How much of a producer's early body its watch reads on ({@link Watch#start}), so that one that
     * sent some and left is still noticed: up to 16 KiB of a chunked body, and a {@code Content-Length}
     * body of less than that whole and one byte more (the start of a next request), so that the
     * watch goes on reading after it.
     */
    public static int watchKeep(ServerRequest req) {
        return chunked(req) ? EARLY_BODY : (int) Math.min(req.headers().contentLength().orElse(0) + 1, EARLY_BODY);
    }

    /**
     * Takes a paired producer's upload on the thread that handles its request. Asking Helidon for the
     * body sends {@code 100 Continue} to a producer that waits for it; the caller's response then
     * starts only after the producer's next byte, or after 250 ms (spec 5.3, after [DATA-11]): a
     * balancer that reads the 100 and the response head in one read may end the producer's response
     * after its first chunk (HAProxy 2.6; docs/cluster.md). A byte sent after the 100 shows that it
     * went through alone; a producer whose body came before the 100 has no such byte to send, and
     * waits the whole bound.
     *
     * @param watch the producer's watch, started with {@link #watchKeep}
     */
    public static Upload accept(ServerRequest req, Watch watch) throws IOException {
        Objects.requireNonNull(watch, "watch required");
        boolean sentEarly = watch.heard();
        InputStream helidon = req.content().inputStream(); // sends "100 Continue" if the producer waits for it
        long length = req.headers().contentLength().orElse(0);
        InputStream direct = length >= DIRECT_FROM ? DirectBody.of(length) : null; // reads nothing yet
        if (req.headers().contains(HeaderValues.EXPECT_100)) {
            try {
                if (sentEarly) {
                    Thread.sleep(HOLD_AFTER_CONTINUE);
                } else {
                    watch.awaitHeard(HOLD_AFTER_CONTINUE);
                }
            } catch (InterruptedException e) {
                throw new InterruptedIOException("interrupted after 100 Continue");
            }
        }
        return new Upload(req, watch, helidon, direct);
    }

    /** Whether the producer's connection must close after its response: Helidon did not read the body. */
    public boolean closesConnection() {
        return chunked(req) || direct != null;
    }

    /**
     * The body, for the copy. A body read by Helidon or from the socket is returned once it is all
     * buffered or the watch has stopped reading the connection ({@link Watch#awaitBuffered}); a
     * chunked body takes the connection over from the watch only when it needs more than the watch
     * left buffered.
     *
     * @param bound how long the producer may take to send once told to (the idle limit)
     * @throws SocketTimeoutException if it sent nothing within {@code bound}
     */
    public InputStream body(Duration bound) throws IOException {
        if (chunked(req)) {
            watch.disarm(); // it stops after its current read
            return new ChunkedBody(Watch.connection(), () -> await(bound, Long.MAX_VALUE));
        }
        if (req.content().hasEntity()) {
            await(bound, req.headers().contentLength().orElseThrow());
        }
        return direct != null ? direct : helidon;
    }

    /** Waits until {@code length} bytes are buffered or the watch has stopped; a chunked body needs it stopped. */
    private void await(Duration bound, long length) throws IOException {
        try {
            if (!watch.awaitBuffered(length, bound)) {
                throw new SocketTimeoutException("the producer sent nothing for " + bound.toSeconds() + " s after being told to");
            }
        } catch (InterruptedException e) {
            throw new InterruptedIOException("interrupted while the producer's watch reads its connection");
        }
    }

    private static boolean chunked(ServerRequest req) {
        return req.headers().contains(HeaderValues.TRANSFER_ENCODING_CHUNKED);
    }
}
