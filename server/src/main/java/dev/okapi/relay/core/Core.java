package dev.okapi.relay.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.RelayException;
import dev.okapi.relay.http.Watch;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The relay core, built once: the waiting room, the stream paths, the running transfers, and the
 * Data and Connect services over them. The wiring registers {@link #routing} on every socket that
 * serves the relay, installs {@link Watch#LISTENER} on their HTTP/1.1 protocol, and drives the
 * shutdown through the last four methods.
 */
public final class Core {

    private static final HeaderName SERVICE_WORKER = HeaderNames.create("Service-Worker");

    final RelayConfig config;
    final Gate gate;
    final RelayMetrics metrics;
    final ScheduledExecutorService timer; // idle checks and drain bounds
    final Function<ServerRequest, String> origin;
    final WaitingRoom room;
    final Lanes lanes = new Lanes();
    final Transfers transfers;

    /**
     * @param gate   access control, or {@link Gate#OPEN}
     * @param origin the relay's public base URL as a client of {@code req} reaches it, for the
     *               Connect API's Data URLs (a configured URL, or the request's, through proxies)
     */
    public Core(RelayConfig config, Gate gate, RelayMetrics metrics, ScheduledExecutorService timer,
                Function<ServerRequest, String> origin) {
        this.config = Objects.requireNonNull(config, "config required");
        this.gate = Objects.requireNonNull(gate, "gate required");
        this.metrics = Objects.requireNonNull(metrics, "metrics required");
        this.timer = Objects.requireNonNull(timer, "timer required");
        this.origin = Objects.requireNonNull(origin, "origin required");
        this.room = new WaitingRoom(config.maxWaiting(), metrics);
        this.transfers = new Transfers(config.maxTransfers(), config.idleTimeout(), timer, metrics);
    }

    public void routing(HttpRouting.Builder routing) {
        routing.register(Wire.CONNECT_PREFIX, new ConnectService(this)).register(Wire.DATA_PREFIX, new DataService(this));
    }

    /**
     * Refuses a browser's Service Worker script fetch: a stream on the relay's origin must never
     * become a script that controls it ([HTTP-11]). Routed first for each allowed method only, so
     * that a wrong method still gets its 405.
     */
    static void refuseServiceWorkers(ServerRequest req, ServerResponse res) {
        if (req.headers().contains(SERVICE_WORKER)) {
            throw new RelayException(Wire.FORBIDDEN, "Service Worker requests are refused");
        }
        res.next();
    }

    /** Answers every waiting client, and every later one, with a 503; running transfers go on. */
    public void closeWaitingRoom() {
        room.close();
    }

    /** Waits until no transfer runs, or until {@code deadline}; true if none runs. */
    public boolean awaitNoTransfers(Instant deadline) throws InterruptedException {
        return transfers.awaitNone(deadline);
    }

    /** Aborts every running transfer as a shutdown; a copy moving bytes gets {@code notice} to end it itself. */
    public void abortTransfers(Duration notice) {
        transfers.abortAll(Outcome.RELAY_SHUTDOWN, notice);
    }

    public int transfersRunning() {
        return transfers.size();
    }
}
