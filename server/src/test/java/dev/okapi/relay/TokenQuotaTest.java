package dev.okapi.relay;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

import dev.okapi.relay.core.Side;

/**
 * Per-token limits, in token mode: waiting requests per token, and bandwidth per token. A relay of
 * its own: token mode with small per-token limits.
 */
class TokenQuotaTest {

    @TempDir
    static Path dir;
    private static Mgmt mgmt;
    private static TestRelay relay;

    @BeforeAll
    static void start() {
        mgmt = Mgmt.start(dir, Map.of(
                "relay.max-waiting-per-token", "1",
                "relay.max-bytes-per-second-per-token", "200000"));
        relay = mgmt.relay;
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private HttpRequest.Builder request(String path, String token) {
        return HttpRequest.newBuilder(relay.uri("/data" + path)).header("Authorization", "Bearer " + token);
    }

    @Test
    void aTokenMayHaveOnlyItsShareOfWaitingRequests() throws Exception {
        Mgmt.Created reader = mgmt.create("/quota", "read", true);
        CompletableFuture<HttpResponse<String>> first = relay.http.sendAsync(request("/quota/a", reader.token()).build(),
                HttpResponse.BodyHandlers.ofString());
        relay.awaitWaiting(Side.CONSUMER, 1);
        HttpResponse<String> second = relay.http.send(request("/quota/b", reader.token()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(second.statusCode(), is(503));
        assertThat(second.body(), is("too many requests waiting with this token (limit 1)\n"));
        // another token is not held back by it
        Mgmt.Created other = mgmt.create("/quota", "read", true);
        CompletableFuture<HttpResponse<String>> third = relay.http.sendAsync(request("/quota/c", other.token()).build(),
                HttpResponse.BodyHandlers.ofString());
        relay.awaitWaiting(Side.CONSUMER, 2);
        Mgmt.Created writer = mgmt.create("/quota", "write", true);
        for (String p : new String[] {"/quota/a", "/quota/c"}) {
            relay.http.send(request(p, writer.token()).PUT(HttpRequest.BodyPublishers.ofString("x")).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        assertThat(first.get().body(), is("x"));
        assertThat(third.get().body(), is("x"));
    }

    @Test
    void aTokensTransfersShareItsBandwidth() throws Exception {
        Mgmt.Created reader = mgmt.create("/pace", "read", true);
        Mgmt.Created writer = mgmt.create("/pace", "write", true);
        CompletableFuture<HttpResponse<byte[]>> consumer = relay.http.sendAsync(request("/pace/x", reader.token()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        relay.awaitWaiting(Side.CONSUMER, 1);
        long start = System.nanoTime();
        HttpResponse<String> producer = relay.http.send(request("/pace/x", writer.token())
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[600_000])).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(producer.body(), is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
        assertThat(consumer.get().body().length, is(600_000));
        // 600 kB at 200 kB/s with a one-second burst: at least two seconds, whatever the machine
        assertThat((System.nanoTime() - start) / 1_000_000, greaterThanOrEqualTo(1900L));
    }
}
