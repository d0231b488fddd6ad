package dev.okapi.relay;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/**
 * Clients that leave while waiting are released at once (issue 15): N waiting consumers, N waiting
 * producers and N Connect waiters fill the waiting room, all go away, and within two seconds the
 * gauges read zero, the relay holds no more file descriptors than before, and a new client is
 * accepted by the room the ghosts had filled. A relay of its own per test: a waiting room of 3N
 * places for the ghosts to fill, and a fresh count of file descriptors.
 */
class GhostTest {

    private static final int N = 200;
    private static final Duration BOUND = Duration.ofSeconds(2);

    private TestRelay relay;

    @BeforeEach
    void start() {
        relay = new TestRelay(Map.of("relay.max-waiting", Integer.toString(3 * N)));
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    @Test
    void waitersThatCloseTheirConnectionsAreReleasedWithinTwoSeconds() throws Exception {
        leaveAndCheck(false);
    }

    @Test
    void waitersThatResetTheirConnectionsAreReleasedWithinTwoSeconds() throws Exception {
        leaveAndCheck(true);
    }

    private void leaveAndCheck(boolean reset) throws Exception {
        double leftBefore = relay.metric("okapi_left_waiting_total", ""); // also opens the metrics connection
        long baseline = openFiles();
        List<RawHttp> ghosts = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            ghosts.add(new RawHttp(relay.port()).head("GET", "/data/ghost/consumer" + i));
            ghosts.add(new RawHttp(relay.port()).head("PUT", "/data/ghost/producer" + i,
                    "Transfer-Encoding: chunked", "Expect: 100-continue"));
            ghosts.add(new RawHttp(relay.port()).head("GET", "/connect/v0/ghost/connect" + i + "?mode=await-reader"));
        }
        awaitWaiting(N, N, N, Duration.ofSeconds(30));
        assertThat("the room is full", relay.get("/data/ghost/one-too-many").statusCode(), is(503));

        long left = System.nanoTime();
        for (RawHttp ghost : ghosts) {
            if (reset) {
                ghost.socket.setSoLinger(true, 0);
            }
            ghost.close();
        }
        awaitWaiting(0, 0, 0, BOUND.minusNanos(System.nanoTime() - left));
        while (openFiles() > baseline && System.nanoTime() - left < BOUND.toNanos()) {
            Thread.onSpinWait(); // the sockets close just after the waiting room lets them go
        }
        assertThat("file descriptors back to the baseline within 2 s", openFiles(), lessThanOrEqualTo(baseline));
        assertThat("each counted as left while waiting", relay.metric("okapi_left_waiting_total", "") - leftBefore,
                is((double) 3 * N));

        // The room the ghosts had filled takes a live client, which streams as usual.
        CompletableFuture<HttpResponse<String>> consumer = relay.readAsync("/ghost/live");
        awaitWaiting(0, 1, 0, Duration.ofSeconds(10));
        relay.write("/ghost/live", "alive");
        assertThat(consumer.get().body(), is("alive"));
    }

    /** Polls the relay's gauges until they read as given, failing once {@code bound} has passed. */
    private void awaitWaiting(int producers, int consumers, int connect, Duration bound) throws Exception {
        long end = System.nanoTime() + Math.max(0, bound.toNanos());
        while (relay.metric("okapi_waiting", "side=\"producer\"") != producers
                || relay.metric("okapi_waiting", "side=\"consumer\"") != consumers
                || relay.metric("okapi_connect_waiting", "") != connect) {
            if (System.nanoTime() > end) {
                throw new AssertionError("expected " + producers + " producers, " + consumers + " consumers and "
                        + connect + " Connect requests waiting within " + bound.toMillis() + " ms; got "
                        + relay.metric("okapi_waiting", "side=\"producer\"") + ", "
                        + relay.metric("okapi_waiting", "side=\"consumer\"") + ", "
                        + relay.metric("okapi_connect_waiting", ""));
            }
            Thread.onSpinWait();
        }
    }

    /** Open file descriptors of this JVM, the relay's and the test's own sockets together. */
    private static long openFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
