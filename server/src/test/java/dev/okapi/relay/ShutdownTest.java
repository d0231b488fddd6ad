package dev.okapi.relay;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * SIGTERM to a real relay process ([OPS-5]): a waiting client gets 503 at once, a transfer that
 * ends within the grace period ends cleanly, one that does not is aborted as an error on both
 * sides ({@code [ERROR:RELAY_SHUTDOWN]} to the producer, a cut to the consumer), and the process
 * exits within the grace period plus the abort's bound.
 *
 * <p>The relay runs as a child JVM on this test's class path (the jar is only packaged after the
 * tests), started by {@link Main#main} like {@code java -jar}, so the JVM's own shutdown hook is
 * what is tested; {@link ProcessHandle#destroy()} sends SIGTERM.
 */
class ShutdownTest {

    private static final long GRACE_MILLIS = 1000;
    private static final long DRAIN_MILLIS = 200;

    @TempDir
    Path dataDir;

    private RelayProcess process;
    private Process relay;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        if (process != null) {
            process.close();
        }
    }

    /** Starts the relay process and returns its port, read from its log line. */
    private int startRelay() throws Exception {
        process = new RelayProcess("", List.of("-Xmx128m",
                "-Drelay.shutdown-grace-seconds=" + GRACE_MILLIS / 1000, "-Drelay.drain-millis=" + DRAIN_MILLIS,
                "-Dauth.data-dir=" + dataDir));
        relay = process.process;
        return process.port();
    }

    private RawHttp connect(int port) throws IOException {
        RawHttp c = new RawHttp(port);
        closeables.add(c);
        return c;
    }

    /** Reads a consumer's body to its end: "clean" at the terminating chunk, "cut" otherwise. */
    private static CompletableFuture<String> readToEnd(InputStream body) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                body.readAllBytes();
                return "clean";
            } catch (IOException e) {
                return "cut";
            }
        });
    }

    @Test
    void sigtermDrainsThenAbortsAsErrorsAndExits() throws Exception {
        int port = startRelay();

        // Transfer A: will end cleanly during the grace period.
        RawHttp producerA = connect(port).head("PUT", "/data/t/a", "Transfer-Encoding: chunked");
        RawHttp consumerA = connect(port).head("GET", "/data/t/a");
        assertThat(producerA.response().status(), is(200));
        InputStream controlA = producerA.chunkedBody();
        assertThat(RawHttp.controlLine(controlA), is("[STATE:CONNECTED]"));
        producerA.chunk("part one|");
        assertThat(consumerA.response().status(), is(200));
        InputStream bodyA = consumerA.chunkedBody();
        assertThat(new String(bodyA.readNBytes(9), StandardCharsets.UTF_8), is("part one|"));

        // Transfer B: a producer that never ends, paced so the grace period is what stops it.
        RawHttp producerB = connect(port).head("PUT", "/data/t/b", "Transfer-Encoding: chunked");
        RawHttp consumerB = connect(port).head("GET", "/data/t/b");
        assertThat(producerB.response().status(), is(200));
        InputStream controlB = producerB.chunkedBody();
        assertThat(RawHttp.controlLine(controlB), is("[STATE:CONNECTED]"));
        AtomicBoolean feeding = new AtomicBoolean(true);
        Thread feeder = Thread.ofPlatform().daemon().start(() -> {
            try {
                while (feeding.get()) {
                    producerB.chunk("0123456789abcdef\n");
                    Thread.sleep(5); // pacing, not synchronisation
                }
            } catch (IOException | InterruptedException e) {
                // the relay closed the upload
            }
        });
        assertThat(consumerB.response().status(), is(200));
        InputStream bodyB = consumerB.chunkedBody();
        bodyB.readNBytes(17);
        CompletableFuture<String> endB = readToEnd(bodyB);

        // W: a consumer waiting for a producer that will never come.
        RawHttp waiting = connect(port).head("GET", "/data/t/w");
        awaitWaitingConsumers(port, 1);

        long sigterm = System.nanoTime();
        relay.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output

        RawHttp.Response refused = waiting.response();
        assertThat(refused.status(), is(503));
        assertThat(waiting.line(), is("relay is shutting down"));

        // A ends now, after the signal, inside the grace period: a clean end on both sides.
        producerA.chunk("part two");
        producerA.lastChunk();
        assertThat(new String(bodyA.readAllBytes(), StandardCharsets.UTF_8), is("part two"));
        assertThat(RawHttp.controlLine(controlA), is("[STATE:TRANSFER_SUCCESSFUL]"));

        // B runs on through the grace period, then ends as an error on both sides.
        assertThat(RawHttp.controlLine(controlB), is("[ERROR:RELAY_SHUTDOWN]"));
        long abortedAfter = (System.nanoTime() - sigterm) / 1_000_000;
        assertThat("the grace period was honoured", abortedAfter, greaterThanOrEqualTo(GRACE_MILLIS - 100));
        assertThat(endB.get(10, TimeUnit.SECONDS), is("cut"));
        feeding.set(false);
        feeder.join(5000);

        long bound = GRACE_MILLIS + DRAIN_MILLIS + 1000 + 2000; // grace + abort bound + margin
        assertTrue(relay.waitFor(bound, TimeUnit.MILLISECONDS), "relay still running after " + bound + " ms:\n" + process.log());
        long exitedAfter = (System.nanoTime() - sigterm) / 1_000_000;
        assertThat(exitedAfter, lessThan(bound));
        assertThat(relay.exitValue(), is(143)); // 128 + SIGTERM
        process.awaitLogEnd(5000); // the rest of its output
        String text = process.log();
        assertThat(text, containsString("shutting down: 2 transfer(s) running"));
        assertThat(text, containsString("aborting 1 transfer(s) with [ERROR:RELAY_SHUTDOWN]"));
        assertThat(text, containsString("outcome=relay_shutdown"));
        assertThat(text, containsString("outcome=completed"));
    }

    @Test
    void sigtermWithNothingRunningExitsAtOnce() throws Exception {
        int port = startRelay();
        assertThat(get(port, "/observe/health").statusCode(), is(200));
        long sigterm = System.nanoTime();
        relay.toHandle().destroy();
        assertTrue(relay.waitFor(GRACE_MILLIS, TimeUnit.MILLISECONDS), "no transfer: no reason to wait for the grace period");
        assertThat((System.nanoTime() - sigterm) / 1_000_000, lessThan(GRACE_MILLIS));
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Polls the relay's own gauge, bounded so that a broken relay fails the test instead of hanging it. */
    private static void awaitWaitingConsumers(int port, int count) throws Exception {
        Pattern gauge = Pattern.compile("^okapi_waiting\\{[^}]*side=\"consumer\"[^}]*} ([0-9.]+)$", Pattern.MULTILINE);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Matcher m = gauge.matcher(get(port, "/observe/metrics").body());
            if (m.find() && Double.parseDouble(m.group(1)) == count) {
                return;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError(count + " waiting consumer(s) expected within 10 s");
            }
            Thread.onSpinWait();
        }
    }
}
