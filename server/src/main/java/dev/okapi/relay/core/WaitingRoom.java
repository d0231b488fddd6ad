package dev.okapi.relay.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.RelayException;
import dev.okapi.relay.http.Watch;

/**
 * Everyone who waits for a peer, on the Data and the Connect API: their number, held under
 * {@code relay.max-waiting} because each holds a connection and a thread, and their list, so that
 * shutdown can answer them all. Only clients still there count: one that leaves is taken out by its
 * {@link Watch} at once.
 */
final class WaitingRoom {

    /** The answer to every waiter once the relay shuts down, and to every later one. */
    static final RelayException CLOSED = new RelayException(Wire.UNAVAILABLE, "relay is shutting down");

    private final int max;
    private final RelayMetrics metrics;
    private final AtomicInteger count = new AtomicInteger();
    private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    WaitingRoom(int max, RelayMetrics metrics) {
        this.max = max;
        this.metrics = metrics;
    }

    /** A waiter for the calling thread's client, or 503 if closed; {@link #admit} counts it once it has to wait. */
    Waiter waiter(RelayMetrics.Waiting kind) {
        if (closed) {
            throw CLOSED;
        }
        return new Waiter(kind, this::exit);
    }

    /** Counts {@code waiter} as waiting until it is closed; 503 when the room is full. */
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
        if (closed) {
            waiter.refuse(); // closed while entering: shutdown's sweep may have missed it
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

    /** Answers every waiter, and every later one, with {@link #CLOSED}. */
    void close() {
        closed = true;
        waiters.forEach(Waiter::refuse);
    }
}
