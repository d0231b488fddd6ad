package dev.okapi.relay.core;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import io.helidon.config.Config;

/**
 * The core's settings, from the {@code relay} node of the configuration (defaults in the embedded
 * {@code application.yaml}, listed in docs/configuration.md); the edge, access control and the
 * shutdown read their own settings from the same node.
 *
 * @param maxWait          longest wait for a peer on the Data and Connect APIs
 * @param drain            how long a producer's upload is drained after its consumer went away
 * @param maxWaiting       most clients waiting at once (Data and Connect), beyond which 503
 * @param maxTransfers     most transfers running at once, beyond which a pairing side gets 503
 * @param idleTimeout      a transfer that moves no byte this long is aborted (zero: never)
 * @param maxStreamBytes   a stream longer than this is aborted (zero: no limit)
 */
public record RelayConfig(Duration maxWait, Duration drain, int maxWaiting, int maxTransfers,
                          Duration idleTimeout, long maxStreamBytes) {

    public RelayConfig {
        require(maxWait.isPositive(), "relay.max-wait-seconds must be positive");
        require(!drain.isNegative(), "relay.drain-millis must not be negative");
        require(maxWaiting > 0, "relay.max-waiting must be positive");
        require(maxTransfers > 0, "relay.max-transfers must be positive");
        require(!idleTimeout.isNegative(), "relay.idle-timeout-seconds must not be negative (0: no limit)");
        require(maxStreamBytes >= 0, "relay.max-stream-bytes must not be negative (0: no limit)");
    }

    private static void require(boolean valid, String otherwise) {
        if (!valid) {
            throw new IllegalArgumentException(otherwise);
        }
    }

    public static RelayConfig from(Config relay) {
        return new RelayConfig(
                Duration.ofSeconds(relay.get("max-wait-seconds").asLong().orElse(3600L)),
                Duration.ofMillis(relay.get("drain-millis").asLong().orElse(1000L)),
                relay.get("max-waiting").asInt().orElse(10_000),
                relay.get("max-transfers").asInt().orElse(1_000),
                Duration.ofSeconds(relay.get("idle-timeout-seconds").asLong().orElse(300L)),
                relay.get("max-stream-bytes").asLong().orElse(0L));
    }

    /** The idle limit as a bound on a wait: a zero limit (none) waits as long as a stream may last. */
    Duration idleBound() {
        return idleTimeout.isZero() ? ChronoUnit.FOREVER.getDuration() : idleTimeout;
    }
}
