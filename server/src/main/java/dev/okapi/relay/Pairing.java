package dev.okapi.relay;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

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
}
