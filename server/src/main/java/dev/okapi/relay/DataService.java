package dev.okapi.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire;
import dev.okapi.protocol.Wire.ControlLine;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The Data API: {@code PUT /data{path}} streams a producer's body to the consumer of
 * {@code GET /data{path}}, and answers the producer with a control channel of
 * {@link ControlLine}s.
 *
 * <p>The producer's thread does the copy. Helidon 4.3.0 gives full duplex and a correct
 * {@code 100 Continue} only in one order (see the Helidon notes): the producer's body is not
 * touched until paired; {@code inputStream()} sends the 100; only then does the producer's
 * response start, with a flushed first line. A clean end closes the consumer's response first and
 * then tells the producer. Any other end cuts the consumer's connection, so it can never mistake
 * an aborted stream for a complete one.
 */
final class DataService implements HttpService {

    private static final Logger LOG = Logger.getLogger(DataService.class.getName());

    private final Rendezvous rendezvous;
    private final RelayConfig config;
    private final RelayMetrics metrics;
    private final ScheduledExecutorService timer;

    DataService(Rendezvous rendezvous, RelayConfig config, RelayMetrics metrics) {
        this.rendezvous = Objects.requireNonNull(rendezvous, "rendezvous required");
        this.config = Objects.requireNonNull(config, "config required");
        this.metrics = Objects.requireNonNull(metrics, "metrics required");
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("okapi-timer").factory());
    }

    @Override
    public void routing(HttpRules rules) {
        rules.put(this::produce)
                .get(this::consume)
                .any((req, res) -> {
                    res.header(HeaderNames.ALLOW, "GET, PUT");
                    throw new RelayException(Wire.METHOD_NOT_ALLOWED,
                            "method " + req.prologue().method().text() + " not allowed on the Data API: PUT to write, GET to read");
                });
    }

    private void consume(ServerRequest req, ServerResponse res) {
        StreamPath path = pathOf(req);
        Instant deadline = Instant.now().plus(config.maxWait());
        PeerProbe probe = PeerProbe.of(req);
        while (true) {
            Pairing pairing = rendezvous.pair(path, Side.CONSUMER, new Pairing(path, res, probe), deadline);
            Outcome outcome = pairing.awaitOutcome();
            switch (outcome) {
                case COMPLETED:
                    if (pairing.closeAfter()) {
                        throw new CloseConnectionException("response complete; the connection is not reusable");
                    }
                    return;
                case PRODUCER_VANISHED:
                    continue; // nothing reached us: wait for the next producer
                default:
                    // Throwing (not returning) is what keeps Helidon from sending the terminating chunk.
                    throw new CloseConnectionException("transfer on " + path + " ended: " + outcome.label());
            }
        }
    }

    private void produce(ServerRequest req, ServerResponse res) {
        Instant deadline = Instant.now().plus(config.maxWait());
        Pairing pairing;
        try {
            StreamPath path = pathOf(req);
            checkFraming(req);
            do {
                pairing = rendezvous.pair(path, Side.PRODUCER, null, deadline);
            } while (pairing.consumerLeft() && vanished(pairing));
        } catch (RelayException e) {
            e.answer(res);
            // The upload was never read (no 100 Continue went out); draining it for as long as
            // it lasts just to keep the connection would let a refused producer hold a thread.
            throw new CloseConnectionException("producer refused: " + e.getMessage());
        }
        new Copy(req, res, pairing).run();
    }

    /**
     * Refuses framing that could make the relay and the producer disagree on where the stream
     * ends (request smuggling's raw material): a malformed Content-Length, or one beside
     * Transfer-Encoding (RFC 9112, 6.3).
     */
    private static void checkFraming(ServerRequest req) {
        var lengths = req.headers().values(HeaderNames.CONTENT_LENGTH);
        if (lengths.size() > 1 || lengths.stream().anyMatch(v -> !v.matches("[0-9]{1,18}"))) {
            throw new RelayException(Wire.BAD_REQUEST, "malformed Content-Length");
        }
        if (!lengths.isEmpty() && req.headers().contains(HeaderNames.TRANSFER_ENCODING)) {
            throw new RelayException(Wire.BAD_REQUEST, "Content-Length and Transfer-Encoding must not come together");
        }
    }

    /** Ends a pairing with a consumer that had left while waiting; the producer then pairs again. */
    private boolean vanished(Pairing pairing) {
        pairing.finish(Outcome.CONSUMER_VANISHED);
        metrics.ended(Outcome.CONSUMER_VANISHED);
        return true;
    }

    private static StreamPath pathOf(ServerRequest req) {
        return StreamPath.below(Wire.DATA_PREFIX, req.prologue().uriPath().rawPath());
    }

    /** One transfer, run on the producer's thread; always ends its pairing exactly once. */
    private final class Copy {
        private final ServerRequest req;
        private final ServerResponse res;
        private final Pairing pairing;
        private final long start = System.nanoTime();
        private long bytes;
        private Outcome outcome = Outcome.PRODUCER_GONE;

        Copy(ServerRequest req, ServerResponse res, Pairing pairing) {
            this.req = req;
            this.res = res;
            this.pairing = pairing;
        }

        void run() {
            try {
                transfer();
            } finally {
                pairing.finish(outcome);
                metrics.ended(outcome);
                if (outcome != Outcome.PRODUCER_VANISHED) {
                    LOG.info(() -> String.format(Locale.ROOT, "transfer path=%s bytes=%d millis=%d outcome=%s",
                            pairing.path(), bytes, (System.nanoTime() - start) / 1_000_000, outcome.label()));
                }
            }
        }

        private void transfer() {
            byte[] buf = new byte[config.bufferSize()];
            InputStream in;
            OutputStream control;
            int n;
            try {
                in = req.content().inputStream(); // writes "100 Continue" if the producer expects it
                res.status(Wire.OK)
                        .header(HeaderNames.CONTENT_TYPE, Wire.TEXT_PLAIN)
                        .header(HeaderNames.CACHE_CONTROL, "no-store");
                control = res.outputStream();
                send(control, ControlLine.CONNECTED);
                n = in.read(buf);
            } catch (RuntimeException | IOException e) {
                // Gone before its first byte: it left while waiting. The consumer saw nothing.
                outcome = Outcome.PRODUCER_VANISHED;
                throw new CloseConnectionException("producer on " + pairing.path() + " left before sending", e);
            }
            OutputStream out = openConsumer();
            while (n >= 0) {
                if (n > 0) {
                    try {
                        out.write(buf, 0, n);
                        out.flush();
                    } catch (RuntimeException | IOException e) {
                        consumerGone(in, control, e);
                    }
                    bytes += n;
                    metrics.relayed(n);
                }
                try {
                    n = in.read(buf);
                } catch (RuntimeException | IOException e) {
                    // Includes Helidon's unchecked InsufficientDataAvailableException: the upload
                    // broke off without its final chunk. Rethrown below, never swallowed.
                    throw new CloseConnectionException("producer on " + pairing.path() + " went away", e);
                }
            }
            try {
                // Helidon's close() of a response stream is a no-op; commit() is what sends the
                // terminating chunk. Doing it here, not by letting the consumer's handler return,
                // is what lets the producer hear of success only after the consumer has its end.
                out.flush();
                ((RoutingResponse) pairing.consumer()).commit();
            } catch (RuntimeException | IOException e) {
                consumerGone(in, control, e);
            }
            outcome = Outcome.COMPLETED;
            try {
                send(control, ControlLine.TRANSFER_SUCCESSFUL);
                control.close();
            } catch (RuntimeException | IOException e) {
                // The consumer has everything; a producer that left before reading its last line
                // changes nothing for the stream.
                LOG.log(Level.FINE, "producer left before the success line", e);
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

        /**
         * Tells the producer its consumer is gone, then reads and discards its upload for a short
         * bound before closing: closing with unread data makes the kernel reset the connection,
         * and the producer would never see the error line.
         */
        private void consumerGone(InputStream in, OutputStream control, Exception cause) {
            outcome = Outcome.CONSUMER_GONE;
            pairing.finish(outcome); // the consumer's thread may close its connection now
            try {
                send(control, ControlLine.RECEIVER_PREMATURE_DISCONNECT);
            } catch (RuntimeException | IOException e) {
                throw new CloseConnectionException("producer gone too", e);
            }
            Thread self = Thread.currentThread();
            ScheduledFuture<?> stop = timer.schedule(self::interrupt, config.drain().toMillis(), TimeUnit.MILLISECONDS);
            try {
                byte[] sink = new byte[8192];
                while (in.read(sink) >= 0) {
                    // discard
                }
            } catch (RuntimeException | IOException e) {
                // the drain bound or the producer's own close ended it; either is fine
            } finally {
                stop.cancel(false);
                Thread.interrupted();
            }
            throw new CloseConnectionException("consumer on " + pairing.path() + " went away", cause);
        }
    }

    private static void send(OutputStream control, ControlLine line) throws IOException {
        control.write(line.line().getBytes(StandardCharsets.US_ASCII));
        control.flush();
    }
}
