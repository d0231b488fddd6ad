package dev.okapi.relay;

import java.io.EOFException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.okapi.relay.core.Side;

/**
 * Each limit is hit and answered as documented. A relay of its own per test: limits small enough
 * that tests would trip over each other.
 */
class LimitsTest {

    private TestRelay relay;

    @BeforeEach
    void start() {
        relay = new TestRelay(Map.of(
                "relay.max-waiting", "2",
                "relay.max-transfers", "1",
                "relay.idle-timeout-seconds", "1",
                "relay.max-stream-bytes", "100000"));
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    @Test
    void tooManyWaitingClientsGet503() throws Exception {
        CompletableFuture<HttpResponse<String>> a = relay.http.sendAsync(
                HttpRequest.newBuilder(relay.uri("/data" + TestRelay.freshPath())).build(), HttpResponse.BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> b = relay.http.sendAsync(
                HttpRequest.newBuilder(relay.uri("/connect/v0" + TestRelay.freshPath() + "?mode=await-reader&timeout=2")).build(),
                HttpResponse.BodyHandlers.ofString());
        relay.awaitWaiting(Side.CONSUMER, 1);
        relay.awaitConnectWaiting(1);
        HttpResponse<String> third = relay.get("/data" + TestRelay.freshPath());
        assertThat(third.statusCode(), is(503));
        assertThat(third.body(), is("too many clients waiting (limit 2)\n"));
        assertThat(b.get().statusCode(), is(504)); // its own timeout
        a.cancel(true);
    }

    @Test
    void anIdleTransferIsAbortedOnBothSides() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp.Pair pair = RawHttp.Pair.open(relay.port(), path)) {
            RawHttp producer = pair.producer();
            RawHttp consumer = pair.consumer();
            InputStream control = pair.control();
            producer.chunk("then silence");
            assertThat(consumer.response().status(), is(200));
            InputStream body = consumer.chunkedBody();
            assertThat(new String(body.readNBytes(12)), is("then silence"));
            // a second transfer may not start while this one runs (max-transfers = 1)
            String other = TestRelay.freshPath();
            CompletableFuture<HttpResponse<String>> waiting = relay.readAsync(other);
            relay.awaitWaiting(Side.CONSUMER, 1);
            HttpResponse<String> refused = relay.write(other, "x");
            assertThat(refused.statusCode(), is(503));
            assertThat(refused.body(), is("too many transfers running (limit 1)\n"));
            // ... and after a second with no byte moving, both sides end as errors
            assertThat(RawHttp.controlLine(control), is("[ERROR:IDLE_TIMEOUT]"));
            assertThrows(EOFException.class, body::read);
            waiting.cancel(true);
        }
    }

    @Test
    void aStreamOverTheMaximumSizeIsAborted() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp.Pair pair = RawHttp.Pair.open(relay.port(), path)) {
            RawHttp producer = pair.producer();
            RawHttp consumer = pair.consumer();
            InputStream control = pair.control();
            byte[] block = new byte[60_000];
            producer.chunk(block, block.length);
            assertThat(consumer.response().status(), is(200));
            InputStream body = consumer.chunkedBody();
            assertThat(body.readNBytes(60_000).length, is(60_000));
            producer.chunk(block, block.length); // 120,000 > 100,000
            assertThat(RawHttp.controlLine(control), is("[ERROR:STREAM_TOO_LARGE]"));
            // the consumer gets at most the limit, then a cut: never a clean end
            assertThrows(EOFException.class, () -> body.readNBytes(100_000 - 60_000 + 1));
        }
    }

    @Test
    void anAnnouncedStreamOverTheMaximumSizeIsRefusedBeforePairing() throws Exception {
        HttpResponse<String> r = relay.http.send(HttpRequest.newBuilder(relay.uri("/data" + TestRelay.freshPath()))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[100_001])).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode(), is(413));
        assertThat(r.body(), is("stream of 100001 bytes is over this relay's limit of 100000\n"));
    }
}
