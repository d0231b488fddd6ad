package dev.okapi.relay;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.okapi.relay.core.Side;

/**
 * The HTTP edge on raw sockets (issue 12): request-head timeout, non-HTTP bytes, Connection:
 * close on every API, HTTP/1.0, keep-alive after a transfer, and the per-address cap.
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
    void aStalledRequestHeadIsClosedWithinTheHeadTimeout() throws Exception {
        try (Socket s = new Socket("127.0.0.1", relay.port())) {
            s.getOutputStream().write("GET /data/x HTTP/1.1\r\nX-Half: y".getBytes(StandardCharsets.US_ASCII));
            long t0 = System.nanoTime();
            assertThat(readUntilClosed(s, HEAD_SECONDS + 9), is(""));
            assertThat((System.nanoTime() - t0) / 1_000_000, lessThan(HEAD_SECONDS * 1000L + 5000));
        }
    }

    @Test
    void aDribbledHeadIsClosedToo() throws Exception {
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
            Thread.sleep(HEAD_SECONDS * 2500L); // well past the head timeout
            RawHttp producer = new RawHttp(relay.port());
            producer.head("PUT", "/data" + path, "Transfer-Encoding: chunked");
            producer.chunk("hello");
            producer.lastChunk();
            assertThat(consumer.response().status(), is(200));
            assertThat(new String(consumer.chunkedBody().readAllBytes(), StandardCharsets.US_ASCII), is("hello"));
            producer.close();
        }
    }

    @Test
    void connectionCloseIsHonouredOnDataConnectAndHealth() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp consumer = new RawHttp(relay.port()); RawHttp producer = new RawHttp(relay.port())) {
            consumer.head("GET", "/data" + path, "Connection: close");
            producer.head("PUT", "/data" + path, "Content-Length: 2", "Connection: close");
            producer.out.write("hi".getBytes(StandardCharsets.US_ASCII));
            assertThat(readUntilClosed(consumer.socket, 10), containsString("hi"));
            assertThat(readUntilClosed(producer.socket, 10), containsString("[STATE:TRANSFER_SUCCESSFUL]"));
        }
        try (RawHttp connect = new RawHttp(relay.port())) {
            connect.head("GET", "/connect/v0" + TestRelay.freshPath() + "?mode=await-reader&timeout=1", "Connection: close");
            assertThat(readUntilClosed(connect.socket, 10), containsString("HTTP/1.1 504 "));
        }
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
    void aConnectionIsReusedAfterACompletedTransfer() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp consumer = new RawHttp(relay.port()); RawHttp producer = new RawHttp(relay.port())) {
            consumer.head("GET", "/data" + path);
            // Length-framed: after a chunked upload the relay closes the producer's connection
            // (it decodes chunked bodies itself, see core.ChunkedBody, and says so with Connection: close).
            producer.head("PUT", "/data" + path, "Content-Length: 3");
            producer.out.write("abc".getBytes(StandardCharsets.US_ASCII));
            producer.out.flush();
            assertThat(consumer.response().status(), is(200));
            assertThat(new String(consumer.in.readNBytes(3), StandardCharsets.US_ASCII), is("abc"));
            assertThat(producer.response().status(), is(200));
            InputStream control = producer.chunkedBody();
            assertThat(RawHttp.controlLine(control), is("[STATE:CONNECTED]"));
            assertThat(RawHttp.controlLine(control), is("[STATE:TRANSFER_SUCCESSFUL]"));
            assertEquals(-1, control.read());
            // the next request on each connection
            for (RawHttp c : List.of(consumer, producer)) {
                c.head("GET", "/observe/health");
                assertThat(c.response().status(), is(200));
            }
        }
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
                    Thread.sleep(100);
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
