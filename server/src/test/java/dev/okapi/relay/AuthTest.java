package dev.okapi.relay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.okapi.protocol.Wire.Access;
import dev.okapi.relay.access.FileTokenStore;
import dev.okapi.relay.access.Secrets;
import dev.okapi.relay.access.Token;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/**
 * Token mode on real HTTP (spec section 7): the whole matrix of missing, wrong, expired, revoked,
 * wrong-mode and out-of-scope tokens on the Connect and Data APIs, header and query tokens, path
 * tricks, and that a refused request never waits or learns anything. A relay of its own: token
 * mode, on a token store this class also writes to directly. Over 300 lines: one matrix, whose
 * tests share that relay and store.
 */
class AuthTest {

    @TempDir
    static Path dir;
    private static Mgmt mgmt;
    private static TestRelay relay;

    @BeforeAll
    static void start() {
        mgmt = Mgmt.start(dir);
        relay = mgmt.relay;
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    /** A whole answer read off a raw socket. */
    record Reply(RawHttp.Response head, String body) {
        int status() {
            return head.status();
        }
    }

    private static Reply raw(String method, String target, String... headers) throws IOException {
        try (RawHttp c = new RawHttp(relay.port())) {
            c.head(method, target, headers);
            RawHttp.Response r = c.response();
            while (r.status() == 100) {
                r = c.response();
            }
            String length = r.header("content-length");
            byte[] body;
            if (length != null) {
                body = c.in.readNBytes(Integer.parseInt(length));
            } else if ("chunked".equalsIgnoreCase(r.header("transfer-encoding"))) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                c.chunkedBody().transferTo(b);
                body = b.toByteArray();
            } else {
                body = new byte[0];
            }
            return new Reply(r, new String(body, StandardCharsets.UTF_8));
        }
    }

    private static String bearer(String token) {
        return "Authorization: Bearer " + token;
    }

    /** Each of the four stream requests of a path, as (method, target, needed access). */
    private static Object[][] requests(String p) {
        return new Object[][] {
            {"PUT", "/data" + p, Access.WRITE},
            {"GET", "/data" + p, Access.READ},
            {"GET", "/connect/v0" + p + "?mode=await-reader&timeout=0", Access.WRITE},
            {"GET", "/connect/v0" + p + "?mode=await-writer&timeout=0", Access.READ},
        };
    }

    private static Reply request(Object[] rq, String... headers) throws IOException {
        String[] h = headers;
        if (rq[0].equals("PUT")) {
            h = Arrays.copyOf(headers, headers.length + 1);
            h[headers.length] = "Content-Length: 0";
        }
        return raw((String) rq[0], (String) rq[1], h);
    }

    private static void assertUnauthorized(Reply r, String what) {
        assertThat(what + ": " + r.body(), r.status(), is(401));
        assertThat(what, r.head().header("www-authenticate"), startsWith("Bearer"));
        assertOneLine(r, what);
    }

    private static void assertOneLine(Reply r, String what) {
        assertThat(what, r.head().header("content-type"), startsWith("text/plain"));
        assertThat(what + ": one line", r.body().indexOf('\n'), is(r.body().length() - 1));
    }

    @Test
    void noTokenIs401OnEveryStreamRequest() throws Exception {
        for (Object[] rq : requests(TestRelay.freshPath())) {
            assertUnauthorized(request(rq), rq[0] + " " + rq[1]);
        }
    }

    @Test
    void unknownTokenOrOtherSchemeIs401() throws Exception {
        String p = TestRelay.freshPath();
        for (String h : new String[] {bearer("AAAAAAAAAAAAAAAAAAAAAAAA"), "Authorization: Basic dXNlcjpwYXNz", "Authorization: Bearer",
            "Authorization: Bearer " + Mgmt.KEY}) {
            for (Object[] rq : requests(p)) {
                assertUnauthorized(request(rq, h), rq[0] + " " + rq[1] + " with " + h);
            }
        }
        assertUnauthorized(raw("GET", "/data" + p + "?accesstoken=nope"), "unknown query token");
    }

