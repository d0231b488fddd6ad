package dev.okapi.relay;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.okapi.relay.core.Side;

/**
 * The Data API on the wire, with raw sockets: what the existing clients depend on byte for byte.
 */
class WireTest {

    private static TestRelay relay;

    @BeforeAll
    static void start() {
        relay = new TestRelay();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    @Test
    void nothingReachesAWaitingProducerThen100ContinueOncePaired() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp producer = new RawHttp(relay.port())) {
            producer.head("PUT", "/data" + path, "Transfer-Encoding: chunked", "Expect: 100-continue");
            relay.awaitWaiting(Side.PRODUCER, 1);
            // Waiting: not a byte, so curl's --expect100-timeout keeps it from sending into the void.
            producer.socket.setSoTimeout(300);
            assertThrows(SocketTimeoutException.class, () -> producer.in.read());
            producer.socket.setSoTimeout(20_000);

            CompletableFuture<HttpResponse<String>> consumer = relay.http.sendAsync(
                    java.net.http.HttpRequest.newBuilder(relay.uri("/data" + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(producer.response().status(), is(100));
            RawHttp.Response head = producer.response();
            assertThat(head.status(), is(200));
            assertThat(head.header("transfer-encoding"), is("chunked"));
            InputStream control = producer.chunkedBody();
            assertThat(RawHttp.controlLine(control), is("[STATE:CONNECTED]"));
            producer.chunk("payload");
            producer.lastChunk();
            assertThat(RawHttp.controlLine(control), is("[STATE:TRANSFER_SUCCESSFUL]"));
            assertThat(control.read(), is(-1)); // terminating chunk: the control channel ended cleanly
            assertThat(consumer.get().body(), is("payload"));
        }
    }

    /**
     * The unmodified Python writer and reader: Connect first on both sides, then a chunked PUT
     * whose response lines are read while the upload is still running, and a GET read to a
     * clean end.
     */
    @Test
    void pythonClientExchange() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> readerConnect = relay.http.sendAsync(java.net.http.HttpRequest
                .newBuilder(relay.uri("/connect/v0" + path + "?mode=await-writer&timeout=11"))
                .header("Authorization", "Bearer reader-token").build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> writerConnect = relay.http.send(java.net.http.HttpRequest
                .newBuilder(relay.uri("/connect/v0" + path + "?mode=await-reader&timeout=11"))
                .header("Authorization", "Bearer writer-token").build(), HttpResponse.BodyHandlers.ofString());
        String dataUrl = "http://127.0.0.1:" + relay.port() + "/data" + path;
        assertThat(writerConnect.statusCode(), is(200));
        assertThat(writerConnect.body().strip(), is(dataUrl));
        assertThat(readerConnect.get().body().strip(), is(dataUrl));

        try (RawHttp writer = new RawHttp(relay.port()); RawHttp reader = new RawHttp(relay.port())) {
            writer.head("PUT", "/data" + path, "Authorization: Bearer writer-token",
                    "Transfer-Encoding: chunked", "Content-Type: application/octet-stream");
            reader.head("GET", "/data" + path, "Authorization: Bearer reader-token");
            RawHttp.Response head = writer.response();
            assertThat(head.status(), is(200));
            InputStream control = writer.chunkedBody();
            assertThat(RawHttp.controlLine(control), is("[STATE:CONNECTED]")); // before any payload was sent: full duplex

            RawHttp.Response readerHead = null;
            InputStream payload = null;
            byte[] block = new byte[64 * 1024];
            for (int i = 0; i < 32; i++) {
                java.util.Arrays.fill(block, (byte) i);
                writer.chunk(block, block.length);
                if (readerHead == null) {
                    readerHead = reader.response();
                    assertThat(readerHead.status(), is(200));
                    payload = reader.chunkedBody();
                }
                byte[] got = payload.readNBytes(block.length); // the reader keeps up block by block
                assertThat(got[0], is((byte) i));
                assertThat(got[got.length - 1], is((byte) i));
            }
            writer.lastChunk();
            assertThat(payload.read(), is(-1)); // clean end: terminating chunk received
            assertThat(RawHttp.controlLine(control), is("[STATE:TRANSFER_SUCCESSFUL]"));
            assertThat(control.read(), is(-1));
        }
    }

    @Test
    void producerAbortCutsTheConsumerWithoutATerminatingChunk() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp.Pair pair = RawHttp.Pair.open(relay.port(), path)) {
            RawHttp producer = pair.producer();
            RawHttp consumer = pair.consumer();
            producer.chunk("first half of the stream");
            RawHttp.Response head = consumer.response();
            assertThat(head.status(), is(200));
            InputStream body = consumer.chunkedBody();
            assertThat(new String(body.readNBytes(24), StandardCharsets.UTF_8), is("first half of the stream"));
            producer.socket.close(); // no final chunk: an abort
            assertThrows(EOFException.class, () -> body.read());
        }
    }

