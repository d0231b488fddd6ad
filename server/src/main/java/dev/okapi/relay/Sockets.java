package dev.okapi.relay;

import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import io.helidon.config.Config;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;

/**
 * The named sockets of {@code server.sockets}: an HTTPS port beside the HTTP one, or an admin port.
 *
 * <p>A named socket that observe is put on ({@code server.features.observe.sockets}) is an admin
 * socket: it serves {@code /observe/*} and nothing else, so health and metrics stay reachable when
 * the data port is saturated ({@code max-concurrent-requests} answers 503 per socket). Every other
 * named socket serves the relay exactly as the default socket does.
 */
final class Sockets {

    private Sockets() {
    }

    /**
     * Gives every named socket the listener fix of the default one (Helidon 4.3.0's SO_RCVBUF of
     * 4096 caps TLS throughput just the same), and the relay's routing unless it is an admin socket.
     */
    static void configure(WebServerConfig.Builder builder, Config server, int receiveBufferSize,
                          Consumer<HttpRouting.Builder> relayRouting) {
        Set<String> admin = new HashSet<>(server.get("features.observe.sockets").asList(String.class).orElse(List.of()));
        each(builder, b -> b.putListenerSocketOption(StandardSocketOptions.SO_RCVBUF, receiveBufferSize));
        for (String name : builder.sockets().keySet()) {
            if (!admin.contains(name)) {
                builder.routing(name, relayRouting);
            }
        }
    }

    /** Sets Helidon's shutdown grace period on the default and every named socket. */
    static void gracePeriod(WebServerConfig.Builder builder, Duration grace) {
        builder.shutdownGracePeriod(grace);
        each(builder, b -> b.shutdownGracePeriod(grace));
    }

    private static void each(WebServerConfig.Builder builder, UnaryOperator<ListenerConfig.Builder> change) {
        for (Map.Entry<String, ListenerConfig> e : Map.copyOf(builder.sockets()).entrySet()) {
            builder.putSocket(e.getKey(), change.apply(ListenerConfig.builder().from(e.getValue())).build());
        }
    }
}
