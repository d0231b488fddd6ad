package dev.okapi.relay.core;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import dev.okapi.protocol.Wire.ControlLine;

import io.helidon.webserver.http.ServerResponse;

/**
 * What two paired requests share: the consumer's response, which the producer's thread writes
 * into, and the outcome, which the consumer's thread waits for.
 *
 * <p>The producer's thread does the whole copy, so each connection is touched by one thread at a
 * time: the consumer's handler only waits, and it must not return before the outcome is known,
 * because Helidon would then finish its response (a clean end) while bytes are still coming.
 */
final class Pairing {

    private final StreamPath path;
    private final ServerResponse consumer;
    private final PeerProbe probe;
    private volatile boolean waited;
    private volatile boolean closeAfter;
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private Runnable onFinish = () -> { };

    Pairing(StreamPath path, ServerResponse consumer, PeerProbe probe) {
        this.path = Objects.requireNonNull(path, "path required");
        this.consumer = Objects.requireNonNull(consumer, "consumer required");
        this.probe = Objects.requireNonNull(probe, "probe required");
    }

    StreamPath path() {
        return path;
    }

    ServerResponse consumer() {
        return consumer;
    }

    /** Marks the consumer as having waited for its producer; only such a consumer can have left unnoticed. */
    void waited() {
        waited = true;
    }

    /**
     * Whether the consumer is known to have left while waiting. Asked before anything is written
     * to it; a consumer that did not wait has just sent its request and is not probed.
     */
    boolean consumerLeft() {
        if (!waited) {
            return false;
        }
        PeerProbe.State state = probe.state();
        if (state == PeerProbe.State.SENT_MORE) {
            closeAfter = true; // a byte of its next request is consumed: that connection cannot be reused
        }
        return state == PeerProbe.State.GONE;
    }

    /** Whether the consumer's connection must be closed after its response. */
    boolean closeAfter() {
        return closeAfter;
    }

    /** Set by the rendezvous when it pairs: frees the path before the consumer learns the outcome. */
    void onFinish(Runnable release) {
        this.onFinish = Objects.requireNonNull(release, "release required");
    }

    /**
     * Ends the pairing, once, from the producer's thread after its last write to the consumer.
     * The path is freed first, so a consumer told {@link Outcome#PRODUCER_VANISHED} can wait again
     * on the same path at once.
     */
    void finish(Outcome result) {
        if (!outcome.isDone()) {
            onFinish.run();
            outcome.complete(result);
        }
    }

    /** Blocks the consumer's thread until the producer's thread has finished. */
    Outcome awaitOutcome() {
        try {
            return outcome.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.helidon.webserver.CloseConnectionException("interrupted while streaming");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("outcome failed", e.getCause());
        }
    }

    // Ending a running transfer from outside (shutdown; fit for any relay-side limit). The copy
    // runs on the producer's thread; an abort is a request that thread honours between reads, or,
    // if it is blocked on a socket, an interrupt (a virtual thread's blocking socket call then
    // closes that socket and fails). A clean end and an abort exclude each other under this lock,
    // and the interrupt can only reach the thread while it still runs this copy.
    private volatile Abort abort;
    private boolean cleanEnd;
    private Thread copier;

    /** Why the relay ended a transfer: the outcome it counts as and the producer's error line. */
    record Abort(Outcome outcome, ControlLine line) {
        Abort {
            Objects.requireNonNull(outcome, "outcome required");
            Objects.requireNonNull(line, "line required");
        }
    }

    /** The producer's thread, as the copy starts: the thread {@link #interruptCopier()} wakes. */
    synchronized void copying(Thread thread) {
        copier = thread;
    }

    /** The producer's thread, before it ends the consumer's response cleanly: false if aborted first. */
    synchronized boolean claimCleanEnd() {
        if (abort != null) {
            return false;
        }
        cleanEnd = true;
        return true;
    }

    /**
     * Asks the transfer to end as an error, from any thread.
     *
     * @return false if it already ends cleanly, was aborted before, or is over
     */
    synchronized boolean abort(Outcome why, ControlLine line) {
        if (cleanEnd || abort != null || outcome.isDone()) {
            return false;
        }
        abort = new Abort(why, line);
        return true;
    }

    /** The abort asked for, or null; read by the producer's thread on every step of the copy. */
    Abort aborted() {
        return abort;
    }

    /** Unblocks an aborted copy that did not notice the request on its own. */
    synchronized void interruptCopier() {
        if (copier != null && abort != null) {
            copier.interrupt();
        }
    }

    /** The producer's thread, when it takes the abort path or leaves the copy: no interrupt after this. */
    synchronized void copyDone() {
        copier = null;
        Thread.interrupted();
    }
}