    @Test
    void expiredTokenIs401() throws Exception {
        // The Management API refuses past expiries, so the expired token goes into the store
        // directly, as the operator's command line would have made it a while ago.
        String p = TestRelay.freshPath();
        String secret = Secrets.newSecret();
        long now = Instant.now().getEpochSecond();
        new FileTokenStore(dir).addOrGet(new Token(Secrets.newId(), Secrets.hex(Secrets.sha256(secret)), p, Access.READ, false,
                now - 1, now - 100, Optional.empty(), Optional.empty()));
        Reply r = raw("GET", "/data" + p, bearer(secret));
        assertUnauthorized(r, "expired token");
        assertThat(r.body(), not(containsString("expired token")));
    }

    @Test
    void revokedTokenIs401AtOnce() throws Exception {
        String p = TestRelay.freshPath();
        Mgmt.Created t = mgmt.create(p, "write", false);
        assertThat(raw("GET", "/connect/v0" + p + "?mode=await-reader&timeout=0", bearer(t.token())).status(), is(504));
        mgmt.delete(t.id());
        assertUnauthorized(raw("GET", "/connect/v0" + p + "?mode=await-reader&timeout=0", bearer(t.token())), "revoked");
        assertUnauthorized(raw("PUT", "/data" + p, bearer(t.token()), "Content-Length: 0"), "revoked PUT");
    }

    @Test
    void wrongModeIs403BothWays() throws Exception {
        String p = TestRelay.freshPath();
        Mgmt.Created w = mgmt.create(p, "write", false);
        Mgmt.Created r = mgmt.create(p, "read", false);
        for (Object[] rq : requests(p)) {
            String wrong = rq[2] == Access.WRITE ? r.token() : w.token();
            Reply reply = request(rq, bearer(wrong));
            assertThat(rq[0] + " " + rq[1] + ": " + reply.body(), reply.status(), is(403));
            assertOneLine(reply, "403");
            assertThat(reply.body(), not(containsString(wrong)));
            assertThat(reply.body(), not(containsString(p)));
        }
    }

    @Test
    void plainTokenCoversExactlyItsPath() throws Exception {
        String p = TestRelay.freshPath();
        Mgmt.Created w = mgmt.create(p, "write", false);
        assertThat(connectProbe(p, w.token()), is(504)); // authorised, no peer
        for (String other : new String[] {p + "/", p + "/x", p + "x", TestRelay.freshPath(), "/t"}) {
            assertThat(other, connectProbe(other, w.token()), is(403));
            assertThat(other, raw("PUT", "/data" + other, bearer(w.token()), "Content-Length: 0").status(), is(403));
        }
    }

    @Test
    void recursiveTokenCoversItsSubtreeAtSegmentBoundaries() throws Exception {
        String base = TestRelay.freshPath();
        String tree = base + "/a/b";
        Mgmt.Created w = mgmt.create(tree, "write", true);
        for (String in : new String[] {tree, tree + "/", tree + "/c", tree + "/c/d/e", tree + "/.hidden", tree + "/c..d"}) {
            assertThat(in, connectProbe(in, w.token()), is(504));
        }
        for (String out : new String[] {base + "/a/bc", base + "/a/b-", base + "/a", base + "/a/", base, base + "/a/c/b"}) {
            assertThat(out, connectProbe(out, w.token()), is(403));
        }
        // A recursive token for a path with a trailing slash covers what is below it, not the path without it.
        Mgmt.Created slash = mgmt.create(base + "/s/", "write", true);
        assertThat(connectProbe(base + "/s/", slash.token()), is(504));
        assertThat(connectProbe(base + "/s/x", slash.token()), is(504));
        assertThat(connectProbe(base + "/s", slash.token()), is(403));
    }

