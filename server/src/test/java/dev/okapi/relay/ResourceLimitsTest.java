package dev.okapi.relay;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * The process's own limits (issue 12), on a relay started as a child process: at a low
 * {@code ulimit -n} it refuses connections with 503 and recovers when they go; with a small heap
 * and a few thousand waiting clients it refuses with 503 instead of dying of OutOfMemoryError.
 */
class ResourceLimitsTest {

    private RelayProcess relay;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    /** Starts the relay under a shell that sets its limits first; returns its port. */
    private int startRelay(String limits, String heap, int maxWaitSeconds) throws Exception {
        relay = new RelayProcess(limits, List.of("-Xmx" + heap, "-Drelay.max-wait-seconds=" + maxWaitSeconds,
                "-Dauth.data-dir=" + Path.of(System.getProperty("java.io.tmpdir"), "okapi-limits-" + UUID.randomUUID())));
        return relay.port();
    }

    /**
     * Opens {@code n} consumers on fresh paths: each waits until the relay's max-wait (504) or is
     * refused at once; returns how many were refused with a 503 whose reason matches.
     */
    private int waitingConsumers(int port, int n, String reason) throws Exception {
        List<Socket> opened = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Socket s;
            try {
                s = new Socket("127.0.0.1", port);
            } catch (IOException e) {
                throw failure("connection " + i + ": " + e.getMessage(), e);
            }
            sockets.add(s);
            opened.add(s);
            s.getOutputStream().write(("GET /data/limits/" + UUID.randomUUID() + " HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        int refused = 0;
        for (Socket s : opened) {
            s.setSoTimeout(60_000);
            String status;
            try {
                status = statusLine(s.getInputStream());
            } catch (IOException e) {
                throw failure(e.getMessage(), e);
            }
            if (status.startsWith("HTTP/1.1 503 ")) {
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(answer, Pattern.compile(reason).matcher(answer).find(), is(true));
                refused++;
            } else {
                assertThat(status, containsString(" 504 ")); // waited its whole time
            }
        }
        return refused;
    }

    private AssertionError failure(String what, Exception e) {
        String lines = relay.log().lines().filter(l -> !l.contains("AccessLog")).reduce("", (x, y) -> x + y + "\n");
        return new AssertionError(what + "; relay alive: " + relay.process.isAlive() + "; its log (access lines left out) ends:\n"
                + lines.substring(Math.max(0, lines.length() - 4000)), e);
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new EOFException("closed without an answer after: " + sb);
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** A transfer works, within 20 s (connections that went are noticed when their wait ends). */
    private static void assertServesSoon(int port) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        while (true) {
            try {
                assertServes(port);
                return;
            } catch (AssertionError | IOException e) {
                if (System.nanoTime() > end) {
                    throw e;
                }
                Thread.sleep(200); // retrying: a transfer that works is the only sign that the places came back
            }
        }
    }

    private static void assertServes(int port) throws Exception {
        try (RawHttp consumer = new RawHttp(port); RawHttp producer = new RawHttp(port)) {
            String path = "/data/limits/" + UUID.randomUUID();
            consumer.head("GET", path);
            producer.head("PUT", path, "Transfer-Encoding: chunked");
            producer.chunk("still here");
            producer.lastChunk();
            assertThat(consumer.response().status(), is(200));
            assertThat(new String(consumer.chunkedBody().readAllBytes(), StandardCharsets.US_ASCII), is("still here"));
        }
    }

    @Test
    void atTheDescriptorLimitTheRelayRefusesAndRecovers() throws Exception {
        int port = startRelay("ulimit -n 256", "128m", 5);
        int refused = waitingConsumers(port, 300, "relay at its connection limit");
        assertThat(refused, greaterThan(300 - 256));
        assertThat(relay.process.isAlive(), is(true));
        for (Socket s : sockets) {
            s.close();
        }
        sockets.clear();
        assertServesSoon(port);
        assertThat(relay.log(), not(containsString("Too many open files")));
        assertThat(relay.log(), not(containsString("terminating")));
    }

    @Test
    void aSmallHeapFullOfWaitersRefusesInsteadOfDying() throws Exception {
        int port = startRelay("ulimit -n 20000", "48m", 30);
        int refused = waitingConsumers(port, 6000, "relay at its connection limit|relay is short of memory");
        assertThat(refused, greaterThan(0));
        assertThat(relay.process.isAlive(), is(true));
        assertThat(relay.log(), not(containsString("OutOfMemoryError")));
        for (Socket s : sockets) {
            s.close();
        }
        sockets.clear();
        assertServesSoon(port);
    }
}
