package dev.okapi.relay;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire;
import dev.okapi.protocol.Wire.ControlLine;

import io.helidon.webserver.WebServer;

/**
 * The graceful shutdown of [OPS-5], run by the JVM's shutdown hook (SIGTERM, SIGINT):
 *
 * <ol>
 *   <li>the waiting room closes: every client waiting for a peer, on the Data or the Connect API,
 *       gets {@code 503 relay is shutting down}, and so does any request still arriving on an
 *       open connection;</li>
 *   <li>the listeners close (Helidon's {@code stop()}, run alongside): no new connection;</li>
 *   <li>running transfers may finish for the grace period ({@code relay.shutdown-grace-seconds});</li>
 *   <li>the rest are aborted as errors, never as clean ends: the producer reads
 *       {@code [ERROR:RELAY_SHUTDOWN]}, the consumer's response is cut;</li>
 *   <li>the hook returns and the JVM exits.</li>
 * </ol>
 *
 * <p>Helidon's own shutdown hook is turned off, since it would stop the server (and cut every
 * transfer after its short grace period) in parallel with this one; Helidon's per-listener
 * {@code shutdown-grace-period} is set above ours ({@link #helidonGrace()}), so its forced stop is
 * only a backstop.
 */
final class Shutdown {

    private static final Logger LOG = Logger.getLogger(Shutdown.class.getName());
    /** The refusal every waiting and arriving client gets. */
    static final String REASON = "relay is shutting down";

    private final Rendezvous rendezvous;
    private final ActiveTransfers active;
    private final Duration grace;
    private final Duration abortBound;

    /**
     * @param grace      how long running transfers may go on after the signal
     * @param abortBound how long an aborted transfer may take to end: the producer's drain
     *                   ({@code relay.drain-millis}) plus a margin
     */
    Shutdown(Rendezvous rendezvous, ActiveTransfers active, Duration grace, Duration abortBound) {
        this.rendezvous = Objects.requireNonNull(rendezvous, "rendezvous required");
        this.active = Objects.requireNonNull(active, "active required");
        this.grace = Objects.requireNonNull(grace, "grace required");
        this.abortBound = Objects.requireNonNull(abortBound, "abortBound required");
    }

    /** Helidon's forced stop must come after ours: grace, abort, and a second of margin. */
    Duration helidonGrace() {
        return grace.plus(abortBound).plusSeconds(1);
    }

    /** Registers {@link #run} as a JVM shutdown hook for {@code server}. */
    void onSignal(WebServer server) {
        Objects.requireNonNull(server, "server required");
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("okapi-shutdown").unstarted(() -> run(server)));
    }

    /** Drains and stops; returns when the server has stopped or the bounds have passed. */
    void run(WebServer server) {
        long start = System.nanoTime();
        // First the waiting room, then the listeners: a waiter woken by Helidon's stop (it
        // interrupts idle connections only, but to be sure) must find the 503 already there.
        rendezvous.close(new RelayException(Wire.UNAVAILABLE, REASON));
        Thread stopper = Thread.ofPlatform().name("okapi-stop").start(server::stop);
        int running = active.size();
        log("shutting down: " + running + " transfer(s) running, grace " + grace.toSeconds() + " s");
        try {
            if (!rendezvous.awaitNoTransfers(Instant.now().plus(grace))) {
                log("grace period over: aborting " + active.size() + " transfer(s) with "
                        + ControlLine.RELAY_SHUTDOWN.text());
                active.abortAll(ControlLine.RELAY_SHUTDOWN);
                if (!rendezvous.awaitNoTransfers(Instant.now().plus(abortBound))) {
                    log("transfers still ending after " + abortBound.toMillis() + " ms; Helidon's stop cuts them");
                }
            }
            stopper.join(helidonGrace().toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log("stopped in " + (System.nanoTime() - start) / 1_000_000 + " ms");
    }

    /**
     * Logs to the relay's log and, because the JDK's logging shuts down in a shutdown hook of its
     * own (in no defined order with this one), to stderr as well.
     */
    private static void log(String message) {
        LOG.info(message);
        System.err.println("okapi: " + message);
    }
}
