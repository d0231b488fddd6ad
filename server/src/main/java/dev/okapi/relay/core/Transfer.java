package dev.okapi.relay.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire;
import dev.okapi.protocol.Wire.ControlLine;
import dev.okapi.relay.http.ChunkedBody;
import dev.okapi.relay.http.DirectBody;
import dev.okapi.relay.http.Drain;
import dev.okapi.relay.http.Watch;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * One paired transfer, run on the producer's thread: {@code transferTo} from the producer's body
 * into the consumer's response, with the producer's response as its control channel.
 *
 * <p>Helidon 4.3.0 gives full duplex and a correct {@code 100 Continue} only in this order: the
 * body is not touched until paired; {@code inputStream()} sends the 100; only then does the
 * producer's response start, with a flushed first line. A clean end commits the consumer's response
 * first and only then tells the producer. Every other end cuts the consumer's connection, so that it
 * can never mistake an aborted stream for a complete one.
 *
 * <p>The relay ends a transfer itself with {@link #abort}: idle too long or shutting down. The copy
 * sees the abort before its next read; one still blocked after the notice is interrupted, which
 * closes the socket it is blocked on (a producer blocked in its own read is told why first).
 */
final class Transfer {

    private static final Logger LOG = Logger.getLogger(Transfer.class.getName());
    private static final Duration HOLD_AFTER_CONTINUE = Duration.ofMillis(250);
    // An upload announced at least this long is read from the socket itself (DirectBody), and its
    // connection closed after it; a shorter one keeps its connection for a next request.
    private static final long DIRECT_FROM = 1 << 20;

    private final ServerRequest req;
    private final ServerResponse res;
    private final UnaryOperator<ConsumerEnd> replace;
    private ConsumerEnd consumer; // replaced only before its response starts
    private final ProducerInput in;
    private final ConsumerOutput out;
    private final ScheduledExecutorService timer;
    private final RelayMetrics metrics;
    private final RelayConfig config;
    private final String holder;
    private final long start = System.nanoTime();
    private final Thread copier = Thread.currentThread();
    private final Runnable release;
    private boolean closeAfter; // the producer's connection cannot serve another request
    private OutputStream control; // guarded by this once the producer's response started
    private boolean told;         // guarded by this: the producer got its error line
    private boolean copying;      // guarded by this: an abort may still interrupt the copier

    /**
     * @param release frees the stream path; run once the end is known and before either side hears
     *                of it, so that a client starting the next stream at once does not find it busy
     * @param replace given a consumer whose client left before anything was written to it (its
     *                watch may see the close only after the pairing), ends it and waits for the next
     *                consumer on the path, so that none of the producer's bytes go to a gone client
     */
    Transfer(ServerRequest req, ServerResponse res, ConsumerEnd consumer, Gate.Pass pass, RelayConfig config,
             RelayMetrics metrics, ScheduledExecutorService timer, Runnable release, UnaryOperator<ConsumerEnd> replace) {
        this.replace = replace;
        this.release = release;
        this.req = req;
        this.res = res;
        this.consumer = consumer;
        this.timer = timer;
        this.metrics = metrics;
        this.config = config;
        this.holder = pass.holder();
        this.in = new ProducerInput(pass, config.maxStreamBytes(), metrics);
        this.out = new ConsumerOutput(this::startConsumer, () -> this.consumer.commit()); // the one replaced last
    }

    /**
     * Copies the stream on the calling (producer's) thread.
     *
     * @param watch the producer's watch, which may still read its connection: the copy waits for it
     *              (that is, for the producer's first body bytes after the 100) before reading
     * @return how the transfer ended; where it is not {@link Outcome#COMPLETED}, the producer's
     *         connection must be closed by the caller
     */
    Outcome run(Watch watch) {
        Outcome outcome;
        try {
            boolean sentEarly = watch.heard();
            boolean chunked = chunked(req);
            InputStream body = req.content().inputStream(); // sends "100 Continue" if the producer waits for it
            long length = req.headers().contentLength().orElse(0);
            InputStream direct = length >= DIRECT_FROM ? DirectBody.of(length) : null; // reads nothing yet
            if (req.headers().contains(HeaderValues.EXPECT_100)) {
                holdAfterContinue(watch, sentEarly);
            }
            res.status(Wire.OK).header(HeaderNames.CONTENT_TYPE, Wire.TEXT_PLAIN).header(HeaderNames.CACHE_CONTROL, "no-store");
            if (chunked || direct != null) {
                closeAfter = true;
                res.header(HeaderValues.CONNECTION_CLOSE); // see ChunkedBody, DirectBody
            }
            synchronized (this) {
                control = res.outputStream();
                try {
                    send(ControlLine.CONNECTED);
                } catch (IOException | RuntimeException gone) {
                    // The producer left before reading it; what it sent still goes to the consumer,
                    // and its upload's end (a cut, or a clean end) decides the outcome ([DATA-25]).
                }
                copying = true;
            }
            if (chunked) {
                watch.disarm(); // it stops after its current read; ChunkedBody takes over when it needs more
                in.open(new ChunkedBody(Watch.connection(), () -> awaitWatch(watch)));
            } else {
                if (req.content().hasEntity()) {
                    awaitWatch(watch);
                }
                in.open(direct != null ? direct : body);
            }
            in.transferTo(out);
            if (in.claimCleanEnd()) {
                release.run();
                out.finish();
                outcome = Outcome.COMPLETED;
            } else {
                outcome = in.aborted();
            }
        } catch (TransferEnded e) {
            outcome = in.aborted() != null ? in.aborted() : e.outcome();
        } catch (IOException | RuntimeException e) {
            outcome = Outcome.PRODUCER_GONE; // the producer's control channel failed: it is gone
        } finally {
            synchronized (this) {
                copying = false;
            }
            Thread.interrupted(); // an abort's interrupt that came too late must not hit the drain
            in.report();
        }
        if (outcome == Outcome.PRODUCER_GONE && !out.started()) {
            outcome = Outcome.PRODUCER_VANISHED; // the consumer saw nothing: the path stays its own
        } else if (outcome != Outcome.COMPLETED) {
            release.run();
        }
        metrics.ended(outcome, in.bytes(), System.nanoTime() - start);
        return outcome;
    }

    /**
     * Holds the 200 head back after a {@code 100 Continue} until the producer's next byte, for at
     * most {@link #HOLD_AFTER_CONTINUE} (spec 5.3, after [DATA-11]): a balancer that reads the 100
     * and the 200 head in one read may end the producer's response after its first chunk (HAProxy
     * 2.6; docs/cluster.md). A byte sent after the 100 shows it went through alone; a producer whose
     * body came before the 100 has no such byte to send, and waits the whole bound.
     */
    private static void holdAfterContinue(Watch watch, boolean sentEarly) throws TransferEnded {
        try {
            if (sentEarly) {
                Thread.sleep(HOLD_AFTER_CONTINUE);
            } else {
                watch.awaitHeard(HOLD_AFTER_CONTINUE);
            }
        } catch (InterruptedException e) {
            throw new TransferEnded(Outcome.PRODUCER_GONE, e); // only an abort interrupts the copy
        }
    }

    /** Waits until the producer's watch no longer reads its connection: it has sent (or gone). */
    private void awaitWatch(Watch watch) throws IOException {
        try {
            if (!watch.join(config.idleBound())) {
                throw new TransferEnded(Outcome.IDLE_TIMEOUT, null); // told to send, it sent nothing
            }
        } catch (InterruptedException e) {
            throw new TransferEnded(Outcome.PRODUCER_GONE, e); // only an abort interrupts the copy
        }
    }

    /** The transfer log's line, written once the end is known and before the producer hears it. */
    void log(Outcome outcome) {
        LOG.info(() -> String.format(Locale.ROOT, "transfer path=%s bytes=%d millis=%d outcome=%s holder=%s client=%s:%d",
                req.prologue().uriPath().rawPath().substring(Wire.DATA_PREFIX.length()), in.bytes(),
                (System.nanoTime() - start) / 1_000_000, outcome.label(), holder, req.remotePeer().host(),
                req.remotePeer().port()));
    }

    /**
     * How much of a producer's early chunked body its watch reads on ({@link Watch#start}), so that
     * one that sent some and left is still noticed; the relay decodes that body ({@link ChunkedBody}).
     */
    static int watchKeep(ServerRequest req) {
        return chunked(req) ? 16 * 1024 : 0;
    }

    private static boolean chunked(ServerRequest req) {
        return req.headers().contains(HeaderValues.TRANSFER_ENCODING_CHUNKED);
    }

    /**
     * The producer's last words: success, or the error line of {@code outcome} and a short drain.
     *
     * @return whether its connection may serve another request: a clean end, of a body that Helidon
     *         read itself (not {@link ChunkedBody} nor {@link DirectBody})
     */
    boolean tellProducer(Outcome outcome) {
        if (outcome == Outcome.COMPLETED) {
            try {
                synchronized (this) {
                    send(ControlLine.TRANSFER_SUCCESSFUL);
                }
                ((RoutingResponse) res).commit(); // the terminating chunk, now: the handler may wait on
                return !closeAfter;
            } catch (IOException | RuntimeException e) {
                // The consumer has everything; a producer that left before its last line changes nothing.
                LOG.log(Level.FINE, "producer left before the success line", e);
                return false;
            }
        }
        if (outcome.line() != null && tell(outcome.line())) {
            Drain.upload(in.body(), config.drain(), timer);
        }
        return false;
    }

    /**
     * Ends the transfer as {@code why} from another thread; a copy moving bytes gets {@code notice}
     * to see it between two reads and end on its own thread, which lets the producer read its line
     * (an interrupt closes the socket at once, and a producer still sending then gets a reset).
     */
    void abort(Outcome why, Duration notice) {
        if (!in.abort(why)) {
            return; // ending cleanly already, or aborted before
        }
        if (notice.isZero()) {
            unblock(why);
        } else {
            timer.schedule(() -> unblock(why), notice.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    long idleNanos(long now) {
        return in.idleNanos(now);
    }

    private void unblock(Outcome why) {
        synchronized (this) {
            if (!copying) {
                return;
            }
            if (in.reading()) {
                tell(why.line()); // its socket is the one the interrupt closes
            }
            copier.interrupt();
        }
    }

    /** The consumer that the stream went to, in the end (see {@code replace}). */
    ConsumerEnd consumer() {
        return consumer;
    }

    /** Starts the response of the consumer that is still there with the producer's content headers. */
    private OutputStream startConsumer() {
        while (consumer.waiter().clientGone()) {
            consumer = replace.apply(consumer);
        }
        return consumer.start(req.headers());
    }

    /** Writes an error line to the producer once; false if it cannot be reached. */
    private synchronized boolean tell(ControlLine line) {
        if (told || control == null) {
            return told;
        }
        try {
            send(line);
            told = true;
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "producer unreachable for " + line.text(), e);
        }
        return told;
    }

    private void send(ControlLine line) throws IOException {
        control.write(line.line().getBytes(StandardCharsets.US_ASCII));
        control.flush();
    }
}