    @Test
    void dotSegmentsAndEncodedSlashesNeverReachAnotherStream() throws Exception {
        String base = TestRelay.freshPath();
        Mgmt.Created w = mgmt.create(base + "/mine", "write", true);
        String[] tricks = {
            base + "/mine/../theirs", base + "/mine/..%2Ftheirs", base + "/mine%2F..%2Ftheirs", base + "/mine/%2e%2e/theirs",
            base + "/mine/%2E%2E/theirs", base + "/mine/./x", base + "/mine//x", base + "/mine/%61", base + "/MINE"};
        for (String t : tricks) {
            // Malformed paths are refused before any token is looked at: the same answer with and without one.
            Reply with = raw("PUT", "/data" + t, bearer(w.token()), "Content-Length: 0");
            Reply without = raw("PUT", "/data" + t, "Content-Length: 0");
            assertThat(t, with.status(), anyOf(is(400), is(404)));
            assertThat(t, without.status(), is(with.status()));
            Reply connect = raw("GET", "/connect/v0" + t + "?mode=await-reader&timeout=0", bearer(w.token()));
            assertThat(t, connect.status(), anyOf(is(400), is(404)));
        }
    }

    @Test
    void malformedRequestsGet400BeforeAuth() throws Exception {
        String p = TestRelay.freshPath();
        assertThat(raw("GET", "/connect/v0" + p).status(), is(400)); // no mode
        assertThat(raw("GET", "/connect/v0" + p + "?mode=await-reader&timeout=soon").status(), is(400));
        assertThat(raw("GET", "/connect/v0" + p + "?mode=await-reader&redirect=maybe").status(), is(400));
        assertThat(raw("DELETE", "/data" + p).status(), is(405));
        assertThat(raw("POST", "/connect/v0" + p + "?mode=await-reader").status(), is(405));
    }

