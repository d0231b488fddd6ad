package dev.okapi.relay.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import dev.okapi.protocol.Wire;

/**
 * Where producers and consumers meet: per stream path, at most one waiting or transferring
 * producer and one consumer on the Data API, plus any number of Connect API waiters.
 *
 * <p>All state sits behind one lock. Every operation under it is a few map and field updates, so
 * a single lock is both the simplest correct choice and far from a bottleneck; the waits happen
 * outside it, on futures that the pairing side completes while holding it. Completing under the
 * lock is what makes a timeout race-free: a waiter that times out and finds itself no longer
 * registered knows its future is already complete.
 */
public final class Rendezvous {

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<StreamPath, Slot> slots = new HashMap<>();
    private final RelayMetrics metrics;
    private final int maxWaiting;
    private final int maxTransfers;
    private int waitingProducers;
    private int waitingConsumers;
    private int connectWaiting;
    private int transfers;
    /** Running transfers, for {@link #awaitNoTransfers}; signals {@link #noTransfers} when empty. */
    private final Set<Pairing> running = new LinkedHashSet<>();
    private final Condition noTransfers = lock.newCondition();
    /** Set by {@link #close}: the answer to every waiter and every newcomer. */
    private RelayException closed;

    public Rendezvous(RelayMetrics metrics, int maxWaiting, int maxTransfers) {
        this.metrics = metrics;
        this.maxWaiting = maxWaiting;
        this.maxTransfers = maxTransfers;
        metrics.gauges(this);
    }

    /**
     * Pairs a Data API request with its peer on {@code path}, waiting until {@code deadline} if the
     * peer is not there yet. A consumer offers its {@link Pairing} (its response); a producer
     * offers {@code null} and receives the consumer's.
     *
     * @throws RelayException 409 if this side of the path is taken, 504 if the deadline passes
     */
    Pairing pair(StreamPath path, Side side, Pairing offered, Instant deadline) {
        Waiter me;
        while (true) {
            Waiter taken;
            lock.lock();
            try {
                refuseIfClosed();
                Slot slot = slots.computeIfAbsent(path, p -> new Slot());
                taken = slot.waiter(side);
                if (slot.transferring || taken != null) {
                    if (taken == null || side == Side.PRODUCER) {
                        dropIfEmpty(path, slot);
                        throw busy(path, side, slot.transferring);
                    }
                    // fall through to probe the waiting consumer, outside the lock
                } else {
                    Waiter peer = slot.waiter(side.opposite());
                    if (peer != null) {
                        if (transfers >= maxTransfers) {
                            throw new RelayException(Wire.UNAVAILABLE, "too many transfers running (limit " + maxTransfers + ")");
                        }
                        return claim(path, slot, peer, side == Side.CONSUMER ? offered : peer.offered);
                    }
                    checkWaitingRoom(path, slot);
                    me = new Waiter(side, offered, System.nanoTime());
                    if (offered != null) {
                        offered.waited();
                    }
                    slot.setWaiter(side, me);
                    count(side, +1);
                    // A Data waiter is a present peer for the opposite side's Connect waiters.
                    releaseConnect(slot, side == Side.CONSUMER ? Wire.Mode.AWAIT_READER : Wire.Mode.AWAIT_WRITER);
                    break;
                }
            } finally {
                lock.unlock();
            }
            // A consumer already waits here. If it left unnoticed, it must not keep the path.
            if (!(taken.offered.consumerLeft() && evict(path, side, taken))) {
                throw busy(path, side, false);
            }
        }
        try {
            return await(me.paired, deadline);
        } catch (TimeoutException e) {
            lock.lock();
            try {
                Slot slot = slots.get(path);
                if (slot != null && slot.waiter(side) == me) {
                    slot.setWaiter(side, null);
                    count(side, -1);
                    dropIfEmpty(path, slot);
                    throw waitExpired(side.opposite(), deadline);
                }
            } finally {
                lock.unlock();
            }
            return done(me.paired); // claimed (or closed) while timing out: the future is complete
        }
    }

    /** Removes a waiter found gone; its own thread wakes to {@link Outcome#CONSUMER_VANISHED}. */
    private boolean evict(StreamPath path, Side side, Waiter gone) {
        lock.lock();
        try {
            Slot slot = slots.get(path);
            if (slot == null || slot.waiter(side) != gone) {
                return true; // it was paired or expired meanwhile: look again
            }
            slot.setWaiter(side, null);
            count(side, -1);
            dropIfEmpty(path, slot);
        } finally {
            lock.unlock();
        }
        gone.offered.finish(Outcome.CONSUMER_VANISHED);
        gone.paired.complete(gone.offered);
        metrics.ended(Outcome.CONSUMER_VANISHED);
        return true;
    }

