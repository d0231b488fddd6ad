package dev.okapi.relay;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The Connect API where Okapi goes beyond the conformance suite (connect/…): the Data URL behind
 * a proxy, from its forwarded headers or from {@code relay.public-url}, a Host header that would
 * inject markup, and a query token carried into the redirect exactly as it was sent. The
 * configured public URL needs a relay of its own; the rest runs on the shared one.
 */
@ExtendWith(SharedRelay.class)
class ConnectApiTest {

    private final TestRelay relay;

    ConnectApiTest(TestRelay relay) {
        this.relay = relay;
    }

    private static CompletableFuture<HttpResponse<String>> connect(TestRelay r, String path, String query) {
        return r.http.sendAsync(HttpRequest.newBuilder(r.uri("/connect/v0" + path + "?" + query)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A poll with timeout=0 never waits, so nothing watches its connection: the 504 keeps it for the next request. */
    @Test
    void aPollThatFindsNoPeerKeepsItsConnection() throws Exception {
        try (RawHttp client = new RawHttp(relay.port())) {
            for (int i = 0; i < 2; i++) {
                client.head("GET", "/connect/v0" + TestRelay.freshPath() + "?mode=await-reader&timeout=0");
                RawHttp.Response answer = client.response();
                assertThat(answer.status(), is(504));
                assertThat(answer.headers().get("connection"), is("keep-alive"));
                client.in.readNBytes(Integer.parseInt(answer.headers().get("content-length")));
            }
        }
    }

    @Test
    void theDataUrlFollowsForwardedHeaders() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> writer = relay.http.sendAsync(
                HttpRequest.newBuilder(relay.uri("/connect/v0" + path + "?mode=await-reader"))
                        .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "relay.example.com:8443").build(),
                HttpResponse.BodyHandlers.ofString());
        connect(relay, path, "mode=await-writer").get();
        assertThat(writer.get().body(), is("https://relay.example.com:8443/data" + path));
    }

    @Test
    void theDataUrlFollowsTheConfiguredPublicUrl() throws Exception {
        try (TestRelay behindProxy = new TestRelay(Map.of("relay.public-url", "https://relay.example.org/"))) {
            String path = TestRelay.freshPath();
            CompletableFuture<HttpResponse<String>> writer = connect(behindProxy, path, "mode=await-reader");
            assertThat(connect(behindProxy, path, "mode=await-writer").get().body(), is("https://relay.example.org/data" + path));
            writer.get();
        }
    }

    @Test
    void aRedirectKeepsAQueryTokenAsSentPercentEncodingAndAll() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> writer = connect(relay, path, "mode=await-reader");
        HttpResponse<String> reader = connect(relay, path, "accesstoken=abc%2Bdef&mode=await-writer&redirect=true").get();
        assertThat(reader.statusCode(), is(307));
        assertThat(reader.headers().firstValue("location").orElseThrow(),
                is("http://127.0.0.1:" + relay.port() + "/data" + path + "?accesstoken=abc%2Bdef"));
        writer.get();
    }

    @Test
    void anInjectedHostIsRefused() throws Exception {
        try (RawHttp raw = new RawHttp(relay.port())) {
            raw.out.write(("GET /connect/v0/t/x?mode=await-reader&timeout=0 HTTP/1.1\r\nHost: evil.example\"><script>\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            raw.out.flush();
            assertThat(raw.response().status(), is(400));
        }
    }
}
