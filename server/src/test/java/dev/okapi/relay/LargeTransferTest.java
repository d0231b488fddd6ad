package dev.okapi.relay;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import dev.okapi.relay.core.Side;

/**
 * One GiB through the relay with the digest computed on both ends while streaming: neither side
 * ever holds the stream, and neither does the relay (its memory per transfer is one buffer).
 */
@ExtendWith(SharedRelay.class)
class LargeTransferTest {

    private static final long SIZE = 1L << 30;
    private final TestRelay relay;

    LargeTransferTest(TestRelay relay) {
        this.relay = relay;
    }

    @Test
    void oneGibibyteArrivesIntact() throws Exception {
        String path = TestRelay.freshPath();
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        CompletableFuture<HttpResponse<InputStream>> consumer = relay.http.sendAsync(
                HttpRequest.newBuilder(relay.uri("/data" + path)).build(), HttpResponse.BodyHandlers.ofInputStream());
        relay.awaitWaiting(Side.CONSUMER, 1);
        // Its own thread, not the common pool: on two cores that pool has one worker, which the
        // HttpClient also needs to complete the consumer's response.
        CompletableFuture<Void> producer = new CompletableFuture<>();
        Thread.ofPlatform().name("producer").start(() -> {
            try (RawHttp raw = new RawHttp(relay.port())) {
                raw.head("PUT", "/data" + path, "Transfer-Encoding: chunked");
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
                    raw.chunk(block, block.length);
                }
                raw.lastChunk();
                assertThat(raw.response().status(), is(200));
                // read the control channel to its end before closing: closing with it unread
                // would reset the connection and lose upload bytes the relay has not read yet
                String lines = new String(raw.chunkedBody().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
                assertThat(lines, is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
                producer.complete(null);
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
        producer.get();
        assertThat(total, is(SIZE));
        assertThat(HexFormat.of().formatHex(received.digest()), is(HexFormat.of().formatHex(sent.digest())));
    }
}
