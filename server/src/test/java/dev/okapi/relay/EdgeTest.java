package dev.okapi.relay;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectTransportRequest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;

import dev.okapi.relay.core.Side;

/**
 * The HTTP edge on raw sockets (issue 12), where docs/operations.md says more than the
 * conformance suite checks: the head timeout for a dribbled head and a silent connection, and not
 * for a waiting client; a TLS ClientHello, HTTP/1.0, a request Helidon cannot parse and an
 * unforeseen error answered with their documented lines; Connection: close on observe too; the
 * per-address cap. Its own relay: a head timeout of one second, so that the timeout tests take a
 * second rather than the default ten.
 */
class EdgeTest {

    private static final int HEAD_SECONDS = 1;
    private static TestRelay relay;

    @BeforeAll
    static void start() {
        relay = new TestRelay(Map.of("relay.head-timeout-seconds", Integer.toString(HEAD_SECONDS)));
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    /** Reads until the relay closes; fails if it has not within {@code seconds}. Returns what was read. */
    private static String readUntilClosed(Socket s, int seconds) throws IOException {
        s.setSoTimeout(seconds * 1000);
        try {
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("connection still open after " + seconds + " s");
        } catch (IOException e) {
            return "<reset>"; // a reset is a close too
        }
    }

    @Test
    void aDribbledHeadIsClosedThoughEveryByteComesQuickly() throws Exception {
        try (Socket s = new Socket("127.0.0.1", relay.port())) {
            s.setSoTimeout(300);
            long t0 = System.nanoTime();
            byte[] head = "GET /data/x HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
            try {
                // one byte every 300 ms: each read is quick, the whole head never completes
                for (int i = 0; ; i++) {
                    s.getOutputStream().write(i < head.length ? head[i] : 'y');
                    try {
                        if (s.getInputStream().read() < 0) {
                            break;
                        }
                    } catch (SocketTimeoutException e) {
                        // still open
                    }
                    if ((System.nanoTime() - t0) / 1_000_000 > HEAD_SECONDS * 1000L + 8000) {
                        throw new AssertionError("a dribbled head is still open");
                    }
                }
            } catch (IOException e) {
                // the write or read after the close failed: closed
            }
        }
    }

    @Test
    void aSilentConnectionIsClosedWithinTheHeadTimeout() throws Exception {
        try (Socket s = new Socket("127.0.0.1", relay.port())) {
            assertThat(readUntilClosed(s, HEAD_SECONDS + 9), is(""));
        }
    }

    @Test
    void aTlsClientHelloOnThePlainPortGets400AtOnce() throws Exception {
        try (Socket s = new Socket("127.0.0.1", relay.port())) {
            // the start of a TLS 1.2/1.3 ClientHello record: handshake (0x16), version 3.1, length
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03});
            long t0 = System.nanoTime();
            String answer = readUntilClosed(s, HEAD_SECONDS + 9);
            assertThat(answer, containsString("HTTP/1.1 400 "));
            assertThat(answer, containsString("this port speaks plain HTTP/1.1, not TLS"));
            assertThat((System.nanoTime() - t0) / 1_000_000, lessThan(HEAD_SECONDS * 1000L)); // at once, not at the timeout
        }
    }

    @Test
    void waitingAfterACompleteHeadIsNotAffected() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp consumer = new RawHttp(relay.port())) {
            consumer.head("GET", "/data" + path);
            relay.awaitWaiting(Side.CONSUMER, 1);
            Thread.sleep(HEAD_SECONDS * 2500L); // time is the subject: well past the head timeout
            try (RawHttp producer = new RawHttp(relay.port())) {
                producer.head("PUT", "/data" + path, "Transfer-Encoding: chunked");
                producer.chunk("hello");
                producer.lastChunk();
                assertThat(consumer.response().status(), is(200));
                assertThat(new String(consumer.chunkedBody().readAllBytes(), StandardCharsets.US_ASCII), is("hello"));
            }
        }
    }

    /** On Data and Connect the conformance suite checks it (http/3/3, http/3/4); observe is Okapi's own. */
    @Test
    void connectionCloseIsHonouredOnObserveToo() throws Exception {
        try (RawHttp health = new RawHttp(relay.port())) {
            health.head("GET", "/observe/health", "Connection: close");
            assertThat(readUntilClosed(health.socket, 10), containsString("HTTP/1.1 200 "));
        }
    }

    @Test
    void http10GetsAnAnswerThatSaysWhatToDo() throws Exception {
        try (Socket s = new Socket("127.0.0.1", relay.port())) {
            s.getOutputStream().write("GET /data/x HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = readUntilClosed(s, 10);
            assertThat(answer, containsString("HTTP/1.1 505 "));
            assertThat(answer, containsString("\r\n\r\nHTTP/1.0 is not supported: use HTTP/1.1"));
        }
    }

    @Test
    void aRequestHelidonCannotParseGetsOneLineThatSaysWhy() throws Exception {
        String[][] cases = {
            {"GET /data/x HTTP/1.1\r\n\r\n", "Host header must be present in the request"},
            {"GET /data/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "Only a single Host header is allowed in request"},
            {"GET /data/x\tHTTP/1.1 extra\r\nHost: a\r\n\r\n", "malformed request: not HTTP/1.1 as RFC 9112 writes it"},
            {"GET /data/x HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", "Invalid header, missing colon\n"}, // not its hex dump
        };
        for (String[] c : cases) {
            try (Socket s = new Socket("127.0.0.1", relay.port())) {
                s.getOutputStream().write(c[0].getBytes(StandardCharsets.US_ASCII));
                String answer = readUntilClosed(s, 10);
                assertThat(c[0], answer, startsWith("HTTP/1.1 400 "));
                assertThat(c[0], answer, containsString("Content-Type: text/plain"));
                String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
                assertThat(c[0], body, startsWith(c[1]));
                assertThat(c[0], body.indexOf('\n'), is(body.length() - 1));
            }
        }
    }

    /** Nothing on the wire can trigger an error the relay did not foresee: its answer is checked as Helidon asks for it. */
    @Test
    void anUnforeseenErrorIsOneLineAndAClose() {
        DirectHandler.TransportResponse r = DirectAnswers.handlers().handler(DirectHandler.EventType.INTERNAL_ERROR)
                .handle(DirectTransportRequest.create("HTTP/1.1", "GET", "/x"), DirectHandler.EventType.INTERNAL_ERROR,
                        Status.INTERNAL_SERVER_ERROR_500, ServerResponseHeaders.create(), "boom");
        assertThat(r.status(), is(Status.INTERNAL_SERVER_ERROR_500));
        assertThat(r.headers().first(HeaderNames.CONTENT_TYPE).orElseThrow(), startsWith("text/plain"));
        assertThat(new String(r.entity().orElseThrow(), StandardCharsets.US_ASCII), is("internal error in the relay; its log has the details\n"));
        assertThat(r.keepAlive(), is(false));
    }

    @Test
    void oneAddressCannotTakeEveryConnection() throws Exception {
        // 4 = a Connect waiter, two waiting consumers, and the test's own HTTP client, which asks
        // the metrics on one kept-alive connection
        try (TestRelay capped = new TestRelay(Map.of("relay.max-connections-per-address", "4", "relay.limit-loopback", "true"))) {
            List<RawHttp> open = new ArrayList<>();
            try {
                RawHttp connect = new RawHttp(capped.port());
                open.add(connect);
                connect.head("GET", "/connect/v0" + TestRelay.freshPath() + "?mode=await-reader&timeout=1");
                for (int i = 0; i < 2; i++) {
                    RawHttp c = new RawHttp(capped.port());
                    open.add(c);
                    c.head("GET", "/data" + TestRelay.freshPath());
                }
                capped.awaitWaiting(Side.CONSUMER, 2);
                try (RawHttp fifth = new RawHttp(capped.port())) {
                    fifth.head("GET", "/data" + TestRelay.freshPath());
                    String answer = readUntilClosed(fifth.socket, 10);
                    assertThat(answer, containsString("HTTP/1.1 503 "));
                    assertThat(answer, containsString("too many connections from your address (limit 4)\n"));
                }
                // the Connect waiter's own timeout ends its wait; once it hangs up, its slot is free again
                assertThat(connect.response().status(), is(504));
                connect.close();
                long end = System.nanoTime() + 10_000_000_000L;
                while (true) {
                    RawHttp c = new RawHttp(capped.port());
                    open.add(c);
                    c.head("GET", "/data" + TestRelay.freshPath());
                    c.socket.setSoTimeout(500);
                    try {
                        c.in.read();
                    } catch (SocketTimeoutException e) {
                        break; // no answer: it waits for its producer
                    }
                    assertThat("a freed slot is taken again", System.nanoTime() < end, is(true));
                    Thread.sleep(100); // retrying: being let in is the only sign that a slot came back
                }
                capped.awaitWaiting(Side.CONSUMER, 3);
            } finally {
                for (RawHttp c : open) {
                    c.close();
                }
            }
        }
    }
}
