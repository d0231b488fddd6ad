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
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private Runnable onFinish = () -> { };

    Pairing(StreamPath path, ServerResponse consumer) {
        this.path = Objects.requireNonNull(path, "path required");
        this.consumer = Objects.requireNonNull(consumer, "consumer required");
    }

    StreamPath path() {
        return path;
    }

    ServerResponse consumer() {
        return consumer;
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
        return outcome.join();
    }
}
