package dev.okapi.relay;

import java.io.StringReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import dev.okapi.relay.access.AccessControl;
import dev.okapi.relay.core.Side;

import jakarta.json.Json;
import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an operator sees besides the core's meters: the access log and refusal lines (client
 * address, token id, never the query), health that checks the token store, the build-info
 * metric, and log lines with a zone offset, as text or JSON. The histograms and the build-info
 * metric are read on the shared relay; the rest needs token mode or a token store of its own.
 */
@ExtendWith(SharedRelay.class)
class ObservabilityTest {

    @TempDir
    Path dir;

    private static void assertMatches(String actual, String regex) {
        assertTrue(actual.matches(regex), actual + " should match " + regex);
    }

    @Test
    void refusalsAndRequestsAreLoggedWithClientAndTokenButNoSecret() throws Exception {
        Mgmt mgmt = Mgmt.start(dir);
        try (LogCapture log = new LogCapture(AccessLog.class.getName(), AccessControl.class.getName())) {
            String p = TestRelay.freshPath();
            Mgmt.Created write = mgmt.create(p, "write", false);
            HttpResponse<String> wrongMode = mgmt.relay.http.send(HttpRequest.newBuilder(mgmt.relay.uri("/data" + p
                    + "?accesstoken=" + write.token())).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(wrongMode.statusCode(), is(403));
            mgmt.relay.get("/data" + p + "?accesstoken=no-such-secret");
            assertMatches(log.await("the 403 refusal", m -> m.startsWith("refused status=403 ")),
                    "refused status=403 client=127\\.0\\.0\\.1:[0-9]+ target=/data" + p + " token=" + write.id() + " reason=.+");
            log.await("the 401 refusal without a token id", m -> m.startsWith("refused status=401 client=127.0.0.1:")
                    && m.contains(" token=- "));
            log.await("the access line of the 403", m -> m.matches("access client=127\\.0\\.0\\.1:[0-9]+ method=GET path=/data"
                    + p + " status=403 bytes=[0-9]+ millis=[0-9]+ token=-"));
            for (String m : log.messages()) {
                assertThat(m, not(containsString(write.token())));
                assertThat(m, not(containsString("no-such-secret")));
                assertThat(m, not(containsString("?accesstoken=")));
            }
        } finally {
            mgmt.relay.close();
        }
    }

    @Test
    void healthChecksTheTokenStore() throws Exception {
        try (TestRelay relay = new TestRelay(Map.of("auth.mode", "token", "auth.data-dir", dir.toString()))) {
            HttpResponse<String> up = relay.get("/observe/health");
            assertThat(up.statusCode(), is(200));
            assertThat(up.body(), containsString("{\"name\":\"token-store\",\"status\":\"UP\",\"data\":{\"mode\":\"token\"}}"));
            Files.writeString(dir.resolve("tokens.tsv"), "not a token line\n");
            HttpResponse<String> down = relay.get("/observe/health");
            assertThat(down.body(), down.statusCode(), is(503));
            assertThat(down.body(), containsString("\"name\":\"token-store\",\"status\":\"DOWN\""));
        }
        try (TestRelay open = new TestRelay(Map.of("auth.data-dir", dir.resolve("unused").toString()))) {
            assertThat(open.get("/observe/health").body(), containsString("\"data\":{\"mode\":\"open\"}"));
        }
    }

    @Test
    void transferLinesNameTheTokenAndTheClient() throws Exception {
        Mgmt mgmt = Mgmt.start(dir);
        TestRelay relay = mgmt.relay;
        try (LogCapture log = new LogCapture("dev.okapi.relay.core.Transfer")) {
            String p = TestRelay.freshPath();
            Mgmt.Created read = mgmt.create(p, "read", false);
            Mgmt.Created write = mgmt.create(p, "write", false);
            CompletableFuture<HttpResponse<String>> producer = relay.http.sendAsync(HttpRequest.newBuilder(relay.uri("/data" + p))
                    .header("Authorization", "Bearer " + write.token()).PUT(HttpRequest.BodyPublishers.ofString("hello")).build(),
                    HttpResponse.BodyHandlers.ofString());
            relay.awaitWaiting(Side.PRODUCER, 1);
            assertThat(relay.http.send(HttpRequest.newBuilder(relay.uri("/data" + p)).header("Authorization", "Bearer " + read.token())
                    .build(), HttpResponse.BodyHandlers.ofString()).body(), is("hello"));
            assertThat(producer.get().body(), containsString("[STATE:TRANSFER_SUCCESSFUL]"));
            // the line is written once both sides heard the end
            assertMatches(log.await("the transfer line", m -> m.startsWith("transfer path=" + p + " ")),
                    "transfer path=" + p + " bytes=5 millis=[0-9]+ outcome=completed holder=" + write.id()
                            + " client=127\\.0\\.0\\.1:[0-9]+");
        } finally {
            relay.close();
        }
    }

    /** A 504, a 409, a 403, and a waiting consumer that left unanswered (499), each counted by API, method and status. */
    @Test
    void refusalsAndDeparturesAreCounted() throws Exception {
        Mgmt mgmt = Mgmt.start(dir);
        TestRelay relay = mgmt.relay;
        try {
            String p = TestRelay.freshPath();
            Mgmt.Created read = mgmt.create(p, "read", false);
            Mgmt.Created write = mgmt.create(p, "write", false);
            String[] series = {"connect GET 504", "data GET 409", "data GET 403", "data GET 499"};
            double[] before = new double[series.length];
            for (int i = 0; i < series.length; i++) {
                before[i] = requests(relay, series[i]);
            }
            assertThat(relay.get("/connect/v0" + p + "?mode=await-writer&timeout=0&accesstoken=" + read.token()).statusCode(), is(504));
            try (RawHttp waiting = new RawHttp(relay.port())) {
                waiting.head("GET", "/data" + p + "?accesstoken=" + read.token());
                relay.awaitWaiting(Side.CONSUMER, 1);
                assertThat(relay.get("/data" + p + "?accesstoken=" + read.token()).statusCode(), is(409));
                assertThat(relay.get("/data" + p + "?accesstoken=" + write.token()).statusCode(), is(403));
            } // it leaves without an answer
            for (int i = 0; i < series.length; i++) {
                awaitMetric(relay, series[i], before[i] + 1);
            }
        } finally {
            relay.close();
        }
    }

    /** {@code okapi_requests_total} for "API METHOD STATUS", whatever the order of the labels. */
    private static double requests(TestRelay relay, String series) throws Exception {
        String[] w = series.split(" ");
        double sum = 0;
        for (String line : relay.get("/observe/metrics").body().split("\n")) {
            if (line.startsWith("okapi_requests_total{") && line.contains("api=\"" + w[0] + "\"")
                    && line.contains("method=\"" + w[1] + "\"") && line.contains("status=\"" + w[2] + "\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** The counter is incremented once the answer has gone out: poll the relay's own metric, bounded. */
    private static void awaitMetric(TestRelay relay, String series, double expected) throws Exception {
        Instant end = Instant.now().plusSeconds(10);
        double now;
        while ((now = requests(relay, series)) != expected) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("okapi_requests_total for " + series + " is " + now + ", expected " + expected);
            }
            Thread.onSpinWait();
        }
    }

    /** Pairing wait, transfer duration and size as Prometheus histograms (buckets, not decaying quantiles). */
    @Test
    void transfersFillTheHistograms(TestRelay relay) throws Exception {
        double sizes = relay.metric("okapi_transfer_size_bytes_count", "");
        double inSmallBucket = relay.metric("okapi_transfer_size_bytes_bucket", "le=\"65536.0\"");
        double durations = relay.metric("okapi_transfer_duration_seconds_count", "");
        double waits = relay.metric("okapi_pairing_wait_seconds_count", "");
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> producer = relay.http.sendAsync(HttpRequest.newBuilder(relay.uri("/data" + path))
                .PUT(HttpRequest.BodyPublishers.ofString("x".repeat(2000))).build(), HttpResponse.BodyHandlers.ofString());
        relay.awaitWaiting(Side.PRODUCER, 1);
        assertThat(relay.get("/data" + path).body().length(), is(2000));
        assertThat(producer.get().body(), containsString("[STATE:TRANSFER_SUCCESSFUL]"));
        relay.await("okapi_transfer_size_bytes_count", "", sizes + 1); // recorded as the producer's answer ends
        assertThat(relay.metric("okapi_transfer_size_bytes_bucket", "le=\"65536.0\"") - inSmallBucket, is(1.0));
        assertThat(relay.metric("okapi_transfer_duration_seconds_count", "") - durations, is(1.0));
        assertThat(relay.metric("okapi_pairing_wait_seconds_count", "") - waits, is(1.0));
        String text = relay.get("/observe/metrics").body();
        assertThat(text, containsString("# TYPE okapi_pairing_wait_seconds histogram"));
        assertThat(text, containsString("okapi_pairing_wait_seconds_bucket{"));
    }

    @Test
    void buildInfoIsAMetric(TestRelay relay) throws Exception {
        assertThat(relay.metric("okapi_build_info", "version=\"" + FrontPage.version() + "\""), is(1.0));
    }

    @Test
    void logLinesCarryTheZoneOffsetAsTextOrJson() {
        LogRecord r = new LogRecord(Level.WARNING, "a \"quoted\" message\nover two lines");
        r.setLoggerName("dev.okapi.test");
        r.setInstant(Instant.parse("2026-12-01T15:26:03.123Z"));
        r.setThrown(new IllegalStateException("boom"));
        String text = new LogFormat.Text().format(r);
        assertMatches(text, "(?s)2026-12-01T[0-9:]{8}\\.123[+-][0-9]{2}:[0-9]{2} WARNING dev\\.okapi\\.test: a \"quoted\".*");
        assertThat(text, containsString("java.lang.IllegalStateException: boom"));
        String json = new LogFormat.JsonLines().format(r);
        assertThat(json.indexOf('\n'), is(json.length() - 1)); // one line
        JsonObject o = Json.createReader(new StringReader(json)).readObject();
        assertMatches(o.getString("time"), "2026-12-01T[0-9:]{8}\\.123[+-][0-9]{2}:[0-9]{2}");
        assertThat(o.getString("level"), is("WARNING"));
        assertThat(o.getString("logger"), is("dev.okapi.test"));
        assertThat(o.getString("message"), is("a \"quoted\" message\nover two lines"));
        assertThat(List.of(o.getString("thrown").split("\n")), hasItem("java.lang.IllegalStateException: boom"));
    }
}
