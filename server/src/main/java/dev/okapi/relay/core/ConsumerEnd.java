package dev.okapi.relay.core;

import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import dev.okapi.protocol.Wire;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerResponse;

/**
 * What a waiting consumer hands to its producer through the path's queue: its response, which the
 * producer's thread writes into, and its wait; the outcome comes back to the consumer's thread,
 * which must not return before it knows it (Helidon would end the response cleanly).
 *
 * @param since when the consumer started waiting ({@link System#nanoTime()}), for the pairing time
 */
record ConsumerEnd(ServerResponse response, Waiter waiter, long since, CompletableFuture<Outcome> outcome) {

    ConsumerEnd(ServerResponse response, Waiter waiter) {
        this(response, waiter, System.nanoTime(), new CompletableFuture<>());
    }

    /** Starts its response with the producer's content headers, and returns the body stream. */
    OutputStream start(ServerRequestHeaders producer) {
        response.status(Wire.OK)
                .header(HeaderNames.CONTENT_TYPE, producer.first(HeaderNames.CONTENT_TYPE).orElse(Wire.DEFAULT_CONTENT_TYPE))
                .header(HeaderNames.CACHE_CONTROL, "no-store")
                // The relay's origin also serves its front page and Management API: a producer's
                // text/html must not run there, nor be indexed ([DATA-37], [DATA-38]).
                .header("X-Content-Type-Options", "nosniff")
                .header("Content-Security-Policy", "sandbox")
                .header("X-Robots-Tag", "none");
        producer.first(HeaderNames.CONTENT_DISPOSITION).ifPresent(v -> response.header(HeaderNames.CONTENT_DISPOSITION, v));
        producer.contentLength().ifPresent(response::contentLength);
        for (Header h : producer) {
            if (h.name().regionMatches(true, 0, Wire.META_HEADER_PREFIX, 0, Wire.META_HEADER_PREFIX.length())) {
                response.header(h.name(), h.allValues().toArray(String[]::new));
            }
        }
        return response.outputStream();
    }

    /** Sends the terminating chunk now (see {@link ConsumerOutput#finish}). */
    void commit() {
        ((RoutingResponse) response).commit();
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