    @Test
    void bearerTokensCarryAStreamThroughConnectAndData() throws Exception {
        String p = TestRelay.freshPath();
        Mgmt.Created w = mgmt.create(p, "write", false);
        Mgmt.Created r = mgmt.create(p, "read", false);
        CompletableFuture<HttpResponse<String>> readerConnect = relay.http.sendAsync(HttpRequest.newBuilder(
                relay.uri("/connect/v0" + p + "?mode=await-writer")).header("Authorization", "Bearer " + r.token()).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> writerConnect = relay.http.send(HttpRequest.newBuilder(relay.uri("/connect/v0" + p + "?mode=await-reader"))
                .header("Authorization", "Bearer " + w.token()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(writerConnect.statusCode(), is(200));
        String url = readerConnect.get(10, TimeUnit.SECONDS).body().strip();
        assertThat(url, not(containsString(r.token())));
        CompletableFuture<HttpResponse<String>> consumer = relay.http.sendAsync(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + r.token()).build(), HttpResponse.BodyHandlers.ofString());
        awaitConsumer(p, w.token());
        HttpResponse<String> producer = relay.http.send(HttpRequest.newBuilder(URI.create(writerConnect.body().strip()))
                .header("Authorization", "Bearer " + w.token()).PUT(HttpRequest.BodyPublishers.ofString("with bearer tokens")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(producer.body(), containsString("[STATE:TRANSFER_SUCCESSFUL]"));
        assertThat(consumer.get(10, TimeUnit.SECONDS).body(), is("with bearer tokens"));
    }

    @Test
    void queryTokensCarryAStreamAndSurviveTheRedirect() throws Exception {
        String p = TestRelay.freshPath();
        Mgmt.Created w = mgmt.create(p, "write", false);
        Mgmt.Created r = mgmt.create(p, "read", false);
        CompletableFuture<HttpResponse<String>> consumer = relay.http.sendAsync(HttpRequest.newBuilder(
                relay.uri("/data" + p + "?accesstoken=" + r.token())).build(), HttpResponse.BodyHandlers.ofString());
        // Connect with redirect=true and a query token: the Location keeps the token ([CONN-6]).
        Reply redirect = raw("GET", "/connect/v0" + p + "?mode=await-reader&redirect=true&timeout=10&accesstoken=" + w.token());
        assertThat(redirect.status(), is(307));
        String location = redirect.head().header("location");
        assertThat(location, containsString("accesstoken=" + w.token()));
        URI target = URI.create(location); // its host is the Host header RawHttp sent, without port
        HttpResponse<String> producer = relay.http.send(HttpRequest.newBuilder(relay.uri(target.getRawPath() + "?" + target.getRawQuery()))
                .PUT(HttpRequest.BodyPublishers.ofString("with query tokens")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(producer.body(), containsString("[STATE:TRANSFER_SUCCESSFUL]"));
        assertThat(consumer.get(10, TimeUnit.SECONDS).body(), is("with query tokens"));
    }

    @Test
    void refusedRequestsLearnNothingAndDisturbNothing() throws Exception {
        String p = TestRelay.freshPath();
        Mgmt.Created w = mgmt.create(p, "write", false);
        Mgmt.Created r = mgmt.create(p, "read", false);
        CompletableFuture<HttpResponse<String>> consumer = relay.http.sendAsync(HttpRequest.newBuilder(relay.uri("/data" + p))
                .header("Authorization", "Bearer " + r.token()).build(), HttpResponse.BodyHandlers.ofString());
        awaitConsumer(p, w.token());
        assertUnauthorized(raw("GET", "/data" + p), "a tokenless second consumer (not 409)");
        assertUnauthorized(raw("GET", "/connect/v0" + p + "?mode=await-reader&timeout=0"), "a tokenless presence probe");
        assertThat(raw("PUT", "/data" + p, bearer(r.token()), "Content-Length: 0").status(), is(403));
        HttpResponse<String> producer = relay.http.send(HttpRequest.newBuilder(relay.uri("/data" + p))
                .header("Authorization", "Bearer " + w.token()).PUT(HttpRequest.BodyPublishers.ofString("untouched")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(producer.body(), containsString("[STATE:TRANSFER_SUCCESSFUL]"));
        assertThat(consumer.get(10, TimeUnit.SECONDS).body(), is("untouched"));
    }

    @Test
    void aRefusedProducerGetsNo100ContinueAndIsClosed() throws Exception {
        String p = TestRelay.freshPath();
        try (RawHttp c = new RawHttp(relay.port())) {
            c.head("PUT", "/data" + p, "Expect: 100-continue", "Content-Length: 5");
            RawHttp.Response r = c.response();
            assertThat(r.status(), is(401));
            c.in.readNBytes(Integer.parseInt(r.header("content-length")));
            assertThat("connection closed after the refusal", c.in.read(), is(-1));
        }
    }

    @Test
    void decisionsAreCountedWithoutTokensOrPathsInLabels() throws Exception {
        double deniedBefore = relay.metric("okapi_auth_decisions_total", "result=\"denied\"");
        double allowedBefore = relay.metric("okapi_auth_decisions_total", "result=\"allowed\"");
        String p = TestRelay.freshPath();
        Mgmt.Created w = mgmt.create(p, "write", false);
        raw("GET", "/data" + p);
        connectProbe(p, w.token());
        assertThat(relay.metric("okapi_auth_decisions_total", "result=\"denied\"") - deniedBefore, greaterThan(0.0));
        assertThat(relay.metric("okapi_auth_decisions_total", "result=\"allowed\"") - allowedBefore, greaterThan(0.0));
        String metrics = relay.get("/observe/metrics").body();
        assertThat(metrics, not(containsString(w.token())));
        assertThat(metrics, not(containsString(w.id())));
        assertThat(metrics, not(containsString(p)));
    }

    @Test
    void frontPageSaysTokenMode() throws Exception {
        HttpResponse<String> r = relay.get("/");
        assertThat(r.statusCode(), is(200));
        assertThat(r.body(), containsString("token"));
    }

    private static int connectProbe(String path, String token) throws IOException {
        return raw("GET", "/connect/v0" + path + "?mode=await-reader&timeout=0", bearer(token)).status();
    }

    /** Waits, by the relay's own signal ([CONN-2] with timeout=0), until a consumer waits on {@code p}. */
    private static void awaitConsumer(String p, String writeToken) throws IOException {
        Instant end = Instant.now().plusSeconds(10);
        while (connectProbe(p, writeToken) != 200) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("no consumer waiting on " + p + " within 10 s");
            }
            Thread.onSpinWait();
        }
    }
}
