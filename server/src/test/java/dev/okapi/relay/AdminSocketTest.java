package dev.okapi.relay;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * Observe on its own socket (docs/operations.md, "Admin port"): health and metrics answer there and only
 * there, the data port serves the relay, and a saturated data port (503 from
 * {@code max-concurrent-requests}) leaves the admin port reachable. A relay of its own per test:
 * an admin socket and a cap of two requests, which the saturation test leaves full.
 */
class AdminSocketTest {

    private static final Pattern WAITING_CONSUMERS =
            Pattern.compile("^okapi_waiting\\{[^}]*side=\"consumer\"[^}]*} ([0-9.]+)$", Pattern.MULTILINE);

    private static TestRelay relay;

    @BeforeEach
    void start() {
        relay = new TestRelay(Map.of(
                "server.max-concurrent-requests", "2",
                "server.sockets.0.name", "admin",
                "server.sockets.0.host", "127.0.0.1",
                "server.sockets.0.port", "0",
                "server.features.observe.sockets.0", "admin"));
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    private static URI admin(String path) {
        return URI.create("http://127.0.0.1:" + relay.server.port("admin") + path);
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return relay.http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void observeMovesToTheAdminSocket() throws Exception {
        assertThat(get(admin("/observe/health")).statusCode(), is(200));
        assertThat(get(admin("/observe/health")).body(), containsString("UP"));
        assertThat(get(admin("/observe/metrics")).body(), containsString("okapi_transfers_active"));
        assertThat(get(admin("/data/t/x")).statusCode(), is(404));         // no relay on the admin socket
        assertThat(get(admin("/connect/v0/t/x?mode=await-reader")).statusCode(), is(404));
        assertThat(relay.get("/observe/health").statusCode(), is(404));     // nor observe on the data socket

        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> consumer = relay.readAsync(path);
        HttpResponse<String> producer = relay.write(path, "through the data port");
        assertThat(producer.body(), is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
        assertThat(consumer.get().body(), is("through the data port"));
    }

    @Test
    void aSaturatedDataSocketLeavesTheAdminSocketReachable() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> parked = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) { // max-concurrent-requests = 2: each waiting consumer holds one
                parked.add(relay.http.sendAsync(HttpRequest.newBuilder(relay.uri("/data" + TestRelay.freshPath())).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            awaitWaitingConsumers(2);
            assertThat(relay.get("/data" + TestRelay.freshPath()).statusCode(), is(503));
            HttpResponse<String> health = get(admin("/observe/health"));
            assertThat(health.statusCode(), is(200));
            assertThat(health.body(), containsString("UP"));
        } finally {
            parked.forEach(f -> f.cancel(true)); // the relay's stop ends them on its side
        }
    }

    @Test
    void connectionCloseIsHonouredOnTheAdminSocket() throws Exception {
        try (RawHttp health = new RawHttp(relay.server.port("admin"))) {
            health.head("GET", "/observe/health", "Connection: close");
            String answer = new String(health.in.readAllBytes(), StandardCharsets.ISO_8859_1); // to the relay's close
            assertThat(answer, containsString("HTTP/1.1 200 "));
            assertThat(answer, containsString("UP"));
        }
    }

    /** Polls the admin socket's gauge: the relay's own signal, bounded so a broken relay fails. */
    private static void awaitWaitingConsumers(int count) throws Exception {
        Instant end = Instant.now().plusSeconds(10);
        while (waitingConsumers() != count) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError(count + " waiting consumers expected within 10 s");
            }
            Thread.onSpinWait();
        }
    }

    private static double waitingConsumers() throws Exception {
        Matcher m = WAITING_CONSUMERS.matcher(get(admin("/observe/metrics")).body());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }
}
