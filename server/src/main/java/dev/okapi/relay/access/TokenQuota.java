package dev.okapi.relay.access;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.RelayException;

import io.helidon.config.Config;

/**
 * What one token may use at once: how many of its requests may wait for a peer, and how many bytes
 * per second all its transfers together may move. A leaked or misused token then cannot fill the
 * waiting room or the link for everyone else. Requests without a token (open mode) are not
 * counted here; the relay-wide limits still hold for them.
 */
public final class TokenQuota {

    private final int maxWaiting;
    private final long bytesPerSecond;
    private final Map<String, AtomicInteger> waiting = new ConcurrentHashMap<>();
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** From {@code relay.max-waiting-per-token} and {@code relay.max-bytes-per-second-per-token}. */
    public static TokenQuota from(Config relay) {
        return new TokenQuota(relay.get("max-waiting-per-token").asInt().orElse(100),
                relay.get("max-bytes-per-second-per-token").asLong().orElse(0L));
    }

    /**
     * @param maxWaiting     most waiting requests per token (zero: no limit)
     * @param bytesPerSecond most bytes per second per token over all its transfers (zero: no cap)
     */
    public TokenQuota(int maxWaiting, long bytesPerSecond) {
        this.maxWaiting = maxWaiting;
        this.bytesPerSecond = bytesPerSecond;
    }

    /**
     * Counts one more waiting request of {@code tokenId} until the returned handle is closed.
     *
     * @throws RelayException 503 if the token already has its maximum waiting
     */
    public Waiting enter(Optional<String> tokenId) {
        if (maxWaiting <= 0 || tokenId.isEmpty()) {
            return () -> { };
        }
        String id = tokenId.get();
        AtomicInteger n = waiting.computeIfAbsent(id, k -> new AtomicInteger());
        if (n.incrementAndGet() > maxWaiting) {
            leave(id, n);
            throw new RelayException(Wire.UNAVAILABLE, "too many requests waiting with this token (limit " + maxWaiting + ")");
        }
        return () -> leave(id, n);
    }

    /**
     * Blocks until {@code tokenId} may move {@code bytes} more: a token bucket holding at most one
     * second of rate, shared by every transfer of the token. Sleeping is the point here: it is
     * what slows the producer (through TCP backpressure) to the cap.
     */
    public void pace(Optional<String> tokenId, int bytes) throws InterruptedException {
        if (bytesPerSecond <= 0 || tokenId.isEmpty()) {
            return;
        }
        long waitNanos = buckets.computeIfAbsent(tokenId.get(), k -> new Bucket(bytesPerSecond)).take(bytes);
        if (waitNanos > 0) {
            TimeUnit.NANOSECONDS.sleep(waitNanos);
        }
    }

    private void leave(String id, AtomicInteger n) {
        if (n.decrementAndGet() == 0) {
            waiting.remove(id, n);
        }
    }

    /** A waiting request's place in its token's count. */
    public interface Waiting extends AutoCloseable {
        @Override
        void close();
    }

    /** Bytes allowed so far, refilled at the rate; a debt is paid by waiting. */
    private static final class Bucket {
        private final long rate;
        private double tokens;
        private long last = System.nanoTime();

        Bucket(long rate) {
            this.rate = rate;
            this.tokens = rate;
        }

        synchronized long take(int bytes) {
            long now = System.nanoTime();
            tokens = Math.min(rate, tokens + (now - last) * rate / 1e9);
            last = now;
            tokens -= bytes;
            return tokens >= 0 ? 0 : (long) (-tokens * 1e9 / rate);
        }
    }
}
