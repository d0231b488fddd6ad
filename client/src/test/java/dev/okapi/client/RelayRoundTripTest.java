package dev.okapi.client;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.okapi.client.agert.AgeRtInputStream;
import dev.okapi.protocol.Wire;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Writer and reader against the real relay on loopback: the "done when" list. */
class RelayRoundTripTest {

    private static final long MIB = 1024 * 1024;
    private static final String PASSPHRASE = "correct horse battery staple";

    private static TestRelay relay;
    private static ExecutorService threads;

    @BeforeAll
    static void startRelay() {
        relay = TestRelay.start(30);
        threads = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void stopRelay() {
        threads.shutdownNow();
        relay.close();
    }

    @Test
    void roundTripOf256MiBKeepsEveryByte() throws Exception {
        roundTrip(null);
    }

    @Test
    void encryptedRoundTripOf256MiBKeepsEveryByte() throws Exception {
        roundTrip(PASSPHRASE);
    }

    private void roundTrip(String passphrase) throws Exception {
        long size = 256 * MIB;
        ZebraStream stream = relay.stream(TestRelay.freshPath("bulk")).passphrase(passphrase).build();
        long start = System.nanoTime();
        Future<String> written = threads.submit(() -> {
            try (StreamWriter out = stream.openWriter()) {
                return SeededData.write(out, 42, size);
            }
        });
        SeededData.Digest read;
        try (StreamReader in = stream.openReader()) {
            read = SeededData.read(in);
        }
        String sent = written.get(120, TimeUnit.SECONDS); // close() returned: the relay confirmed
        long end = System.nanoTime();
        double seconds = (end - start) / 1e9;
        double payloadSeconds = (end - read.firstByteNanos()) / 1e9;
        System.out.printf(Locale.ROOT, "round trip 256 MiB %s: %.2f s in all; first byte after %.2f s, "
                        + "then %.2f s for the payload (%.0f MiB/s)%n", passphrase == null ? "plain" : "age-rt",
                seconds, seconds - payloadSeconds, payloadSeconds, size / MIB / payloadSeconds);
        assertThat(read.bytes(), is(size));
        assertThat(read.sha256(), is(sent));
    }

    /**
     * What the relay carries for an encrypted stream, captured by an independent client (the JDK's
     * HttpClient, reading the Data API without a passphrase): age-rt, never the plaintext. Decrypting
     * the captured bytes proves they are the stream and not something else.
     */
    @Test
    void relaySeesOnlyCiphertextOfAnEncryptedStream() throws Exception {
        String path = TestRelay.freshPath("secret");
        ZebraStream stream = relay.stream(path).passphrase(PASSPHRASE).build();
        String record = "patient=4711;diagnosis=confidential-marker;";
        byte[] plaintext = record.repeat(5000).getBytes(StandardCharsets.US_ASCII);
        Future<?> writer = threads.submit(() -> {
            try (StreamWriter out = stream.openWriter()) {
                out.write(plaintext);
            }
            return null;
        });

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String dataUrl = http.send(HttpRequest.newBuilder(URI.create(relay.connectUrl() + path + "?"
                        + Wire.PARAM_MODE + "=" + Wire.Mode.AWAIT_WRITER.word())).build(),
                HttpResponse.BodyHandlers.ofString()).body().strip();
        HttpResponse<byte[]> raw = http.send(HttpRequest.newBuilder(URI.create(dataUrl)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        writer.get(60, TimeUnit.SECONDS);

        byte[] captured = raw.body();
        assertThat(raw.statusCode(), is(Wire.OK));
        String start = new String(captured, 0, 32, StandardCharsets.US_ASCII);
        assertThat(start, is("age-encryption.org/v1\n-> scrypt "));
        String asText = new String(captured, StandardCharsets.ISO_8859_1);
        assertThat(asText.contains("confidential-marker"), is(false));
        assertThat(asText.contains("patient"), is(false));
        try (InputStream decrypted = new AgeRtInputStream(new ByteArrayInputStream(captured), PASSPHRASE)) {
            assertThat(decrypted.readAllBytes(), is(plaintext));
        }
    }

    @Test
    void flushedLineArrivesBeforeTheWriterCloses() throws Exception {
        flushLatency(null);
    }

    @Test
    void flushedLineOfAnEncryptedStreamArrivesBeforeTheWriterCloses() throws Exception {
        flushLatency(PASSPHRASE);
    }

    /**
     * The writer flushes one line and then waits, without closing, until the reader has that
     * line: without a real flush this wait would run out (the writer's buffer holds 64 KiB).
     */
    private void flushLatency(String passphrase) throws Exception {
        ZebraStream stream = relay.stream(TestRelay.freshPath("flush")).passphrase(passphrase)
                .contentType("text/plain; charset=utf-8").build();
        CountDownLatch firstLineRead = new CountDownLatch(1);
        Future<Boolean> writer = threads.submit(() -> {
            try (StreamWriter out = stream.openWriter()) {
                out.write("2024-05-01 ERROR first\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                boolean arrived = firstLineRead.await(20, TimeUnit.SECONDS);
                out.write("2024-05-01 INFO second\n".getBytes(StandardCharsets.UTF_8));
                return arrived;
            }
        });
        try (StreamReader in = stream.openReader();
             BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            assertThat(in.contentType().orElse(""), is("text/plain; charset=utf-8"));
            assertThat(lines.readLine(), is("2024-05-01 ERROR first"));
            firstLineRead.countDown();
            assertThat(lines.readLine(), is("2024-05-01 INFO second"));
            assertThat(lines.readLine(), is((String) null));
        }
        assertThat("the flushed line reached the reader while the writer was open", writer.get(60, TimeUnit.SECONDS), is(true));
    }

    @Test
    void writerAbortMakesTheReaderFailInsteadOfEnding() throws Exception {
        ZebraStream stream = relay.stream(TestRelay.freshPath("abort")).build();
        CountDownLatch received = new CountDownLatch(1);
        Future<?> writer = threads.submit(() -> {
            StreamWriter out = stream.openWriter();
            out.write(new byte[100_000]);
            out.flush();
            received.await(20, TimeUnit.SECONDS);
            out.abort();
            out.close(); // after abort: releases only, never a clean end
            return null;
        });
        try (StreamReader in = stream.openReader()) {
            assertThat(in.readNBytes(100_000).length, is(100_000));
            received.countDown();
            PeerDisconnectedException e = assertThrows(PeerDisconnectedException.class, () -> {
                while (in.read() >= 0) {
                    // the clean end must never come
                }
            });
            assertThat(e.getMessage(), containsString("without its clean end"));
            assertThat(e.exitCode(), is(5));
            assertThrows(PeerDisconnectedException.class, in::read); // sticky, never -1
        }
        writer.get(20, TimeUnit.SECONDS);
    }

    @Test
    void readerLeavingMakesTheWriterFailPromptlyWhileItIsStillWriting() throws Exception {
        ZebraStream stream = relay.stream(TestRelay.freshPath("reader-gone")).build();
        AtomicLong readerLeftAt = new AtomicLong();
        Future<StreamWriter> writer = threads.submit(() -> {
            StreamWriter out = stream.openWriter();
            byte[] block = new byte[64 * 1024];
            for (long written = 0; written < 8L * 1024 * MIB; written += block.length) { // bound: 8 GiB
                out.write(block);
            }
            return out;
        });
        try (StreamReader in = stream.openReader()) {
            assertThat(in.readNBytes((int) MIB).length, is((int) MIB));
            readerLeftAt.set(System.nanoTime());
        }
        ExecutionException failed = assertThrows(ExecutionException.class, () -> writer.get(30, TimeUnit.SECONDS));
        long millis = (System.nanoTime() - readerLeftAt.get()) / 1_000_000;
        System.out.printf(Locale.ROOT, "writer noticed the reader's departure after %d ms%n", millis);
        assertThat(failed.getCause(), instanceOf(PeerDisconnectedException.class));
        assertThat(failed.getCause().getMessage(), containsString("disconnected"));
        assertThat(millis, lessThan(5000L));
    }

    @Test
    void writerFailureIsStickyAndCloseThenOnlyReleases() throws Exception {
        ZebraStream stream = relay.stream(TestRelay.freshPath("sticky")).build();
        Future<StreamWriter> writer = threads.submit(() -> {
            StreamWriter out = stream.openWriter();
            out.write(1);
            out.flush();
            return out;
        });
        try (StreamReader in = stream.openReader()) {
            assertThat(in.read(), is(1));
        }
        StreamWriter out = writer.get(20, TimeUnit.SECONDS);
        byte[] block = new byte[64 * 1024];
        PeerDisconnectedException first = assertThrows(PeerDisconnectedException.class, () -> {
            for (int i = 0; i < 100_000; i++) {
                out.write(block);
                out.flush();
            }
        });
        assertThat(assertThrows(PeerDisconnectedException.class, () -> out.write(1)), is(first));
        out.close(); // already thrown: close only releases
    }

    @Test
    void noPeerWithinTheConnectTimeoutIsAConnectTimeout() {
        ZebraStream stream = relay.stream(TestRelay.freshPath("lonely")).connectTimeout(Duration.ofSeconds(1)).build();
        long start = System.nanoTime();
        ConnectTimeoutException e = assertThrows(ConnectTimeoutException.class, stream::openReader);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(e.getMessage(), containsString(Integer.toString(Wire.WAIT_EXPIRED))); // the relay answered first
        assertThat(e.exitCode(), is(4));
        assertThat(millis, greaterThanOrEqualTo(900L));
        assertThat(millis, lessThan(ConnectApi.BACKSTOP.toMillis() + 1000));
    }

    @Test
    void emptyStreamEndsCleanly() throws Exception {
        ZebraStream stream = relay.stream(TestRelay.freshPath("empty")).build();
        Future<?> writer = threads.submit(() -> {
            stream.openWriter().close();
            return null;
        });
        try (StreamReader in = stream.openReader()) {
            assertThat(in.read(), is(-1));
        }
        writer.get(20, TimeUnit.SECONDS); // close() returned: the relay confirmed the empty stream
    }

    @Test
    void capturedBytesOfAPlainStreamAreThePayload() throws Exception {
        ZebraStream stream = relay.stream(TestRelay.freshPath("plain")).build();
        byte[] payload = "a,b,c\n1,2,3\n".getBytes(StandardCharsets.US_ASCII);
        Future<?> writer = threads.submit(() -> {
            try (StreamWriter out = stream.openWriter()) {
                out.write(payload);
            }
            return null;
        });
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (StreamReader in = stream.openReader()) {
            in.transferTo(got);
        }
        writer.get(20, TimeUnit.SECONDS);
        assertThat(got.toByteArray(), is(payload));
    }
}
