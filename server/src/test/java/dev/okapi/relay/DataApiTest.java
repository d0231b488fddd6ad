package dev.okapi.relay;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.okapi.relay.core.Side;

/** The Data API with plain HTTP clients: pairing in both orders, headers, exclusivity, reuse, limits. */
class DataApiTest {

    private static TestRelay relay;
    private static TestRelay shortWait;

    @BeforeAll
    static void start() {
        relay = new TestRelay();
        shortWait = new TestRelay(Map.of("relay.max-wait-seconds", "1"));
    }

    @AfterAll
    static void stop() {
        relay.close();
        shortWait.close();
    }

    private static HttpRequest put(TestRelay r, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(r.uri("/data" + path))
                .PUT(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return b.build();
    }

    @Test
    void producerFirst() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> producer = relay.http.sendAsync(put(relay, path, "hello, consumer"),
                HttpResponse.BodyHandlers.ofString());
        relay.awaitWaiting(Side.PRODUCER, 1);
        HttpResponse<String> consumer = relay.get("/data" + path);
        assertThat(consumer.statusCode(), is(200));
        assertThat(consumer.body(), is("hello, consumer"));
        assertThat(producer.get().statusCode(), is(200));
        assertThat(producer.get().body(), is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
    }

    @Test
    void consumerFirst() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> consumer = relay.http.sendAsync(
                java.net.http.HttpRequest.newBuilder(relay.uri("/data" + path)).build(), HttpResponse.BodyHandlers.ofString());
        relay.awaitWaiting(Side.CONSUMER, 1);
        HttpResponse<String> producer = relay.http.send(put(relay, path, "hello, producer"), HttpResponse.BodyHandlers.ofString());
        assertThat(producer.body(), is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
        assertThat(consumer.get().body(), is("hello, producer"));
    }

    @Test
    void contentHeadersReachTheConsumer() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> consumer = relay.http.sendAsync(
                HttpRequest.newBuilder(relay.uri("/data" + path)).build(), HttpResponse.BodyHandlers.ofString());
        relay.awaitWaiting(Side.CONSUMER, 1);
        relay.http.send(put(relay, path, "a,b\n1,2\n", "Content-Type", "text/csv; charset=utf-8",
                "Content-Disposition", "attachment; filename=\"inventory.csv\"", "X-Meta-Batch", "42"),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> got = consumer.get();
        assertThat(got.headers().firstValue("content-type").orElseThrow(), is("text/csv; charset=utf-8"));
        assertThat(got.headers().firstValue("content-disposition").orElseThrow(), is("attachment; filename=\"inventory.csv\""));
        assertThat(got.headers().firstValue("x-meta-batch").orElseThrow(), is("42"));
        // the JDK client sends a fixed-length body: its Content-Length is passed on
        assertThat(got.headers().firstValue("content-length").orElseThrow(), is("8"));
        assertThat(got.body(), is("a,b\n1,2\n"));
    }

    @Test
    void defaultContentTypeIsOctetStream() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> producer = relay.http.sendAsync(put(relay, path, "x"),
                HttpResponse.BodyHandlers.ofString());
        relay.awaitWaiting(Side.PRODUCER, 1);
        HttpResponse<String> consumer = relay.get("/data" + path);
        assertThat(consumer.headers().firstValue("content-type").orElseThrow(), is("application/octet-stream"));
        producer.get();
    }

