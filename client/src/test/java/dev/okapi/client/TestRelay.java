package dev.okapi.client;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.Main;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.WebServer;

/** The real relay, started in process on a free loopback port. */
public final class TestRelay implements AutoCloseable {

    private static final AtomicInteger PATHS = new AtomicInteger();

    private final WebServer server;

    private TestRelay(WebServer server) {
        this.server = server;
    }

    /**
     * @param maxWaitSeconds the relay's longest wait for a peer (a Connect {@code timeout} is capped to it)
     */
    public static TestRelay start(int maxWaitSeconds) {
        Config config = Config.just(ConfigSources.create(Map.of(
                "server.port", "0",
                "server.host", "127.0.0.1",
                "relay.max-wait-seconds", Integer.toString(maxWaitSeconds))));
        return new TestRelay(Main.start(config));
    }

    /** The Connect API base, e.g. {@code http://127.0.0.1:40123/connect/v0}. */
    public String connectUrl() {
        return "http://127.0.0.1:" + server.port() + Wire.CONNECT_PREFIX;
    }

    /** A stream path no other test uses. */
    public static String freshPath(String name) {
        return "/test/" + name + "-" + PATHS.incrementAndGet();
    }

    /** Settings for a fresh path on this relay. */
    public ZebraStream.Builder stream(String path) {
        return ZebraStream.builder(connectUrl(), path);
    }

    @Override
    public void close() {
        server.stop();
    }
}
