package dev.okapi.relay.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.Watch;

/**
 * Everyone who waits for a peer, on the Data and the Connect API: their number, held under
 * {@code relay.max-waiting} because each holds a connection and a thread, and their list, so that
 * shutdown can answer them all. Only clients still there count: one that leaves is taken out by its
 * {@link Watch} at once.
 */
final class WaitingRoom {

    private final int max;
    private final RelayMetrics metrics;
    private final AtomicInteger count = new AtomicInteger();
    private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
    private volatile RelayException closed;

    WaitingRoom(int max, RelayMetrics metrics) {
        this.max = max;
        this.metrics = metrics;
    }

    /**
     * A waiter for the calling thread's client, not yet counted: a client whose peer is already
     * there is paired at once and never waits ({@link #admit} counts one that has to).
     *
     * @param kind what waits: a producer, a consumer or a Connect request, for the gauges
     * @throws RelayException 503 when the room is closed
     */
    Waiter waiter(RelayMetrics.Waiting kind) {
        RelayException why = closed;
        if (why != null) {
            throw why;
        }
        return new Waiter(kind, this::exit);
    }

    /**
     * Counts {@code waiter} as waiting until it is closed.
     *
     * @throws RelayException 503 when the room is full or closed
     */
    void admit(Waiter waiter) {
        if (!waiters.add(waiter)) {
            return; // counted already
        }
        if (count.incrementAndGet() > max) {
            count.decrementAndGet();
            waiters.remove(waiter);
            throw new RelayException(Wire.UNAVAILABLE, "too many clients waiting (limit " + max + ")");
        }
        metrics.waiting(waiter.kind, +1);
        RelayException why = closed;
        if (why != null) {
            waiter.refuse(why); // closed while entering: shutdown's sweep may have missed it
        }
    }

    private void exit(Waiter waiter) {
        if (!waiters.remove(waiter)) {
            return; // never counted, or given back already
        }
        count.decrementAndGet();
        metrics.waiting(waiter.kind, -1);
        if (waiter.state() == Waiter.State.LEFT) {
            metrics.left(waiter.kind);
        }
    }

    /** Answers every waiter, and every later one, with {@code why}. */
    void close(RelayException why) {
        closed = why;
        waiters.forEach(w -> w.refuse(why));
    }
}
