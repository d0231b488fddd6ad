package dev.okapi.relay.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.RelayException;

/**
 * The stream paths in use. Per path: which client holds each side (its {@link Waiter}, whose state
 * tells whether it waits or streams), the {@link SynchronousQueue} through which a waiting consumer
 * hands its end to the producer, and the Connect API's waiters, by the side they await.
 *
 * <p>Every change to a path is made inside {@link ConcurrentHashMap#compute}, so it is atomic for
 * that path and no lock is held across paths; a path with nothing on it is dropped at once. The
 * waits themselves happen outside, on the queue and on each {@link Waiter}.
 */
final class Lanes {

    private final ConcurrentHashMap<StreamPath, Lane> lanes = new ConcurrentHashMap<>();

    /** Holds {@code side} of {@code path} for {@code waiter} until {@link #free}; 409 if another holds it. */
    SynchronousQueue<ConsumerEnd> hold(StreamPath path, Side side, Waiter waiter) {
        Waiter[] found = new Waiter[1];
        Lane lane = lanes.compute(path, (p, l) -> {
            Lane held = l == null ? new Lane() : l;
            found[0] = held.holders[side.ordinal()];
            if (found[0] == null) {
                held.take(side, waiter);
            }
            return held;
        });
        if (found[0] != null) {
            throw new RelayException(Wire.BUSY, "stream path busy: another " + side.label() + " is already "
                    + (found[0].state() == Waiter.State.PAIRED ? "transferring" : "waiting") + " on " + path);
        }
        return lane.handoff;
    }

    /** The client holding {@code side} of {@code path}, waiting or streaming; null if that side is free. */
    Waiter holder(StreamPath path, Side side) {
        Waiter[] w = new Waiter[1];
        lanes.computeIfPresent(path, (p, l) -> {
            w[0] = l.holders[side.ordinal()];
            return l;
        });
        return w[0];
    }

    /**
     * The client holding {@code side} waits there again: a consumer whose producer vanished, or a
     * producer whose consumer left ([CONN-2]).
     */
    void waitsAgain(StreamPath path, Side side, Waiter waiter) {
        lanes.computeIfPresent(path, (p, l) -> {
            l.take(side, waiter);
            return l;
        });
    }

    void free(StreamPath path, Side... sides) {
        lanes.computeIfPresent(path, (p, l) -> {
            for (Side side : sides) {
                l.holders[side.ordinal()] = null;
            }
            return l.isEmpty() ? null : l;
        });
    }

    /**
     * Whether the {@code awaited} side is present for a Connect waiter: a Data waiter holds it, or a
     * Connect waiter awaits the other side (both are released). If not, {@code waiter} is released
     * when one comes.
     */
    boolean awaitPeer(StreamPath path, Side awaited, Waiter waiter) {
        boolean[] present = new boolean[1];
        lanes.compute(path, (p, l) -> {
            Lane lane = l == null ? new Lane() : l;
            Waiter holder = lane.holders[awaited.ordinal()];
            boolean released = lane.release(awaited.other()); // every one of them, whether or not a holder waits
            present[0] = released || holder != null && holder.state() == Waiter.State.WAITING;
            if (!present[0]) {
                lane.connect.get(awaited.ordinal()).add(waiter);
            }
            return lane.isEmpty() ? null : lane;
        });
        return present[0];
    }

    /** Takes a Connect waiter whose wait ended otherwise (left, expired, refused) off its path. */
    void forget(StreamPath path, Side awaited, Waiter waiter) {
        lanes.computeIfPresent(path, (p, l) -> {
            l.connect.get(awaited.ordinal()).remove(waiter);
            return l.isEmpty() ? null : l;
        });
    }

    /** One stream path, its sides indexed by {@link Side#ordinal()}; only touched inside {@code compute}. */
    private static final class Lane {
        final SynchronousQueue<ConsumerEnd> handoff = new SynchronousQueue<>();
        final Waiter[] holders = new Waiter[2];
        final List<List<Waiter>> connect = List.of(new ArrayList<>(), new ArrayList<>());

        void take(Side side, Waiter waiter) {
            holders[side.ordinal()] = waiter;
            release(side);
        }

        /** Releases the Connect waiters that await {@code side}; true if one of them was still waiting. */
        boolean release(Side side) {
            boolean any = false;
            for (Waiter w : connect.get(side.ordinal())) {
                any |= w.pair();
            }
            connect.get(side.ordinal()).clear();
            return any;
        }

        boolean isEmpty() {
            return holders[0] == null && holders[1] == null && connect.get(0).isEmpty() && connect.get(1).isEmpty();
        }
    }
}
