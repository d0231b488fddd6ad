package dev.okapi.relay;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.okapi.relay.core.Side;

/**
 * One GiB through the relay with the digest computed on both ends while streaming: neither side
 * ever holds the stream, and neither does the relay (its memory per transfer is one buffer). A
 * {@code Content-Length} upload this large is read from the socket directly ({@code DirectBody}),
 * so it is tested beside a chunked one, and its producer's connection is closed after it.
 */
@ExtendWith(SharedRelay.class)
class LargeTransferTest {

    private static final long SIZE = 1L << 30;
    private final TestRelay relay;

    LargeTransferTest(TestRelay relay) {
        this.relay = relay;
    }

    @Test
    void oneGibibyteArrivesIntactWhenChunked() throws Exception {
        assertThat(transfer(true).header("Connection"), is("close")); // see ChunkedBody
    }

    @Test
    void oneGibibyteArrivesIntactWithItsLengthAnnouncedAndItsProducersConnectionThenCloses() throws Exception {
        assertThat(transfer(false).header("Connection"), is("close"));
    }

    // A regression here (the short upload taken for a whole one) would leave the consumer waiting for
    // the missing megabyte until the relay's idle limit, 300 s: fail long before that.
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anAnnouncedLargeUploadThatBreaksOffCutsTheConsumer() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<InputStream>> consumer = waitingConsumer(path);
        try (RawHttp producer = new RawHttp(relay.port())) {
            producer.head("PUT", "/data" + path, "Content-Length: " + (4 << 20));
            Thread.ofVirtual().start(() -> {
                try {
                    producer.out.write(new byte[3 << 20]); // a megabyte short of what it announced
                    producer.out.flush();
                } catch (IOException e) {
                    // the read side below fails the test if the bytes did not arrive
                }
            });
            try (InputStream in = consumer.get().body()) {
                byte[] buf = new byte[64 * 1024];
                for (long read = 0; read < 3 << 20; read += in.read(buf)) {
                    assertThat("bytes before the stream's end", read >= 0, is(true));
                }
                producer.socket.shutdownOutput(); // its upload ends here; its response can still be read
                assertThrows(IOException.class, () -> in.read(buf)); // a cut, not an end (-1)
            }
            assertThat(producer.response().status(), is(200));
            InputStream control = producer.chunkedBody();
            assertThat(RawHttp.controlLine(control), is("[STATE:CONNECTED]"));
            assertThrows(EOFException.class, () -> RawHttp.controlLine(control)); // never told of success
        }
    }

    /** Streams {@link #SIZE} pseudo-random bytes, chunked or with a Content-Length; returns the producer's head. */
    private RawHttp.Response transfer(boolean chunked) throws Exception {
        String path = TestRelay.freshPath();
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        CompletableFuture<HttpResponse<InputStream>> consumer = waitingConsumer(path);
        // Its own thread, not the common pool: on two cores that pool has one worker, which the
        // HttpClient also needs to complete the consumer's response.
        CompletableFuture<RawHttp.Response> producer = new CompletableFuture<>();
        Thread.ofPlatform().name("producer").start(() -> {
            try (RawHttp raw = new RawHttp(relay.port())) {
                raw.head("PUT", "/data" + path, chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + SIZE);
                SplittableRandom random = new SplittableRandom(42);
                byte[] block = new byte[64 * 1024];
                for (long written = 0; written < SIZE; written += block.length) {
                    for (int i = 0; i < block.length; i += 8) {
                        long r = random.nextLong();
                        for (int j = 0; j < 8; j++) {
                            block[i + j] = (byte) (r >>> (8 * j));
                        }
                    }
                    sent.update(block);
                    if (chunked) {
                        raw.chunk(block, block.length);
                    } else {
                        raw.out.write(block);
                    }
                }
                if (chunked) {
                    raw.lastChunk();
                }
                raw.out.flush();
                RawHttp.Response head = raw.response();
                assertThat(head.status(), is(200));
                // read the control channel to its end before closing: closing with it unread
                // would reset the connection and lose upload bytes the relay has not read yet
                String lines = new String(raw.chunkedBody().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(lines, is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
                producer.complete(head);
            } catch (Throwable e) {
                producer.completeExceptionally(e);
            }
        });
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        long total = 0;
        try (InputStream in = consumer.get().body()) {
            byte[] buf = new byte[256 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) {
                received.update(buf, 0, n);
                total += n;
            }
        }
        RawHttp.Response head = producer.get();
        assertThat(total, is(SIZE));
        assertThat(HexFormat.of().formatHex(received.digest()), is(HexFormat.of().formatHex(sent.digest())));
        return head;
    }

    /** A consumer of {@code path}, once the relay counts it as waiting; its body is read as it comes. */
    private CompletableFuture<HttpResponse<InputStream>> waitingConsumer(String path) throws Exception {
        CompletableFuture<HttpResponse<InputStream>> consumer = relay.http.sendAsync(
                HttpRequest.newBuilder(relay.uri("/data" + path)).build(), HttpResponse.BodyHandlers.ofInputStream());
        relay.awaitWaiting(Side.CONSUMER, 1);
        return consumer;
    }
}
