package dev.okapi.relay.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.RelayException;

/**
 * The transfers running now: their number, held under {@code relay.max-transfers}, and their list,
 * so that the relay can end them: one that moved no byte for the idle limit (Helidon has no
 * per-request read or write timeout, so a stalled side would otherwise hold both connections
 * forever), or all of them at shutdown, which also waits here for none to be left.
 */
final class Transfers {

    private final int max;
    private final RelayMetrics metrics;
    private final Set<Transfer> running = ConcurrentHashMap.newKeySet();

    /** Starts the idle check on {@code timer}; a zero limit turns it off. */
    Transfers(int max, Duration idleLimit, ScheduledExecutorService timer, RelayMetrics metrics) {
        this.max = max;
        this.metrics = metrics;
        if (!idleLimit.isZero()) {
            long limit = idleLimit.toNanos();
            long every = Math.max(100, Math.min(1000, idleLimit.toMillis() / 4));
            timer.scheduleWithFixedDelay(() -> {
                long now = System.nanoTime();
                running.stream().filter(t -> t.idleNanos(now) > limit).forEach(t -> t.abort(Outcome.IDLE_TIMEOUT, Duration.ZERO));
            }, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** Counts {@code transfer} as running until {@link #end}; 503 if {@code relay.max-transfers} already run. */
    synchronized void start(Transfer transfer) {
        if (running.size() >= max) {
            throw new RelayException(Wire.UNAVAILABLE, "too many transfers running (limit " + max + ")");
        }
        running.add(transfer);
        metrics.transfers(+1);
    }

    synchronized void end(Transfer transfer) {
        if (running.remove(transfer)) {
            metrics.transfers(-1);
            notifyAll();
        }
    }

    /** Ends every running transfer as {@code why}; see {@link Transfer#abort}. */
    void abortAll(Outcome why, Duration notice) {
        running.forEach(t -> t.abort(why, notice));
    }

    int size() {
        return running.size();
    }

    /** Waits until no transfer runs, or until {@code deadline}; true if none runs. */
    synchronized boolean awaitNone(Instant deadline) throws InterruptedException {
        while (!running.isEmpty()) {
            long millis = Duration.between(Instant.now(), deadline).toMillis();
            if (millis <= 0) {
                return false;
            }
            wait(millis);
        }
        return true;
    }
}