    @Test
    void producerAbortCutsAFixedLengthConsumerShort() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp producer = new RawHttp(relay.port()); RawHttp consumer = new RawHttp(relay.port())) {
            producer.head("PUT", "/data" + path, "Content-Length: 100");
            consumer.head("GET", "/data" + path);
            assertThat(producer.response().status(), is(200));
            producer.out.write("only forty of the hundred promised bytes".getBytes(StandardCharsets.US_ASCII));
            producer.out.flush();
            RawHttp.Response head = consumer.response();
            assertThat(head.header("content-length"), is("100"));
            byte[] got = consumer.in.readNBytes(40);
            assertThat(got.length, is(40));
            producer.socket.close();
            assertThat(consumer.in.read(), is(-1)); // closed short of Content-Length: the client sees the truncation
        }
    }

    @Test
    void consumerGoneTellsTheProducerWhileItStillUploads() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp producer = new RawHttp(relay.port())) {
            producer.head("PUT", "/data" + path, "Transfer-Encoding: chunked");
            InputStream control;
            try (RawHttp consumer = new RawHttp(relay.port())) {
                consumer.head("GET", "/data" + path);
                assertThat(producer.response().status(), is(200));
                control = producer.chunkedBody();
                assertThat(RawHttp.controlLine(control), is("[STATE:CONNECTED]"));
                producer.chunk("some data");
                assertThat(consumer.response().status(), is(200));
                consumer.socket.setSoLinger(true, 0); // leave abruptly
            }
            // keep uploading: the error line must arrive while the upload is running
            byte[] block = new byte[16 * 1024];
            String line = null;
            for (int i = 0; i < 1000 && line == null; i++) {
                producer.chunk(block, block.length);
                if (producer.in.available() > 0) {
                    line = RawHttp.controlLine(control);
                }
            }
            assertThat(line, is("[ERROR:RECEIVER_PREMATURE_DISCONNECT]"));
        }
    }

    @Test
    void aProducerThatLeftWhileWaitingIsReplacedByTheNextOne() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp ghost = new RawHttp(relay.port())) {
            ghost.head("PUT", "/data" + path, "Transfer-Encoding: chunked", "Expect: 100-continue");
            relay.awaitWaiting(Side.PRODUCER, 1);
        }
        // The ghost is still registered; the consumer pairs with it, finds it gone before its
        // first byte, and waits for the next producer instead of failing.
        CompletableFuture<HttpResponse<String>> consumer = relay.http.sendAsync(
                java.net.http.HttpRequest.newBuilder(relay.uri("/data" + path)).build(), HttpResponse.BodyHandlers.ofString());
        relay.awaitWaiting(Side.CONSUMER, 1);
        HttpResponse<String> producer = relay.http.send(java.net.http.HttpRequest.newBuilder(relay.uri("/data" + path))
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("the real stream")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(producer.statusCode(), is(200));
        assertThat(consumer.get().statusCode(), is(200));
        assertThat(consumer.get().body(), is("the real stream"));
    }

    @Test
    void aConsumerThatLeftWhileWaitingNeverSwallowsTheProducersData() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp ghost = new RawHttp(relay.port())) {
            ghost.head("GET", "/data" + path);
            relay.awaitWaiting(Side.CONSUMER, 1);
        }
        // The producer finds the ghost gone before writing a byte and waits for a live consumer.
        CompletableFuture<HttpResponse<String>> producer = relay.http.sendAsync(java.net.http.HttpRequest
                .newBuilder(relay.uri("/data" + path)).PUT(java.net.http.HttpRequest.BodyPublishers.ofString("ten bytes!"))
                .build(), HttpResponse.BodyHandlers.ofString());
        relay.awaitWaiting(Side.PRODUCER, 1);
        HttpResponse<String> consumer = relay.get("/data" + path);
        assertThat(consumer.body(), is("ten bytes!"));
        assertThat(producer.get().body(), is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
    }

    @Test
    void aConsumerThatLeftWhileWaitingDoesNotKeepThePath() throws Exception {
        String path = TestRelay.freshPath();
        double left = relay.metric("okapi_left_waiting_total", "side=\"consumer\"");
        try (RawHttp ghost = new RawHttp(relay.port())) {
            ghost.head("GET", "/data" + path);
            relay.awaitWaiting(Side.CONSUMER, 1);
        }
        // the ghost is released at once, so a second consumer takes its place instead of getting 409
        java.time.Instant end = java.time.Instant.now().plusSeconds(10);
        while (relay.metric("okapi_left_waiting_total", "side=\"consumer\"") == left) {
            assertThat("the ghost is released within 10 s", java.time.Instant.now().isBefore(end), is(true));
        }
        relay.awaitWaiting(Side.CONSUMER, 0);
        CompletableFuture<HttpResponse<String>> consumer = relay.http.sendAsync(
                java.net.http.HttpRequest.newBuilder(relay.uri("/data" + path)).build(), HttpResponse.BodyHandlers.ofString());
        relay.awaitWaiting(Side.CONSUMER, 1);
        relay.http.send(java.net.http.HttpRequest.newBuilder(relay.uri("/data" + path))
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("for the live one")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(consumer.get().statusCode(), is(200));
        assertThat(consumer.get().body(), is("for the live one"));
    }
}
