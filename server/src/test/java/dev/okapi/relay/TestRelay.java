package dev.okapi.relay;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.okapi.relay.core.Side;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.WebServer;

/**
 * A real relay on a free loopback port, started exactly as {@link Main} starts it, with the
 * embedded {@code application.yaml} under a few test overrides.
 */
final class TestRelay implements AutoCloseable {

    private static final Pattern GAUGE_LINE = Pattern.compile("^(\\S+?)(\\{[^}]*})? ([0-9.eE+-]+)$", Pattern.MULTILINE);

    final WebServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    TestRelay() {
        this(Map.of());
    }

    TestRelay(Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "server.port", "0",
                "server.host", "127.0.0.1",
                "relay.max-wait-seconds", "30"));
        settings.putAll(overrides);
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(settings), ConfigSources.classpath("application.yaml"))
                .build();
        server = Main.start(config);
    }

    /** Wraps a relay started elsewhere, with a configuration of its own; closing stops it. */
    TestRelay(WebServer server) {
        this.server = server;
    }

    int port() {
        return server.port();
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    /** A stream path no other test uses. */
    static String freshPath() {
        return "/t/" + UUID.randomUUID();
    }

    HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(pathAndQuery)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<InputStream> getStream(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(pathAndQuery)).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** The value of a metric line on {@code /observe/metrics} (Prometheus text), or 0 if absent. */
    double metric(String name, String labelFragment) throws IOException, InterruptedException {
        String body = get("/observe/metrics").body();
        Matcher m = GAUGE_LINE.matcher(body);
        double sum = 0;
        while (m.find()) {
            String labels = m.group(2) == null ? "" : m.group(2);
            if (m.group(1).equals(name) && labels.contains(labelFragment)) {
                sum += Double.parseDouble(m.group(3));
            }
        }
        return sum;
    }

    /**
     * Waits until {@code count} sides of a kind wait on the Data API, by polling the relay's own
     * gauge: the signal the relay gives, bounded so a broken relay fails the test instead of
     * hanging it.
     */
    void awaitWaiting(Side side, int count) throws IOException, InterruptedException {
        Instant end = Instant.now().plusSeconds(10);
        while (metric("okapi_waiting", "side=\"" + side.label() + "\"") != count) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("expected " + count + " waiting " + side.label() + "(s) within 10 s, not "
                        + metric("okapi_waiting", "side=\"" + side.label() + "\""));
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
