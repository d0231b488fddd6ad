package dev.okapi.relay.core;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.okapi.protocol.Wire.ControlLine;

/**
 * The transfers running now, so that the relay can end them: one that moved no byte for the idle
 * limit (Helidon has no per-request read or write timeout, so a stalled side would otherwise hold
 * both connections forever), or all of them at shutdown.
 */
public final class ActiveTransfers {

    private final Set<Transfer> running = ConcurrentHashMap.newKeySet();

    /**
     * Starts the idle check on {@code timer}; a zero limit turns it off.
     */
    public ActiveTransfers(Duration idleLimit, ScheduledExecutorService timer) {
        if (!idleLimit.isZero()) {
            long limit = idleLimit.toNanos();
            long every = Math.max(100, Math.min(1000, idleLimit.toMillis() / 4));
            timer.scheduleWithFixedDelay(() -> {
                long now = System.nanoTime();
                running.stream().filter(t -> t.idleNanos(now) > limit).forEach(t -> t.abort(ControlLine.IDLE_TIMEOUT));
            }, every, every, TimeUnit.MILLISECONDS);
        }
    }

    void add(Transfer t) {
        running.add(t);
    }

    void remove(Transfer t) {
        running.remove(t);
    }

    /**
     * Ends every running transfer as an error, telling producers {@code reason}; a copy moving
     * bytes gets {@code notice} to end on its own (see {@link Transfer#abort(ControlLine, Duration)}).
     */
    public void abortAll(ControlLine reason, Duration notice) {
        running.forEach(t -> t.abort(reason, notice));
    }

    public int size() {
        return running.size();
    }
}
