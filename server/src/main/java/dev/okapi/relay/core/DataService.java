package dev.okapi.relay.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.access.AccessControl;
import dev.okapi.relay.access.AuthMetrics;
import dev.okapi.relay.access.TokenQuota;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The Data API: {@code PUT /data{path}} streams a producer's body to the consumer of
 * {@code GET /data{path}}, and answers the producer with a control channel of
 * {@link ControlLine}s.
 *
 * <p>The producer's thread does the copy ({@link Transfer}); the consumer's thread only waits
 * for the outcome, and must not return before it is known, because Helidon would then end its
 * response cleanly while bytes are still coming.
 */
public final class DataService implements HttpService {

    private final Rendezvous rendezvous;
    private final RelayConfig config;
    private final RelayMetrics metrics;
    private final ScheduledExecutorService timer;
    private final ActiveTransfers active;
    private final AccessControl access;
    private final TokenQuota quota;

    public DataService(Rendezvous rendezvous, RelayConfig config, RelayMetrics metrics, ScheduledExecutorService timer,
                ActiveTransfers active, AccessControl access, TokenQuota quota) {
        this.access = Objects.requireNonNull(access, "access required");
        this.quota = Objects.requireNonNull(quota, "quota required");
        this.rendezvous = Objects.requireNonNull(rendezvous, "rendezvous required");
        this.config = Objects.requireNonNull(config, "config required");
        this.metrics = Objects.requireNonNull(metrics, "metrics required");
        this.timer = Objects.requireNonNull(timer, "timer required");
        this.active = Objects.requireNonNull(active, "active required");
    }

    @Override
    public void afterStop() {
        metrics.forget(rendezvous);
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
        Optional<String> token = access.require(req, res, path, Wire.Access.READ, AuthMetrics.Api.DATA); // before waiting: refused learn nothing
        Instant deadline = Instant.now().plus(config.maxWait());
        PeerProbe probe = PeerProbe.of(req);
        while (true) {
            Pairing pairing;
            try (TokenQuota.Waiting waiting = quota.enter(token)) {
                pairing = rendezvous.pair(path, Side.CONSUMER, new Pairing(path, res, probe), deadline);
            }
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
        Optional<String> token;
        try {
            StreamPath path = pathOf(req);
            checkFraming(req);
            token = access.require(req, res, path, Wire.Access.WRITE, AuthMetrics.Api.DATA);
            long announced = req.headers().contentLength().orElse(0);
            if (config.maxStreamBytes() > 0 && announced > config.maxStreamBytes()) {
                throw new RelayException(Wire.TOO_LARGE, "stream of " + announced + " bytes is over this relay's limit of "
                        + config.maxStreamBytes());
            }
            try (TokenQuota.Waiting waiting = quota.enter(token)) {
                do {
                    pairing = rendezvous.pair(path, Side.PRODUCER, null, deadline);
                } while (pairing.consumerLeft() && vanished(pairing));
            }
        } catch (RelayException e) {
            e.answer(res);
            // A producer that waits for 100 Continue has sent nothing: close at once. One that
            // sent its body straight away gets a short drain, or the close would reset the
            // connection before it reads the answer. Never the whole upload: a refused producer
            // must not hold a thread for as long as it cares to send.
            if (!req.headers().contains(HeaderValues.EXPECT_100)) {
                Transfer.drain(req.content().inputStream(), config.drain(), timer);
            }
            throw new CloseConnectionException("producer refused: " + e.getMessage());
        }
        new Transfer(req, res, pairing, config, metrics, timer, bytes -> quota.pace(token, bytes)).run(active);
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

}
