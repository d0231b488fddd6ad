package dev.okapi.relay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.okapi.relay.core.Side;

/**
 * Plain curl on both sides, as the ZebraStream examples use it: what the conformance suite, with
 * its own raw client, cannot show (curl's {@code --expect100-timeout} upload, its exit code on a
 * cut, its output of the error line while it uploads). Skipped where curl is absent.
 */
@ExtendWith(SharedRelay.class)
class CurlTest {

    private final TestRelay relay;
    /** Every process a test starts, ended after it whatever its outcome. */
    private final List<Process> started = new ArrayList<>();

    @TempDir
    Path dir;

    CurlTest(TestRelay relay) {
        this.relay = relay;
    }

    @BeforeAll
    static void curlIsInstalled() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl not installed");
    }

    @AfterEach
    void endProcesses() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private Process start(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p);
        return p;
    }

    private Process curl(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/curl", "-sS", "--http1.1", "--max-time", "60"));
        cmd.addAll(List.of(args));
        return start(cmd);
    }

    private static String text(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void curlProducerAndConsumerWithExpectContinue() throws Exception {
        String path = TestRelay.freshPath();
        Path upload = dir.resolve("in.bin");
        byte[] data = new byte[5 * 1024 * 1024];
        new Random(7).nextBytes(data);
        Files.write(upload, data);
        Process consumer = curl("-o", dir.resolve("out.bin").toString(), relay.uri("/data" + path).toString());
        relay.awaitWaiting(Side.CONSUMER, 1);
        Process producer = curl("-T", upload.toString(), "--expect100-timeout", "180", "-H", "Content-Type: application/x-test",
                relay.uri("/data" + path).toString());
        assertThat(text(producer.getInputStream()), is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
        assertThat(producer.waitFor(), is(0));
        assertThat(consumer.waitFor(), is(0));
        assertThat(Arrays.equals(Files.readAllBytes(dir.resolve("out.bin")), data), is(true));
    }

    @Test
    void curlConsumerExits18WhenTheProducerAborts() throws Exception {
        String path = TestRelay.freshPath();
        Process consumer = curl("-o", "/dev/null", relay.uri("/data" + path).toString());
        relay.awaitWaiting(Side.CONSUMER, 1);
        try (RawHttp producer = new RawHttp(relay.port())) {
            producer.head("PUT", "/data" + path, "Transfer-Encoding: chunked");
            producer.response();
            producer.chunk(new byte[100_000], 100_000);
        }
        assertThat(consumer.waitFor(30, TimeUnit.SECONDS), is(true));
        assertThat(consumer.exitValue(), is(18)); // "transfer closed with outstanding read data remaining"
    }

    @Test
    void curlProducerSeesTheErrorLineWhenTheConsumerLeaves() throws Exception {
        String path = TestRelay.freshPath();
        Process producer = start(List.of("/bin/sh", "-c",
                "head -c 200000000 /dev/zero | /usr/bin/curl -sS --http1.1 --max-time 60 -T - --expect100-timeout 180 "
                        + relay.uri("/data" + path)));
        relay.awaitWaiting(Side.PRODUCER, 1);
        try (RawHttp consumer = new RawHttp(relay.port())) {
            consumer.head("GET", "/data" + path);
            assertThat(consumer.response().status(), is(200));
            consumer.in.readNBytes(1_000_000);
            consumer.socket.setSoLinger(true, 0);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        producer.getInputStream().transferTo(out);
        assertThat(producer.waitFor(30, TimeUnit.SECONDS), is(true));
        assertThat(out.toString(StandardCharsets.UTF_8), containsString("[ERROR:RECEIVER_PREMATURE_DISCONNECT]"));
    }
}
