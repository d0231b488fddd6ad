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
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.okapi.relay.core.Side;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.WebServer;

/**
 * A real relay on a free loopback port, started exactly as {@link Main} starts it, with the
 * embedded {@code application.yaml} under a few test overrides.
 *
 * <p>Tests of the default configuration share one of these for the whole test JVM
 * ({@link SharedRelay}); a test class starts its own only when it needs a configuration of its
 * own, and says why in its Javadoc. Not Helidon's {@code @ServerTest}: that starts a server per
 * test class from Helidon's global configuration (and sets a system property for every later
 * test), where the relay wants one server per JVM built by {@link Main#configure} from an
 * explicit {@link Config}, so {@code server/pom.xml} does without
 * {@code helidon-webserver-testing-junit5}.
 *
 * <p>The metrics it reads are Helidon's global registry: one per JVM, so several relays in one
 * JVM add up. Counts therefore mean something only while every other relay is idle, which
 * {@link SharedRelay} checks before and after each test that uses the shared relay.
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

    /** A consumer of {@code /data{path}}, reading the whole stream as text. */
    CompletableFuture<HttpResponse<String>> readAsync(String path) {
        return http.sendAsync(HttpRequest.newBuilder(uri("/data" + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A producer of {@code /data{path}}, sending {@code body}; its answer holds the control lines. */
    CompletableFuture<HttpResponse<String>> writeAsync(String path, String body) {
        return http.sendAsync(HttpRequest.newBuilder(uri("/data" + path)).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@link #writeAsync}, waited for. */
    HttpResponse<String> write(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri("/data" + path)).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
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

    /** Waits until {@code count} sides of a kind wait on the Data API (see {@link #await}). */
    void awaitWaiting(Side side, int count) throws IOException, InterruptedException {
        await("okapi_waiting", "side=\"" + side.label() + "\"", count);
    }

    /** Waits until {@code count} requests wait on the Connect API (see {@link #await}). */
    void awaitConnectWaiting(int count) throws IOException, InterruptedException {
        await("okapi_connect_waiting", "", count);
    }

    /**
     * Waits until nothing waits and no transfer runs: what every test leaves behind. A client that
     * left is let go by the relay a moment later, hence a wait rather than a look.
     */
    void awaitIdle() throws IOException, InterruptedException {
        await("okapi_waiting", "", 0);
        await("okapi_connect_waiting", "", 0);
        await("okapi_transfers_active", "", 0);
    }

    /**
     * Waits until a metric reads {@code value}, by polling the relay's own meters: the signal the
     * relay gives, bounded so that a broken relay fails the test instead of hanging it.
     */
    void await(String name, String labelFragment, double value) throws IOException, InterruptedException {
        Instant end = Instant.now().plusSeconds(10);
        double now;
        while ((now = metric(name, labelFragment)) != value) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("expected " + name + (labelFragment.isEmpty() ? "" : "{" + labelFragment + "}")
                        + " to read " + value + " within 10 s, not " + now);
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
