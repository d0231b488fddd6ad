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
 * by the relay from the buffer and then the socket for a long one, or for a short one that the
 * producer began before it was paired and has not sent whole ({@link DirectBody}). Helidon counts
 * none of the last two's bytes, so their connection must close after the response
 * ({@link #closesConnection()}).
 *
 * <p>Nothing touches the body before the pairing: {@link #accept} is what sends {@code 100 Continue}
 * to a producer that waits for it. Nothing reads the socket while the producer's watch still reads
 * it: Helidon's reader gets the body once it is all buffered or the watch has stopped, and the
 * relay's own readers take what is buffered at once and wait for the watch only when they need
 * more ([DATA-39]: bytes read are forwarded without waiting for more).
 */
public final class Upload {

    private static final Duration HOLD_AFTER_CONTINUE = Duration.ofMillis(250);
    // An upload announced at least this long is read from the socket itself; a shorter one keeps its
    // connection for a next request, unless it was begun early and was not whole when paired.
    private static final long DIRECT_FROM = 1 << 20;
    private static final int EARLY_BODY = 16 * 1024;

    private final ServerRequest req;
    private final Watch watch;
    private final long length;
    private final InputStream helidon;
    private final InputStream direct; // null when Helidon or ChunkedBody reads the body
    private Duration bound = Duration.ZERO; // set by body(): how long the producer may take to send

    private Upload(ServerRequest req, Watch watch, long length, InputStream helidon, boolean direct) throws IOException {
        this.req = req;
        this.watch = watch;
        this.length = length;
        this.helidon = helidon;
        this.direct = direct ? DirectBody.of(length, this::own) : null; // reads nothing yet
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
        watch.disarm(); // paired: a departure now shows in the copy, and the watch stops at the next bytes
        long length = req.headers().contentLength().orElse(0);
        boolean direct = length >= DIRECT_FROM || watch.readingPartOf(length);
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
        return new Upload(req, watch, length, helidon, direct);
    }

    /** Whether the producer's connection must close after its response: Helidon did not read the body. */
    public boolean closesConnection() {
        return chunked(req) || direct != null;
    }

    /**
     * The body, for the copy. Helidon's reader gets it once it is all buffered or the watch has
     * stopped reading the connection ({@link Watch#awaitBuffered}); the relay's own readers take the
     * connection over from the watch only when they need more than it left buffered.
     *
     * @param bound how long the producer may take to send once told to (the idle limit)
     * @throws SocketTimeoutException if it sent nothing within {@code bound}
     */
    public InputStream body(Duration bound) throws IOException {
        this.bound = Objects.requireNonNull(bound, "bound required");
        if (chunked(req)) {
            return new ChunkedBody(Watch.connection(), this::own);
        }
        if (direct != null) {
            return direct;
        }
        if (req.content().hasEntity()) {
            await(length);
        }
        return helidon;
    }

    /** Takes the connection over from the watch: waits until it has stopped reading it. */
    private void own() throws IOException {
        await(Long.MAX_VALUE);
    }

    /** Waits until {@code n} bytes are buffered or the watch has stopped reading the connection. */
    private void await(long n) throws IOException {
        try {
            if (!watch.awaitBuffered(n, bound)) {
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
