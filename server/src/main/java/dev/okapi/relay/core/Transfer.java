package dev.okapi.relay.core;

import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire;
import dev.okapi.protocol.Wire.ControlLine;
import dev.okapi.relay.http.Drain;
import dev.okapi.relay.http.Target;
import dev.okapi.relay.http.Upload;
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
 * body is not touched until paired; taking it ({@link Upload#accept}) sends the 100; only then does
 * the producer's response start, with a flushed first line. A clean end commits the consumer's response
 * first and only then tells the producer. Every other end cuts the consumer's connection, so that it
 * can never mistake an aborted stream for a complete one.
 *
 * <p>The relay ends a transfer itself with {@link #abort}: idle too long or shutting down. The copy
 * sees the abort before its next read; one still blocked after the notice is interrupted, which
 * closes the socket it is blocked on (the producer is told why first).
 */
final class Transfer {

    private static final Logger LOG = Logger.getLogger(Transfer.class.getName());

    private final Core core;
    private final ServerRequest req;
    private final ServerResponse res;
    private final String holder;
    private final Runnable release;
    private final ProducerInput in;
    private final ConsumerOutput out;
    private final long start = System.nanoTime();
    private Upload upload;
    private OutputStream control; // guarded by this once the producer's response started
    private boolean told;         // guarded by this: the producer got its error line
    private Thread copier;        // guarded by this: set while an abort may interrupt the copy

    /**
     * @param release frees the stream path before either side hears of the end, so that a client
     *                starting the next stream at once does not find it busy
     */
    Transfer(Core core, ServerRequest req, ServerResponse res, ConsumerEnd consumer, Gate.Pass pass, Runnable release,
             UnaryOperator<ConsumerEnd> replace) {
        this.core = core;
        this.req = req;
        this.res = res;
        this.holder = pass.holder();
        this.release = release;
        this.in = new ProducerInput(pass, core.config.maxStreamBytes(), core.metrics);
        this.out = new ConsumerOutput(consumer, req.headers(), replace);
    }

    /**
     * Copies the stream on the calling (producer's) thread, once the producer's {@code watch} has
     * stopped reading; unless the outcome is {@link Outcome#COMPLETED}, the caller closes the connection.
     */
    Outcome run(Watch watch) {
        Outcome outcome;
        try {
            upload = Upload.accept(req, watch);
            res.status(Wire.OK).header(HeaderNames.CONTENT_TYPE, Wire.TEXT_PLAIN).header(HeaderNames.CACHE_CONTROL, "no-store");
            if (upload.closesConnection()) {
                res.header(HeaderValues.CONNECTION_CLOSE);
            }
            synchronized (this) {
                control = res.outputStream();
                try {
                    send(ControlLine.CONNECTED);
                } catch (IOException | RuntimeException gone) {
                    // The producer left before reading it; what it sent still goes to the consumer,
                    // and its upload's end (a cut, or a clean end) decides the outcome ([DATA-25]).
                }
                copier = Thread.currentThread();
            }
            try {
                in.open(upload.body(core.config.idleBound()));
            } catch (SocketTimeoutException e) {
                throw new TransferEnded(Outcome.IDLE_TIMEOUT, e); // told to send, it sent nothing
            }
            in.transferTo(out);
            if (in.claimCleanEnd()) {
                release.run();
                out.finish();
                outcome = Outcome.COMPLETED;
            } else {
                outcome = in.aborted();
            }
        } catch (IOException | RuntimeException e) { // the relay's abort first: its interrupt may be what failed
            outcome = in.aborted() != null ? in.aborted() : e instanceof TransferEnded t ? t.outcome() : Outcome.PRODUCER_GONE;
        } finally {
            synchronized (this) {
                copier = null;
            }
            Thread.interrupted(); // an abort's interrupt that came too late must not hit the drain
            in.report();
        }
        if (outcome == Outcome.PRODUCER_GONE && !out.started()) {
            outcome = Outcome.PRODUCER_VANISHED; // the consumer saw nothing: the path stays its own
        } else if (outcome != Outcome.COMPLETED) {
            release.run();
        }
        core.metrics.ended(outcome, in.bytes(), System.nanoTime() - start);
        return outcome;
    }

    void log(Outcome outcome) {
        LOG.info(() -> String.format(Locale.ROOT, "transfer path=%s bytes=%d millis=%d outcome=%s holder=%s client=%s:%d",
                Target.rawPath(req).substring(Wire.DATA_PREFIX.length()), in.bytes(),
                (System.nanoTime() - start) / 1_000_000, outcome.label(), holder, req.remotePeer().host(),
                req.remotePeer().port()));
    }

    /** The producer's last words: success, or the error line and a short drain; true if its connection may go on. */
    boolean tellProducer(Outcome outcome) {
        if (outcome == Outcome.COMPLETED) {
            try {
                synchronized (this) {
                    send(ControlLine.TRANSFER_SUCCESSFUL);
                }
                ((RoutingResponse) res).commit(); // the terminating chunk, now: the handler may wait on
                return !upload.closesConnection();
            } catch (IOException | RuntimeException e) {
                // The consumer has everything; a producer that left before its last line changes nothing.
                LOG.log(Level.FINE, "producer left before the success line", e);
                return false;
            }
        }
        if (outcome.line() != null && tell(outcome.line())) {
            Drain.upload(in.body(), core.config.drain(), core.timer);
        }
        return false;
    }

    /**
     * Ends the transfer as {@code why} from another thread; a copy moving bytes gets {@code notice}
     * to see it between two reads and end on its own thread, which lets the producer read its line
     * (an interrupt closes the socket at once, and a producer still sending then gets a reset).
     */
    void abort(Outcome why, Duration notice) {
        if (in.abort(why)) { // not ending cleanly already, nor aborted before
            core.timer.schedule(() -> unblock(why), notice.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void unblock(Outcome why) {
        if (copier != null) {
            tell(why.line()); // first: the socket the interrupt closes may be the producer's
            copier.interrupt();
        }
    }

    long idleNanos(long now) {
        return in.idleNanos(now);
    }

    /** The consumer that the stream went to, in the end. */
    ConsumerEnd consumer() {
        return out.consumer();
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
