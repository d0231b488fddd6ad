package dev.okapi.relay.core;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import io.helidon.webserver.http.ServerResponse;

/**
 * What a waiting consumer hands to its producer through the path's queue: its response, which the
 * producer's thread writes into, and its wait; the outcome comes back to the consumer's thread,
 * which must not return before it knows it (Helidon would end the response cleanly).
 *
 * @param since when the consumer started waiting ({@link System#nanoTime()}), for the pairing time
 */
record ConsumerEnd(ServerResponse response, Waiter waiter, long since, CompletableFuture<Outcome> outcome) {

    ConsumerEnd {
        Objects.requireNonNull(response, "response required");
        Objects.requireNonNull(waiter, "waiter required");
        Objects.requireNonNull(outcome, "outcome required");
    }

    ConsumerEnd(ServerResponse response, Waiter waiter) {
        this(response, waiter, System.nanoTime(), new CompletableFuture<>());
    }

    /** Tells the consumer's thread how its transfer ended; only the first call counts. */
    void finish(Outcome result) {
        outcome.complete(result);
    }

    /** Blocks the consumer's thread until the producer's thread has finished. */
    Outcome awaitOutcome() throws InterruptedException {
        try {
            return outcome.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("outcome failed", e.getCause());
        }
    }
}
