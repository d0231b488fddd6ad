package dev.okapi.relay.core;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.RelayException;
import dev.okapi.relay.http.Watch;

import io.helidon.webserver.CloseConnectionException;

/**
 * One client waiting for its peer, and how its wait ends: paired by the peer, left (its client went
 * away), refused (the relay shuts down, or Helidon interrupted the wait, which it does only then),
 * or expired (its own wait limit). Each is one compare-and-set from {@link State#WAITING}, so
 * exactly one wins however they race, and the winner wakes the waiting thread. Created and
 * counted by the {@link WaitingRoom}.
 */
final class Waiter implements AutoCloseable {

    enum State {
        WAITING, PAIRED, LEFT, REFUSED, EXPIRED
    }

    final RelayMetrics.Waiting kind;
    private final AtomicReference<State> state = new AtomicReference<>(State.WAITING);
    private final Thread thread = Thread.currentThread();
    private final Consumer<Waiter> onClose;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean clientGone;
    private volatile Watch watch;

    Waiter(RelayMetrics.Waiting kind, Consumer<Waiter> onClose) {
        this.kind = kind;
        this.onClose = onClose;
    }

    State state() {
        return state.get();
    }

    /** The peer takes this waiter; false if its wait had ended otherwise. */
    boolean pair() {
        if (state.compareAndSet(State.WAITING, State.PAIRED)) {
            LockSupport.unpark(thread);
            return true;
        }
        return false;
    }

    /** Its client went away (called by its {@link Watch}). */
    void leave() {
        clientGone = true;
        interrupt(State.LEFT);
    }

    void refuse() {
        interrupt(State.REFUSED);
    }

    private void interrupt(State end) {
        if (state.compareAndSet(State.WAITING, end)) {
            thread.interrupt();
        }
    }

    /** Its own wait limit passed; false if its wait had ended otherwise first. */
    boolean expire() {
        return state.compareAndSet(State.WAITING, State.EXPIRED);
    }

    /** Waits again after its producer had gone before the first byte; false if its own client has gone too. */
    boolean rewait() {
        return !clientGone && state.compareAndSet(State.PAIRED, State.WAITING);
    }

    /** What the waiting thread throws when its wait ended unpaired: a 504, a 503, or a silent close. */
    RuntimeException ended(Side awaited) {
        Thread.interrupted(); // the wake-up that ended the wait must not hit the answer's writes
        expire();
        return switch (state()) {
            case EXPIRED -> new RelayException(Wire.WAIT_EXPIRED, "no " + awaited.label() + " arrived before the wait limit");
            case REFUSED -> WaitingRoom.CLOSED;
            default -> new CloseConnectionException("the client waiting for a " + awaited.label() + " left");
        };
    }

    /** Watches its client from now on (see {@link Watch#start}): one that goes {@link #leave}s. */
    Watch watch(int keep) {
        watch = Watch.start(this::leave, keep);
        return watch;
    }

    /**
     * Whether its client has gone, once its watch has looked at the connection again ({@link
     * Watch#settle}): asked before a newcomer is paired with it or refused because of it.
     */
    boolean gone(Duration bound) {
        Watch w = watch;
        if (w != null && bound.isPositive()) {
            w.settle(bound);
        }
        return clientGone;
    }

    /** Waits, at most {@code bound}, until its own thread has given its path and place back. */
    void awaitClosed(Duration bound) throws InterruptedException {
        closed.await(bound.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Gives its place in the waiting room back, if it has one: from the producer's thread once paired. */
    void leaveRoom() {
        onClose.accept(this);
    }

    /**
     * Its own thread is done with the wait. Only this opens {@link #awaitClosed}: a consumer that
     * waits again after its producer vanished has left the room once already, and a newcomer must
     * not take its path before its thread has freed it.
     */
    @Override
    public void close() {
        leaveRoom();
        closed.countDown();
    }
}
