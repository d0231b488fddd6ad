package dev.okapi.relay;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import dev.okapi.relay.access.Secrets;

/**
 * No log line and no metric ever holds a token secret or the management key: a whole token-mode
 * session (create, idempotent retry, header and query tokens, a redirect, wrong and revoked
 * tokens) with the relay's, Helidon's and Helidon Security's audit loggers at {@code ALL}, then a
 * grep of everything logged, of {@code /observe/metrics} and of the store file. A relay of its
 * own: token mode with a management key, on a store file it reads.
 */
class SecretLeakTest {

    @TempDir
    Path dir;

    /**
     * The loggers whose every level is captured: ours, Helidon Security's audit, and all of Helidon
     * (the webserver's FINEST request tracing included, which sees query tokens if anything does).
     */
    private static final List<String> VERBOSE = List.of("dev.okapi", "AUDIT", "io.helidon");

    @Test
    void noSecretInAnyLogLineOrMetric() throws Exception {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        SimpleFormatter format = new SimpleFormatter();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(format.format(r)); // message, parameters and any stack trace, as a console would print them
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        Logger root = Logger.getLogger("");
        Map<Logger, Level> before = new LinkedHashMap<>();
        for (String name : VERBOSE) {
            Logger l = Logger.getLogger(name);
            before.put(l, l.getLevel());
            l.setLevel(Level.ALL);
        }
        root.addHandler(capture);
        List<String> secrets = new ArrayList<>(List.of(Mgmt.KEY));
        Mgmt mgmt = Mgmt.start(dir);
        String metrics;
        try {
            session(mgmt, secrets);
            metrics = mgmt.relay.get("/observe/metrics").body();
        } finally {
            mgmt.relay.close();
            root.removeHandler(capture);
            before.forEach(Logger::setLevel);
        }
        assertThat("the session logged something", lines.size(), greaterThan(10));
        assertThat("Helidon Security's audit was captured", String.join("", lines), containsString("authn"));
        for (String secret : secrets) {
            for (String line : lines) {
                assertThat("a log line holds a secret", line, not(containsString(secret)));
            }
            assertThat(metrics, not(containsString(secret)));
            assertThat(Files.readString(dir.resolve("tokens.tsv")), not(containsString(secret)));
        }
    }

    /** Everything a token can go through; every secret seen is added to {@code secrets}. */
    private static void session(Mgmt mgmt, List<String> secrets) throws Exception {
        TestRelay relay = mgmt.relay;
        String p = TestRelay.freshPath();
        Map<String, String> form = new LinkedHashMap<>(Mgmt.tokenForm(p, "write", false, Mgmt.inAnHour()));
        form.put("idem_key", "leak-test-01");
        Mgmt.Created w = mgmt.create(form);
        mgmt.create(form); // the idempotent replay unseals it
        Mgmt.Created r = mgmt.create(p, "read", false);
        secrets.add(w.token());
        secrets.add(r.token());

        CompletableFuture<HttpResponse<String>> consumer = relay.http.sendAsync(HttpRequest.newBuilder(
                relay.uri("/data" + p + "?accesstoken=" + r.token())).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<Void> redirect = relay.http.send(HttpRequest.newBuilder(
                relay.uri("/connect/v0" + p + "?mode=await-reader&redirect=true&timeout=10&accesstoken=" + w.token())).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(redirect.statusCode(), is(307));
        URI location = URI.create(redirect.headers().firstValue("location").orElseThrow());
        HttpResponse<String> producer = relay.http.send(HttpRequest.newBuilder(location)
                .PUT(HttpRequest.BodyPublishers.ofString("payload")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(producer.body(), containsString("[STATE:TRANSFER_SUCCESSFUL]"));
        assertThat(consumer.get(10, TimeUnit.SECONDS).body(), is("payload"));

        // Refusals of every kind, by header and by query.
        String stranger = Secrets.newSecret();
        secrets.add(stranger);
        relay.http.send(HttpRequest.newBuilder(relay.uri("/data" + p)).header("Authorization", "Bearer " + stranger).build(),
                HttpResponse.BodyHandlers.discarding());
        relay.http.send(HttpRequest.newBuilder(relay.uri("/data" + p + "?accesstoken=" + stranger)).build(),
                HttpResponse.BodyHandlers.discarding());
        relay.http.send(HttpRequest.newBuilder(relay.uri("/data" + p)).header("Authorization", "Bearer " + w.token()).build(),
                HttpResponse.BodyHandlers.discarding()); // 403: write token on GET
        relay.http.send(HttpRequest.newBuilder(relay.uri("/data/elsewhere?accesstoken=" + r.token())).build(),
                HttpResponse.BodyHandlers.discarding()); // 403: out of scope
        mgmt.get("/accesstoken.list", Optional.of(stranger));
        mgmt.get("/accesstoken.list", Optional.of(w.token()));
        mgmt.delete(w.id());
        relay.http.send(HttpRequest.newBuilder(relay.uri("/data" + p)).header("Authorization", "Bearer " + w.token())
                .PUT(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.discarding()); // 401: revoked
    }
}
