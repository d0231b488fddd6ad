package dev.okapi.relay.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire.ControlLine;
import dev.okapi.protocol.Wire;
import dev.okapi.relay.Shutdown;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * One paired transfer, run on the producer's thread: reads the producer's body, writes it to the
 * consumer's response, and reports on the producer's control channel. Always ends its pairing
 * exactly once.
 *
 * <p>Helidon 4.3.0 gives full duplex and a correct {@code 100 Continue} only in one order: the
 * producer's body is not touched until paired; {@code inputStream()} sends the 100; only then does
 * the producer's response start, with a flushed first line. A clean end commits the consumer's
 * response first and then tells the producer. Every other end cuts the consumer's connection, so
 * it can never mistake an aborted stream for a complete one.
 *
 * <p>The relay itself may end a transfer ({@link #abort}): idle too long, stream too large, or
 * shutting down. It interrupts the producer's thread, which closes whichever socket that thread is
 * blocked on; a producer blocked in its own read is told why first, since its socket goes next.
 */
public final class Transfer {

    private static final Logger LOG = Logger.getLogger(Transfer.class.getName());
    private static final int REPORT_EVERY = 1 << 20;

    private final ServerRequest req;
    private final ServerResponse res;
    private final Pairing pairing;
    private final RelayConfig config;
    private final RelayMetrics metrics;
    private final ScheduledExecutorService timer;
    private final Pace pace;
    private final long start = System.nanoTime();
    private final Object controlLock = new Object();

    private volatile boolean reading;
    private volatile long lastProgress = start;
    private OutputStream control; // guarded by controlLock once the producer's response started
    private boolean told;         // guarded by controlLock: the producer got its error line
    private long bytes;
    private int unreported; // bytes not yet added to the metrics and usage: counted per MiB, not per read
    private Outcome outcome = Outcome.PRODUCER_GONE;

    Transfer(ServerRequest req, ServerResponse res, Pairing pairing, RelayConfig config, RelayMetrics metrics,
             ScheduledExecutorService timer, Pace pace) {
        this.pace = Objects.requireNonNull(pace, "pace required");
        this.req = Objects.requireNonNull(req, "req required");
        this.res = Objects.requireNonNull(res, "res required");
        this.pairing = Objects.requireNonNull(pairing, "pairing required");
        this.config = Objects.requireNonNull(config, "config required");
        this.metrics = Objects.requireNonNull(metrics, "metrics required");
        this.timer = Objects.requireNonNull(timer, "timer required");
    }

    /** Runs the transfer on the calling (producer's) thread. */
    void run(ActiveTransfers active) {
        pairing.copying(Thread.currentThread());
        active.add(this);
        try {
            copy();
        } finally {
            active.remove(this);
            report();
            pairing.copyDone();
            pairing.finish(outcome);
            metrics.ended(outcome);
            if (outcome != Outcome.PRODUCER_VANISHED) {
                LOG.info(() -> String.format(Locale.ROOT, "transfer path=%s bytes=%d millis=%d outcome=%s",
                        pairing.path(), bytes, (System.nanoTime() - start) / 1_000_000, outcome.label()));
            }
        }
    }

    /** Nanoseconds since a byte last moved (or since the start). */
    long idleNanos(long now) {
        return now - lastProgress;
    }

    /**
     * Ends the transfer as an error on both sides, from another thread. The producer hears
     * {@code reason}; the consumer's connection is cut.
     */
    void abort(ControlLine reason) {
        abort(reason, Duration.ZERO);
    }

    /**
     * As {@link #abort(ControlLine)}, but a copy that is moving bytes gets {@code notice} to see the
     * abort between two chunks and end it on its own thread, which drains the producer's upload so
     * that the producer reads its line (an interrupt closes the socket at once, and a producer
     * still sending then gets a reset that can swallow the line). Only a copy still blocked after
     * {@code notice} is interrupted. Shutdown uses this; an idle transfer has nothing in flight.
     */
    void abort(ControlLine reason, Duration notice) {
        if (!pairing.abort(Outcome.of(reason), reason)) {
            return; // ending cleanly already, or over
        }
        if (notice.isZero()) {
            unblock(reason);
        } else {
            timer.schedule(() -> unblock(reason), notice.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Wakes a copier blocked on a socket; harmless once it has taken the abort path itself. */
    private void unblock(ControlLine reason) {
        if (reading) {
            tell(reason); // its socket is the one the interrupt closes
        }
        pairing.interruptCopier();
    }

    private void copy() {
        byte[] buf = new byte[config.bufferSize()];
        InputStream in;
        int n;
        try {
            in = req.content().inputStream(); // writes "100 Continue" if the producer expects it
            res.status(Wire.OK)
                    .header(HeaderNames.CONTENT_TYPE, Wire.TEXT_PLAIN)
                    .header(HeaderNames.CACHE_CONTROL, "no-store");
            synchronized (controlLock) {
                control = res.outputStream();
                send(ControlLine.CONNECTED);
            }
            n = read(in, buf);
        } catch (RuntimeException | IOException e) {
            if (pairing.aborted() != null) {
                throw relayAbort(null, e);
            }
            // Gone before its first byte: it left while waiting. The consumer saw nothing.
            outcome = Outcome.PRODUCER_VANISHED;
            throw new CloseConnectionException("producer on " + pairing.path() + " left before sending", e);
        }
        OutputStream out = openConsumer();
        while (n >= 0) {
            if (pairing.aborted() != null) {
                throw relayAbort(in, null);
            }
            if (n > 0) {
                if (config.maxStreamBytes() > 0 && bytes + n > config.maxStreamBytes()
                        && pairing.abort(Outcome.STREAM_TOO_LARGE, ControlLine.STREAM_TOO_LARGE)) {
                    throw relayAbort(in, null);
                }
                try {
                    pace.await(n);
                } catch (InterruptedException e) {
                    throw relayAbort(in, e); // only an abort interrupts the copy
                }
                try {
                    out.write(buf, 0, n);
                    out.flush();
                } catch (RuntimeException | IOException e) {
                    throw pairing.aborted() != null ? relayAbort(in, e) : consumerGone(in, e);
                }
                lastProgress = System.nanoTime();
                bytes += n;
                unreported += n;
                if (unreported >= REPORT_EVERY) {
                    report();
                }
            }
            try {
                n = read(in, buf);
            } catch (RuntimeException | IOException e) {
                if (pairing.aborted() != null) {
                    throw relayAbort(null, e); // the abort's interrupt closed the upload
                }
                // Includes Helidon's unchecked InsufficientDataAvailableException: the upload
                // broke off without its final chunk. Rethrown, never swallowed.
                throw new CloseConnectionException("producer on " + pairing.path() + " went away", e);
            }
        }
        if (!pairing.claimCleanEnd()) {
            throw relayAbort(in, null);
        }
        try {
            // Helidon's close() of a response stream is a no-op; commit() is what sends the
            // terminating chunk. Doing it here, not by letting the consumer's handler return,
            // is what lets the producer hear of success only after the consumer has its end.
            out.flush();
            ((RoutingResponse) pairing.consumer()).commit();
        } catch (RuntimeException | IOException e) {
            throw consumerGone(in, e);
        }
        outcome = Outcome.COMPLETED;
        // The consumer has its clean end: free the path now, not after the producer's last line,
        // so a client that starts the next stream the moment this one ends does not find it busy.
        pairing.finish(outcome);
        try {
            synchronized (controlLock) {
                send(ControlLine.TRANSFER_SUCCESSFUL);
                control.close();
            }
        } catch (RuntimeException | IOException e) {
            // The consumer has everything; a producer that left before reading its last line
            // changes nothing for the stream.
            LOG.log(Level.FINE, "producer left before the success line", e);
        }
    }

    private void report() {
        if (unreported > 0) {
            metrics.relayed(unreported);
            unreported = 0;
        }
    }

    private int read(InputStream in, byte[] buf) throws IOException {
        reading = true;
        try {
            int n = in.read(buf);
            lastProgress = System.nanoTime();
            return n;
        } finally {
            reading = false;
        }
    }

    /** Starts the consumer's response with the producer's content headers. */
    private OutputStream openConsumer() {
        ServerResponse consumer = pairing.consumer();
        consumer.status(Wire.OK)
                .header(HeaderNames.CONTENT_TYPE,
                        req.headers().first(HeaderNames.CONTENT_TYPE).orElse(Wire.DEFAULT_CONTENT_TYPE))
                .header(HeaderNames.CACHE_CONTROL, "no-store")
                .header("X-Content-Type-Options", "nosniff");
        req.headers().first(HeaderNames.CONTENT_DISPOSITION)
                .ifPresent(v -> consumer.header(HeaderNames.CONTENT_DISPOSITION, v));
        req.headers().contentLength().ifPresent(consumer::contentLength);
        for (Header h : req.headers()) {
            if (h.name().regionMatches(true, 0, Wire.META_HEADER_PREFIX, 0, Wire.META_HEADER_PREFIX.length())) {
                consumer.header(h.name(), h.allValues().toArray(String[]::new));
            }
        }
        return consumer.outputStream();
    }

    /** The consumer went away: the producer hears it while still uploading. */
    private CloseConnectionException consumerGone(InputStream in, Exception cause) {
        outcome = Outcome.CONSUMER_GONE;
        pairing.finish(outcome); // the consumer's thread may close its connection now
        if (!tell(ControlLine.RECEIVER_PREMATURE_DISCONNECT)) {
            return new CloseConnectionException("producer gone too", cause);
        }
        drain(in);
        return new CloseConnectionException("consumer on " + pairing.path() + " went away", cause);
    }

    /** The relay ends the transfer as {@link Pairing#aborted()} says: an error on both sides. */
    private CloseConnectionException relayAbort(InputStream in, Exception cause) {
        pairing.copyDone(); // no interrupt from here on: the producer's socket must stay open for its line
        Pairing.Abort abort = pairing.aborted();
        outcome = abort.outcome();
        pairing.finish(outcome);
        if (tell(abort.line()) && in != null) {
            drain(in);
        }
        return new CloseConnectionException("transfer on " + pairing.path() + " aborted: " + outcome.label(), cause);
    }

    /** Writes an error line to the producer once; false if it cannot be reached. */
    private boolean tell(ControlLine line) {
        synchronized (controlLock) {
            if (told || control == null) {
                return told;
            }
            try {
                send(line);
                told = true;
            } catch (RuntimeException | IOException e) {
                LOG.log(Level.FINE, "producer unreachable for " + line.text(), e);
            }
            return told;
        }
    }

    private void drain(InputStream in) {
        drain(in, config.drain(), timer);
    }

    /**
     * Reads and discards the rest of an upload for at most {@code bound} before its connection
     * closes: closing with unread data makes the kernel reset the connection, and the client would
     * never read the answer or the error line already sent to it.
     */
    static void drain(InputStream in, java.time.Duration bound, ScheduledExecutorService timer) {
        Thread self = Thread.currentThread();
        ScheduledFuture<?> stop = timer.schedule(self::interrupt, bound.toMillis(), TimeUnit.MILLISECONDS);
        try {
            byte[] sink = new byte[8192];
            while (in.read(sink) >= 0) {
                // discard
            }
        } catch (RuntimeException | IOException e) {
            // the bound or the client's own close ended it; either is fine
        } finally {
            stop.cancel(false);
            Thread.interrupted();
        }
    }

    /** Waits until {@code bytes} more may be forwarded (a bandwidth cap); returns at once without one. */
    @FunctionalInterface
    interface Pace {
        void await(int bytes) throws InterruptedException;
    }

    private void send(ControlLine line) throws IOException {
        control.write(line.line().getBytes(StandardCharsets.US_ASCII));
        control.flush();
    }
}