    @Test
    void emptyStreamEndsCleanly() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> producer = relay.http.sendAsync(put(relay, path, ""),
                HttpResponse.BodyHandlers.ofString());
        relay.awaitWaiting(Side.PRODUCER, 1);
        HttpResponse<String> consumer = relay.get("/data" + path);
        assertThat(consumer.statusCode(), is(200));
        assertThat(consumer.body(), is(""));
        assertThat(producer.get().body(), containsString("[STATE:TRANSFER_SUCCESSFUL]"));
    }

    @Test
    void secondProducerAndSecondConsumerAreRefused() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp first = new RawHttp(relay.port())) {
            first.head("PUT", "/data" + path, "Transfer-Encoding: chunked");
            relay.awaitWaiting(Side.PRODUCER, 1);
            HttpResponse<String> second = relay.http.send(put(relay, path, "second"), HttpResponse.BodyHandlers.ofString());
            assertThat(second.statusCode(), is(409));
            assertThat(second.body(), is("stream path busy: another producer is already waiting on " + path + "\n"));

            CompletableFuture<HttpResponse<InputStream>> consumer = relay.http.sendAsync(
                    HttpRequest.newBuilder(relay.uri("/data" + path)).build(), HttpResponse.BodyHandlers.ofInputStream());
            first.chunk("first");
            InputStream body = consumer.get().body();
            assertThat(new String(body.readNBytes(5), StandardCharsets.UTF_8), is("first"));
            // transferring now: neither a producer nor a consumer may join
            assertThat(relay.http.send(put(relay, path, "third"), HttpResponse.BodyHandlers.ofString()).statusCode(), is(409));
            HttpResponse<String> secondConsumer = relay.get("/data" + path);
            assertThat(secondConsumer.statusCode(), is(409));
            assertThat(secondConsumer.body(), containsString("transferring"));
            first.lastChunk();
            assertThat(body.read(), is(-1));
        }
    }

    @Test
    void pathIsReusableAfterEndAndAbort() throws Exception {
        String path = TestRelay.freshPath();
        for (int round = 0; round < 3; round++) {
            String body = "round " + round;
            CompletableFuture<HttpResponse<String>> producer = relay.http.sendAsync(put(relay, path, body),
                    HttpResponse.BodyHandlers.ofString());
            relay.awaitWaiting(Side.PRODUCER, 1);
            assertThat(relay.get("/data" + path).body(), is(body));
            assertThat(producer.get().statusCode(), is(200));
        }
        // an aborted transfer frees the path too
        try (RawHttp producer = new RawHttp(relay.port())) {
            producer.head("PUT", "/data" + path, "Transfer-Encoding: chunked");
            relay.awaitWaiting(Side.PRODUCER, 1);
            // the consumer's response head follows the first payload byte, so ask before sending it
            CompletableFuture<HttpResponse<InputStream>> consumer = relay.http.sendAsync(
                    HttpRequest.newBuilder(relay.uri("/data" + path)).build(), HttpResponse.BodyHandlers.ofInputStream());
            producer.chunk("partial");
            InputStream body = consumer.get().body();
            producer.socket.close();
            assertThrows(IOException.class, body::readAllBytes);
        }
        CompletableFuture<HttpResponse<String>> again = relay.http.sendAsync(put(relay, path, "after abort"),
                HttpResponse.BodyHandlers.ofString());
        relay.awaitWaiting(Side.PRODUCER, 1);
        assertThat(relay.get("/data" + path).body(), is("after abort"));
        assertThat(again.get().statusCode(), is(200));
    }

    @Test
    void waitingConsumerTimesOutWith504() throws Exception {
        HttpResponse<String> r = shortWait.get("/data" + TestRelay.freshPath());
        assertThat(r.statusCode(), is(504));
        assertThat(r.body(), is("no producer arrived before the wait limit\n"));
        assertThat(r.headers().firstValue("content-type").orElseThrow(), containsString("text/plain"));
    }

    @Test
    void waitingProducerTimesOutWith504AndSendsNo100() throws Exception {
        try (RawHttp producer = new RawHttp(shortWait.port())) {
            producer.head("PUT", "/data" + TestRelay.freshPath(), "Transfer-Encoding: chunked", "Expect: 100-continue");
            RawHttp.Response r = producer.response();
            assertThat(r.status(), is(504)); // a 100 here would have made the producer send into the void
        }
    }

    @Test
    void malformedPathsAreRefusedWith400() throws Exception {
        for (String bad : new String[] {"/data", "/data/", "/data/UPPER", "/data/a/../b", "/data/a/%2e%2e/b",
                "/data/a%2Fb", "/data/a//b", "/data/" + "x".repeat(1001)}) {
            HttpResponse<String> r = relay.get(bad);
            assertThat(bad, r.statusCode(), is(400));
            assertThat(bad, r.body().lines().count(), is(1L));
        }
    }

    @Test
    void otherMethodsAreRefusedWith405() throws Exception {
        HttpResponse<String> r = relay.http.send(HttpRequest.newBuilder(relay.uri("/data/t/x"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode(), is(405));
        assertThat(r.headers().firstValue("allow").orElseThrow(), is("GET, PUT"));
    }
}
