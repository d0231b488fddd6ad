package dev.okapi.relay.access;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;

/**
 * {@code okapi_auth_decisions_total{result, api, reason}}: every access decision in token mode.
 * The labels come from fixed small sets (never a token, a token id or a path), so the series
 * count is bounded and {@code /observe/metrics} tells a stranger nothing about who holds what.
 */
public final class AuthMetrics {

    /** Which API a decision was for. */
    public enum Api {
        CONNECT, DATA, MANAGEMENT;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Why a request was allowed or denied. */
    enum Reason {
        /** Allowed: a valid token (or key) for this request. */
        GRANTED,
        /** Denied 401: no token or key at all. */
        MISSING,
        /** Denied 401: unknown, expired or revoked token; a wrong management key. */
        INVALID,
        /** Denied 403: a read token for writing, or the reverse. */
        WRONG_MODE,
        /** Denied 403: the token's path scope does not cover the stream path. */
        OUT_OF_SCOPE;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry = Metrics.globalRegistry();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    void count(Api api, Reason reason) {
        String result = reason == Reason.GRANTED ? "allowed" : "denied";
        counters.computeIfAbsent(api.label() + "/" + reason.label(), k -> registry.getOrCreate(
                Counter.builder("okapi.auth.decisions")
                        .description("Access decisions in token mode")
                        .tags(List.of(Tag.create("result", result), Tag.create("api", api.label()),
                                Tag.create("reason", reason.label())))))
                .increment();
    }
}
