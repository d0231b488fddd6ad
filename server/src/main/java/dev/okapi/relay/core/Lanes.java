package dev.okapi.relay.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;

import dev.okapi.protocol.Wire;

/**
 * The stream paths in use. Per path: what each side holds (nothing, a waiting client or a running
 * stream), the {@link SynchronousQueue} through which a waiting consumer hands its end to the
 * producer, and the Connect API's waiters.
 *
 * <p>Every change to a path is made inside {@link ConcurrentHashMap#compute}, so it is atomic for
 * that path and no lock is held across paths; a path with nothing on it is dropped at once. The
 * waits themselves happen outside, on the queue and on each {@link Waiter}.
 */
final class Lanes {

    /** What one side of a path holds. */
    private enum Hold {
        FREE, WAITING, STREAMING
    }

    private final ConcurrentHashMap<StreamPath, Lane> lanes = new ConcurrentHashMap<>();

    /**
     * Holds {@code side} of {@code path} for a client that will wait there; a side that arrives is
     * the peer that the opposite side's Connect waiters await, so they are released.
     *
     * @return the path's handoff
     * @throws RelayException 409 if another client holds that side
     */
    SynchronousQueue<ConsumerEnd> hold(StreamPath path, Side side, Waiter waiter) {
        Hold[] found = new Hold[1];
        Lane lane = lanes.compute(path, (p, l) -> {
            Lane held = l == null ? new Lane() : l;
            found[0] = held.holds[side.ordinal()];
            if (found[0] == Hold.FREE) {
                held.holds[side.ordinal()] = Hold.WAITING;
                held.waiters[side.ordinal()] = waiter;
                held.release(side == Side.CONSUMER ? Wire.Mode.AWAIT_READER : Wire.Mode.AWAIT_WRITER);
            }
            return held;
        });
        if (found[0] != Hold.FREE) {
            throw new RelayException(Wire.BUSY, "stream path busy: another " + side.label() + " is already "
                    + (found[0] == Hold.STREAMING ? "transferring" : "waiting") + " on " + path);
        }
        return lane.handoff;
    }

    /** The client waiting on {@code side} of {@code path}, or null if that side is free or streaming. */
    Waiter waiting(StreamPath path, Side side) {
        Waiter[] w = new Waiter[1];
        lanes.computeIfPresent(path, (p, l) -> {
            w[0] = l.holds[side.ordinal()] == Hold.WAITING ? l.waiters[side.ordinal()] : null;
            return l;
        });
        return w[0];
    }

    /** Both sides of {@code path} stream now: neither is a waiting peer any more. */
    void streaming(StreamPath path) {
        mark(path, Hold.STREAMING, Side.PRODUCER, Side.CONSUMER);
    }

    /** The consumer of {@code path} waits again: its producer had gone before its first byte. */
    void waitingAgain(StreamPath path) {
        mark(path, Hold.WAITING, Side.CONSUMER);
    }

    /** Gives {@code sides} of {@code path} back. */
    void free(StreamPath path, Side... sides) {
        mark(path, Hold.FREE, sides);
    }

    private void mark(StreamPath path, Hold hold, Side... sides) {
        lanes.computeIfPresent(path, (p, l) -> {
            for (Side side : sides) {
                l.holds[side.ordinal()] = hold;
            }
            return l.isEmpty() ? null : l;
        });
    }

    /**
     * A Connect waiter for the peer that {@code mode} awaits: a Data waiter of that side, or a
     * Connect waiter of the opposite mode (both are released). If neither is there, {@code waiter}
     * is registered and released when one comes.
     *
     * @return true if the peer is present now
     */
    boolean awaitPeer(StreamPath path, Wire.Mode mode, Waiter waiter) {
        Wire.Mode opposite = mode == Wire.Mode.AWAIT_READER ? Wire.Mode.AWAIT_WRITER : Wire.Mode.AWAIT_READER;
        Side awaited = mode == Wire.Mode.AWAIT_READER ? Side.CONSUMER : Side.PRODUCER;
        boolean[] present = new boolean[1];
        lanes.compute(path, (p, l) -> {
            Lane lane = l == null ? new Lane() : l;
            present[0] = lane.holds[awaited.ordinal()] == Hold.WAITING | lane.release(opposite);
            if (!present[0]) {
                lane.connect(mode).add(waiter);
            }
            return lane.isEmpty() ? null : lane;
        });
        return present[0];
    }

    /** Takes a Connect waiter whose wait ended otherwise (left, expired, refused) off its path. */
    void forget(StreamPath path, Wire.Mode mode, Waiter waiter) {
        lanes.computeIfPresent(path, (p, l) -> {
            l.connect(mode).remove(waiter);
            return l.isEmpty() ? null : l;
        });
    }

    /** One stream path, its sides indexed by {@link Side#ordinal()}; only touched inside {@code compute}. */
    private static final class Lane {
        final SynchronousQueue<ConsumerEnd> handoff = new SynchronousQueue<>();
        final Hold[] holds = {Hold.FREE, Hold.FREE};
        final Waiter[] waiters = new Waiter[2];
        final List<Waiter> awaitReader = new ArrayList<>();
        final List<Waiter> awaitWriter = new ArrayList<>();

        List<Waiter> connect(Wire.Mode mode) {
            return mode == Wire.Mode.AWAIT_READER ? awaitReader : awaitWriter;
        }

        /** Releases the Connect waiters of {@code mode}; true if one of them was still waiting. */
        boolean release(Wire.Mode mode) {
            boolean any = false;
            for (Waiter w : connect(mode)) {
                any |= w.pair();
            }
            connect(mode).clear();
            return any;
        }

        boolean isEmpty() {
            return holds[0] == Hold.FREE && holds[1] == Hold.FREE && awaitReader.isEmpty() && awaitWriter.isEmpty();
        }
    }
}
