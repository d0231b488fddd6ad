package dev.okapi.relay;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The Connect API: the waiting room in front of the Data API. */
class ConnectApiTest {

    private static TestRelay relay;
    private static TestRelay behindProxy;

    @BeforeAll
    static void start() {
        relay = new TestRelay();
        behindProxy = new TestRelay(Map.of("relay.public-url", "https://relay.example.org/"));
    }

    @AfterAll
    static void stop() {
        relay.close();
        behindProxy.close();
    }

    private static CompletableFuture<HttpResponse<String>> connect(TestRelay r, String path, String query) {
        return r.http.sendAsync(HttpRequest.newBuilder(r.uri("/connect/v0" + path + "?" + query)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String dataUrl(String path) {
        return "http://127.0.0.1:" + relay.port() + "/data" + path;
    }

    @Test
    void writerFirstThenReaderBothViaConnect() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> writer = connect(relay, path, "mode=await-reader");
        assertThat(writer.isDone(), is(false));
        HttpResponse<String> reader = connect(relay, path, "mode=await-writer").get();
        assertThat(reader.statusCode(), is(200));
        assertThat(reader.body(), is(dataUrl(path)));
        assertThat(writer.get().body(), is(dataUrl(path)));
        assertThat(reader.headers().firstValue("content-type").orElseThrow(), is("text/plain; charset=utf-8"));
        streamThrough(path, "via connect, writer first");
    }

    @Test
    void readerFirstThenWriterBothViaConnect() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> reader = connect(relay, path, "mode=await-writer");
        HttpResponse<String> writer = connect(relay, path, "mode=await-reader").get();
        assertThat(writer.body(), is(dataUrl(path)));
        assertThat(reader.get().body(), is(dataUrl(path)));
        streamThrough(path, "via connect, reader first");
    }

    @Test
    void connectSeesAConsumerWaitingOnTheDataApi() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> consumer = relay.http.sendAsync(
                HttpRequest.newBuilder(relay.uri("/data" + path)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> writer = connect(relay, path, "mode=await-reader").get();
        assertThat(writer.statusCode(), is(200));
        relay.http.send(HttpRequest.newBuilder(relay.uri("/data" + path))
                .PUT(HttpRequest.BodyPublishers.ofString("mixed")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(consumer.get().body(), is("mixed"));
    }

    @Test
    void connectSeesAProducerWaitingOnTheDataApi() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> producer = relay.http.sendAsync(HttpRequest.newBuilder(relay.uri("/data" + path))
                .PUT(HttpRequest.BodyPublishers.ofString("mixed the other way")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> reader = connect(relay, path, "mode=await-writer").get();
        assertThat(reader.body(), is(dataUrl(path)));
        assertThat(relay.get("/data" + path).body(), is("mixed the other way"));
        assertThat(producer.get().statusCode(), is(200));
    }

    @Test
    void redirectPointsAtTheDataUrlAndKeepsAQueryToken() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> writer = connect(relay, path, "mode=await-reader");
        HttpResponse<String> reader = connect(relay, path, "accesstoken=abc%2Bdef&mode=await-writer&redirect=true").get();
        assertThat(reader.statusCode(), is(307));
        assertThat(reader.headers().firstValue("location").orElseThrow(), is(dataUrl(path) + "?accesstoken=abc%2Bdef"));
        writer.get();
    }

    @Test
    void timeoutExpiresWith504() throws Exception {
        HttpResponse<String> r = connect(relay, TestRelay.freshPath(), "mode=await-writer&timeout=1").get();
        assertThat(r.statusCode(), is(504));
        assertThat(r.body(), is("no producer arrived before the wait limit\n"));
        // an expired waiter is gone: a later reader is not paired with it
        HttpResponse<String> again = connect(relay, TestRelay.freshPath(), "mode=await-reader&timeout=0").get();
        assertThat(again.statusCode(), is(504));
    }

    @Test
    void malformedRequestsGet400WithOneLine() throws Exception {
        String path = TestRelay.freshPath();
        for (String q : new String[] {"", "mode=await-both", "mode=await-reader&timeout=-1", "mode=await-reader&timeout=1.5",
                "mode=await-reader&timeout=soon", "mode=await-reader&redirect=maybe"}) {
            HttpResponse<String> r = connect(relay, path, q).get();
            assertThat(q, r.statusCode(), is(400));
            assertThat(q, r.body().endsWith("\n") && r.body().lines().count() == 1, is(true));
        }
        assertThat(connect(relay, "/BAD", "mode=await-reader").get().statusCode(), is(400));
    }

    @Test
    void dataUrlFollowsForwardedHeadersOrTheConfiguredPublicUrl() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> writer = relay.http.sendAsync(
                HttpRequest.newBuilder(relay.uri("/connect/v0" + path + "?mode=await-reader"))
                        .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "relay.example.com:8443").build(),
                HttpResponse.BodyHandlers.ofString());
        connect(relay, path, "mode=await-writer").get();
        assertThat(writer.get().body(), is("https://relay.example.com:8443/data" + path));

        String other = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> w = connect(behindProxy, other, "mode=await-reader");
        assertThat(connect(behindProxy, other, "mode=await-writer").get().body(), is("https://relay.example.org/data" + other));
        w.get();
    }

    @Test
    void injectedHostIsRefused() throws Exception {
        try (RawHttp raw = new RawHttp(relay.port())) {
            raw.out.write(("GET /connect/v0/t/x?mode=await-reader&timeout=0 HTTP/1.1\r\nHost: evil.example\"><script>\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            raw.out.flush();
            assertThat(raw.response().status(), is(400));
        }
    }

    @Test
    void aConnectWaiterThatLeftIsNoPeer() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp ghost = new RawHttp(relay.port())) {
            ghost.head("GET", "/connect/v0" + path + "?mode=await-writer");
            while (relay.metric("okapi_connect_waiting", "") < 1) {
                Thread.onSpinWait();
            }
        }
        // The ghost reader is gone: a writer must wait for a real reader, not be sent on at once.
        CompletableFuture<HttpResponse<String>> writer = connect(relay, path, "mode=await-reader&timeout=20");
        // absence of an answer, bounded: a relay that counted the ghost answers at once
        assertThrows(java.util.concurrent.TimeoutException.class, () -> writer.get(500, java.util.concurrent.TimeUnit.MILLISECONDS));
        HttpResponse<String> reader = connect(relay, path, "mode=await-writer").get();
        assertThat(reader.statusCode(), is(200));
        assertThat(writer.get().statusCode(), is(200));
    }

    private void streamThrough(String path, String body) throws Exception {
        CompletableFuture<HttpResponse<String>> consumer = relay.http.sendAsync(
                HttpRequest.newBuilder(relay.uri("/data" + path)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> producer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(relay.uri("/data" + path))
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(producer.body(), is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
        assertThat(consumer.get().body(), is(body));
    }
}