    private static RelayException busy(StreamPath path, Side side, boolean transferring) {
        return new RelayException(Wire.BUSY, "stream path busy: another " + side.label()
                + " is already " + (transferring ? "transferring" : "waiting") + " on " + path);
    }

    /**
     * Waits on the Connect API until the peer that {@code mode} awaits is present on {@code path}:
     * a Data waiter of that side or a Connect waiter of the opposite mode.
     *
     * @throws RelayException 504 if the deadline passes first
     */
    void awaitPeer(StreamPath path, Wire.Mode mode, PeerProbe probe, Instant deadline) {
        ConnectWaiter present = new ConnectWaiter(probe);
        Wire.Mode opposite = mode == Wire.Mode.AWAIT_READER ? Wire.Mode.AWAIT_WRITER : Wire.Mode.AWAIT_READER;
        Side awaited = mode == Wire.Mode.AWAIT_READER ? Side.CONSUMER : Side.PRODUCER;
        while (true) {
            List<CompletableFuture<Void>> suspects;
            lock.lock();
            try {
                refuseIfClosed();
                Slot slot = slots.computeIfAbsent(path, p -> new Slot());
                if (slot.waiter(awaited) != null) {
                    releaseConnect(slot, opposite);
                    dropIfEmpty(path, slot);
                    return;
                }
                suspects = List.copyOf(slot.connect(opposite));
                if (suspects.isEmpty()) {
                    checkWaitingRoom(path, slot);
                    slot.connect(mode).add(present);
                    connectWaiting++;
                    break;
                }
            } finally {
                lock.unlock();
            }
            // Only Connect waiters stand for the peer: one that left while waiting is no peer (it
            // would send this side to the Data API to wait there for nobody). Probed outside the lock.
            List<CompletableFuture<Void>> gone = suspects.stream()
                    .filter(w -> w instanceof ConnectWaiter c && c.probe.state() == PeerProbe.State.GONE).toList();
            lock.lock();
            try {
                Slot slot = slots.get(path);
                if (slot == null) {
                    continue;
                }
                for (CompletableFuture<Void> g : gone) {
                    if (slot.connect(opposite).remove(g)) {
                        connectWaiting--;
                        g.complete(null); // its thread answers a socket nobody reads any more
                    }
                }
                if (!slot.connect(opposite).isEmpty()) {
                    releaseConnect(slot, opposite);
                    dropIfEmpty(path, slot);
                    return;
                }
            } finally {
                lock.unlock();
            }
        }
        try {
            await(present, deadline);
        } catch (TimeoutException e) {
            lock.lock();
            try {
                Slot slot = slots.get(path);
                if (slot != null && slot.connect(mode).remove(present)) {
                    connectWaiting--;
                    dropIfEmpty(path, slot);
                    throw waitExpired(mode == Wire.Mode.AWAIT_READER ? Side.CONSUMER : Side.PRODUCER, deadline);
                }
            } finally {
                lock.unlock();
            }
            done(present); // released, or refused by close(), while timing out
        }
    }

