package dev.okapi.relay;

import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import dev.okapi.protocol.Wire;

import io.helidon.config.Config;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
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
     * Gives the default and every named socket the listener fix (Helidon 4.3.0 forces an SO_RCVBUF
     * of 4096 on the listening socket, which every accepted socket inherits: no TCP window scaling,
     * ~100 MB/s on loopback; configuration cannot undo it), and the relay's routing unless it is an
     * admin socket, which gets {@code adminRouting} (the HTTP edge's filter) beside observe.
     */
    static void configure(WebServerConfig.Builder builder, Config server, int receiveBufferSize,
                          Consumer<HttpRouting.Builder> relayRouting, Consumer<HttpRouting.Builder> adminRouting) {
        Set<String> admin = adminSockets(server);
        builder.putListenerSocketOption(StandardSocketOptions.SO_RCVBUF, receiveBufferSize);
        each(builder, b -> b.putListenerSocketOption(StandardSocketOptions.SO_RCVBUF, receiveBufferSize));
        for (String name : builder.sockets().keySet()) {
            builder.routing(name, admin.contains(name) ? adminRouting : relayRouting);
        }
    }

    /** One log line per socket: where the relay listens, and which socket serves observe. */
    static List<String> describe(WebServer server, Config serverConfig) {
        Set<String> admin = adminSockets(serverConfig);
        String base = url(server, WebServer.DEFAULT_SOCKET_NAME, server.prototype().host());
        List<String> lines = new ArrayList<>();
        lines.add("Okapi relay listening on " + base + " (Connect API " + base + Wire.CONNECT_PREFIX + ", Data API "
                + base + Wire.DATA_PREFIX + (admin.isEmpty() ? ", health " + base + Wire.OBSERVE_PREFIX + "/health" : "")
                + ")");
        server.prototype().sockets().forEach((name, listener) -> lines.add("Okapi socket '" + name + "' on "
                + url(server, name, listener.host()) + (admin.contains(name)
                ? ": observe only (health " + Wire.OBSERVE_PREFIX + "/health, metrics " + Wire.OBSERVE_PREFIX + "/metrics)"
                : ": the relay")));
        return lines;
    }

    /** The first socket that does not listen (Helidon reports port -1 for it), if any. */
    static Optional<String> unbound(WebServer server) {
        if (server.port() < 0 || !server.isRunning()) {
            return Optional.of("server.port " + server.prototype().port() + " on " + server.prototype().host());
        }
        return server.prototype().sockets().entrySet().stream().filter(e -> server.port(e.getKey()) < 0)
                .map(e -> "socket '" + e.getKey() + "' port " + e.getValue().port() + " on " + e.getValue().host())
                .findFirst();
    }

    private static String url(WebServer server, String socket, String host) {
        return (server.hasTls(socket) ? "https" : "http") + "://" + host + ":" + server.port(socket);
    }

    /** The named sockets that serve observe only ({@code server.features.observe.sockets}). */
    static Set<String> adminSockets(Config serverConfig) {
        return new HashSet<>(serverConfig.get("features.observe.sockets").asList(String.class).orElse(List.of()));
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
