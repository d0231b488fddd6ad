package dev.okapi.relay;

import java.time.Duration;

import io.helidon.config.Config;

/**
 * The connection-level bounds of the relay (issue 12), from the {@code relay} node of the
 * configuration; defaults in the embedded {@code application.yaml}, listed in docs/operations.md,
 * "Limits and timeouts".
 *
 * @param headTimeout          a request head (request line and headers) must be complete this long
 *                             after the connection opened or the previous exchange ended; else the
 *                             connection is closed. The wait for a peer after a complete head is not
 *                             affected.
 * @param maxConnectionsPerAddress most connections one client address may hold at once (zero: none)
 * @param limitLoopback        whether {@code maxConnectionsPerAddress} applies to loopback clients too
 *                             (off by default: a reverse proxy on the same host is one address for all)
 * @param fdReserve            file descriptors kept free for the relay itself when the connection
 *                             limit is derived from the process's descriptor limit
 * @param maxHeapPercent       new requests are refused with 503 while the heap after the last
 *                             collection holds more than this share of the maximum heap
 * @param receiveBufferSize    SO_RCVBUF of every listening socket (Helidon 4.3.0's 4096 disables
 *                             TCP window scaling)
 */
record EdgeConfig(Duration headTimeout, int maxConnectionsPerAddress, boolean limitLoopback, int fdReserve,
                  int maxHeapPercent, int receiveBufferSize) {

    EdgeConfig {
        if (headTimeout.isNegative() || headTimeout.isZero()) {
            throw new IllegalArgumentException("relay.head-timeout-seconds must be positive");
        }
        if (maxConnectionsPerAddress < 0) {
            throw new IllegalArgumentException("relay.max-connections-per-address must not be negative (0: no limit)");
        }
        if (fdReserve < 16) {
            throw new IllegalArgumentException("relay.fd-reserve must be at least 16");
        }
        if (maxHeapPercent < 10 || maxHeapPercent > 100) {
            throw new IllegalArgumentException("relay.max-heap-percent must be between 10 and 100");
        }
    }

    static EdgeConfig from(Config relay) {
        return new EdgeConfig(
                Duration.ofSeconds(relay.get("head-timeout-seconds").asLong().orElse(10L)),
                relay.get("max-connections-per-address").asInt().orElse(1000),
                relay.get("limit-loopback").asBoolean().orElse(false),
                relay.get("fd-reserve").asInt().orElse(64),
                relay.get("max-heap-percent").asInt().orElse(80),
                relay.get("receive-buffer-size").asInt().orElse(4 * 1024 * 1024));
    }
}