    /**
     * Shuts the waiting room: every waiter on the Data and Connect APIs, and every later request,
     * is answered with {@code why}. Running transfers go on.
     */
    public void close(RelayException why) {
        lock.lock();
        try {
            closed = why;
            for (Iterator<Slot> it = slots.values().iterator(); it.hasNext(); ) {
                Slot slot = it.next();
                for (Side side : Side.values()) {
                    Waiter w = slot.waiter(side);
                    if (w != null) {
                        slot.setWaiter(side, null);
                        count(side, -1);
                        w.paired.completeExceptionally(why);
                    }
                }
                for (Wire.Mode mode : Wire.Mode.values()) {
                    slot.connect(mode).forEach(f -> f.completeExceptionally(why));
                    connectWaiting -= slot.connect(mode).size();
                    slot.connect(mode).clear();
                }
                if (slot.isEmpty()) {
                    it.remove();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits until no transfer runs, or until {@code deadline}; true if none runs. */
    public boolean awaitNoTransfers(Instant deadline) throws InterruptedException {
        lock.lock();
        try {
            while (!running.isEmpty()) {
                long nanos = Duration.between(Instant.now(), deadline).toNanos();
                if (nanos <= 0) {
                    return false;
                }
                noTransfers.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void refuseIfClosed() {
        if (closed != null) {
            throw closed;
        }
    }

    int waiting(Side side) {
        return side == Side.PRODUCER ? waitingProducers : waitingConsumers;
    }

    int connectWaiting() {
        return connectWaiting;
    }

    int transfers() {
        return transfers;
    }

    private Pairing claim(StreamPath path, Slot slot, Waiter peer, Pairing pairing) {
        slot.setWaiter(peer.side, null);
        count(peer.side, -1);
        slot.transferring = true;
        transfers++;
        metrics.paired(System.nanoTime() - peer.since);
        running.add(pairing);
        pairing.onFinish(() -> release(path, pairing));
        peer.paired.complete(pairing);
        return pairing;
    }

    private void release(StreamPath path, Pairing pairing) {
        lock.lock();
        try {
            if (running.remove(pairing) && running.isEmpty()) {
                noTransfers.signalAll();
            }
            Slot slot = slots.get(path);
            if (slot != null && slot.transferring) {
                slot.transferring = false;
                transfers--;
                dropIfEmpty(path, slot);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Refuses one more waiting client beyond the limit; each holds a connection and a thread. */
    private void checkWaitingRoom(StreamPath path, Slot slot) {
        if (waitingProducers + waitingConsumers + connectWaiting >= maxWaiting) {
            dropIfEmpty(path, slot);
            throw new RelayException(Wire.UNAVAILABLE, "too many clients waiting (limit " + maxWaiting + ")");
        }
    }

    private void releaseConnect(Slot slot, Wire.Mode mode) {
        List<CompletableFuture<Void>> waiting = slot.connect(mode);
        waiting.forEach(f -> f.complete(null));
        connectWaiting -= waiting.size();
        waiting.clear();
    }

    private void count(Side side, int delta) {
        if (side == Side.PRODUCER) {
            waitingProducers += delta;
        } else {
            waitingConsumers += delta;
        }
    }

    private void dropIfEmpty(StreamPath path, Slot slot) {
        if (slot.isEmpty()) {
            slots.remove(path);
        }
    }

    private static <T> T await(CompletableFuture<T> future, Instant deadline) throws TimeoutException {
        long nanos = Math.max(0, Duration.between(Instant.now(), deadline).toNanos());
        try {
            return future.get(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted");
        } catch (ExecutionException e) {
            throw rethrown(e.getCause());
        }
    }

    /** The value of a completed future; a refusal it was completed with is thrown as it is. */
    private static <T> T done(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw rethrown(e.getCause());
        }
    }

    private static RuntimeException rethrown(Throwable cause) {
        return cause instanceof RelayException r ? r : new IllegalStateException("pairing failed", cause);
    }

    private static RelayException waitExpired(Side awaited, Instant deadline) {
        return new RelayException(Wire.WAIT_EXPIRED, "no " + awaited.label() + " arrived before the wait limit");
    }

    /** A Connect API wait, with the probe that tells whether its client is still there. */
    private static final class ConnectWaiter extends CompletableFuture<Void> {
        private final PeerProbe probe;

        ConnectWaiter(PeerProbe probe) {
            this.probe = probe;
        }
    }

    /** One side waiting on the Data API. */
    private record Waiter(Side side, Pairing offered, long since, CompletableFuture<Pairing> paired) {
        Waiter(Side side, Pairing offered, long since) {
            this(side, offered, since, new CompletableFuture<>());
        }
    }

    /** The state of one stream path; dropped from the map as soon as it is empty. */
    private static final class Slot {
        private Waiter producer;
        private Waiter consumer;
        private boolean transferring;
        private final List<CompletableFuture<Void>> awaitReader = new ArrayList<>();
        private final List<CompletableFuture<Void>> awaitWriter = new ArrayList<>();

        Waiter waiter(Side side) {
            return side == Side.PRODUCER ? producer : consumer;
        }

        void setWaiter(Side side, Waiter w) {
            if (side == Side.PRODUCER) {
                producer = w;
            } else {
                consumer = w;
            }
        }

        List<CompletableFuture<Void>> connect(Wire.Mode mode) {
            return mode == Wire.Mode.AWAIT_READER ? awaitReader : awaitWriter;
        }

        boolean isEmpty() {
            return producer == null && consumer == null && !transferring
                    && awaitReader.isEmpty() && awaitWriter.isEmpty();
        }
    }
}
