package dev.okapi.relay;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire.ControlLine;
import dev.okapi.relay.core.Core;

import io.helidon.config.Config;
import io.helidon.webserver.WebServer;

import sun.misc.Signal;

/**
 * The graceful shutdown of [OPS-5], on SIGTERM (docker stop, systemd) or SIGINT (Ctrl-C):
 *
 * <ol>
 *   <li>the waiting room closes: every client waiting for a peer, on the Data or the Connect API,
 *       gets {@code 503 relay is shutting down}, and so does any request still arriving on an
 *       open connection;</li>
 *   <li>the listeners close (Helidon's {@code stop()}, run alongside): no new connection;</li>
 *   <li>running transfers may finish for the grace period ({@code relay.shutdown-grace-seconds});</li>
 *   <li>the rest are aborted as errors, never as clean ends: the producer reads
 *       {@code [ERROR:RELAY_SHUTDOWN]}, the consumer's response is cut;</li>
 *   <li>the JVM exits with 128 + the signal's number, as it would have without this.</li>
 * </ol>
 *
 * <p>This runs from a signal handler, before the JVM's shutdown sequence, not from a shutdown
 * hook: the JDK's logging closes its handlers in a hook of its own, which would run alongside and
 * swallow the transfer log lines of the drain. A second signal exits at once. Where the signals
 * cannot be handled (a JVM started with {@code -Xrs}), a shutdown hook does the same, minus logs.
 *
 * <p>Helidon's own shutdown hook is turned off, since it would stop the server (and cut every
 * transfer after its short grace period) in parallel with this one; Helidon's per-listener
 * {@code shutdown-grace-period} is set above ours ({@link #helidonGrace()}), so its forced stop is
 * only a backstop.
 */
public final class Shutdown {

    private static final Logger LOG = Logger.getLogger(Shutdown.class.getName());
    /** How long a copy moving bytes has to see the abort itself before it is interrupted. */
    private static final Duration NOTICE = Duration.ofMillis(200);

    private final Core core;
    private final Duration grace;
    private final Duration abortBound;

    /** {@code relay.shutdown-grace-seconds}: how long running transfers may finish after the signal. */
    static Duration grace(Config relay) {
        Duration grace = Duration.ofSeconds(relay.get("shutdown-grace-seconds").asLong().orElse(10L));
        if (grace.isNegative()) {
            throw new IllegalArgumentException("relay.shutdown-grace-seconds must not be negative");
        }
        return grace;
    }

    /**
     * @param grace      how long running transfers may go on after the signal
     * @param abortBound how long an aborted transfer may take to end: the producer's drain
     *                   ({@code relay.drain-millis}) plus a margin
     */
    Shutdown(Core core, Duration grace, Duration abortBound) {
        this.core = Objects.requireNonNull(core, "core required");
        this.grace = Objects.requireNonNull(grace, "grace required");
        this.abortBound = Objects.requireNonNull(abortBound, "abortBound required");
    }

    /** Helidon's forced stop must come after ours: grace, abort, and a second of margin. */
    Duration helidonGrace() {
        return grace.plus(abortBound).plusSeconds(1);
    }

    /** Runs {@link #run} for {@code server} on SIGTERM and SIGINT, then exits. */
    void onSignal(WebServer server) {
        Objects.requireNonNull(server, "server required");
        AtomicBoolean started = new AtomicBoolean();
        try {
            for (String name : new String[] {"TERM", "INT"}) {
                Signal.handle(new Signal(name), signal -> {
                    int status = 128 + signal.getNumber();
                    if (started.compareAndSet(false, true)) {
                        // A non-daemon thread: the JDK's handler thread is a daemon, and once stop()
                        // has ended Helidon's listener threads nothing else would keep the JVM up.
                        Thread.ofPlatform().daemon(false).name("okapi-shutdown").start(() -> {
                            run(server);
                            Runtime.getRuntime().exit(status);
                        });
                    } else {
                        log("second signal: exiting now");
                        Runtime.getRuntime().exit(status);
                    }
                });
            }
        } catch (IllegalArgumentException e) {
            log("cannot handle signals (" + e.getMessage() + "); draining from a shutdown hook instead");
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("okapi-shutdown").unstarted(() -> {
                if (started.compareAndSet(false, true)) {
                    run(server);
                }
            }));
        }
    }

    /** Drains and stops; returns when the server has stopped or the bounds have passed. */
    void run(WebServer server) {
        long start = System.nanoTime();
        // First the waiting room, then the listeners: a waiter woken by Helidon's stop (it
        // interrupts idle connections only, but to be sure) must find the 503 already there.
        int running = core.transfersRunning(); // as the signal found them, before anyone is answered
        core.closeWaitingRoom();
        Thread stopper = Thread.ofPlatform().name("okapi-stop").start(server::stop);
        log("shutting down: " + running + " transfer(s) running, grace " + grace.toSeconds() + " s");
        try {
            if (!core.awaitNoTransfers(Instant.now().plus(grace))) {
                log("grace period over: aborting " + core.transfersRunning() + " transfer(s) with "
                        + ControlLine.RELAY_SHUTDOWN.text());
                core.abortTransfers(NOTICE);
                if (!core.awaitNoTransfers(Instant.now().plus(abortBound))) {
                    log("transfers still ending after " + abortBound.toMillis() + " ms; Helidon's stop cuts them");
                }
            }
            stopper.join(helidonGrace().toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log("stopped in " + (System.nanoTime() - start) / 1_000_000 + " ms");
    }

    private static void log(String message) {
        LOG.info(message);
    }
}
