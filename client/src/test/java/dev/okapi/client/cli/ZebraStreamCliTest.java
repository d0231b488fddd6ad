package dev.okapi.client.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.okapi.client.ScriptedServer;
import dev.okapi.client.TestRelay;
import dev.okapi.protocol.Wire;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@code zebrastream} command run in process, with its standard streams redirected, against the real relay. */
class ZebraStreamCliTest {

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

    /** One run of the CLI: exit code and what it printed. */
    record Run(int exit, byte[] out, String err) {
        String outText() {
            return new String(out, StandardCharsets.UTF_8);
        }
    }

    private static Run cli(InputStream stdin, OutputStream stdout, Map<String, String> env, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = ZebraStreamCli.run(Stdio.of(stdin, stdout != null ? stdout : out, new PrintStream(err, true)), env, args);
        return new Run(exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    private static Run cli(byte[] stdin, Map<String, String> env, String... args) {
        return cli(new ByteArrayInputStream(stdin), null, env, args);
    }

    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("ZEBRASTREAM_CONNECT_URL", relay.connectUrl());
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SplittableRandom(7).nextBytes(b);
        return b;
    }

    @Test
    void stdinToStreamToStdout() throws Exception {
        String path = TestRelay.freshPath("cli");
        byte[] data = randomBytes(3 * 1024 * 1024 + 17);
        Future<Run> writer = threads.submit(() -> cli(data, env(), "write", "-s", path, "-a", "tok-w"));
        Run reader = cli(new byte[0], env("ZEBRASTREAM_ACCESS_TOKEN", "tok-r"), "read", "-s", path);
        Run written = writer.get(60, TimeUnit.SECONDS);
        assertThat(written.err(), written.exit(), is(0));
        assertThat(reader.err(), reader.exit(), is(0));
        assertThat(reader.out(), is(data));
    }

    @Test
    void passphraseFromTheEnvironmentEncryptsEndToEnd() throws Exception {
        String path = TestRelay.freshPath("cli-secret");
        byte[] data = "name,diagnosis\nalice,confidential\n".getBytes(StandardCharsets.UTF_8);
        Map<String, String> env = env("ZEBRASTREAM_PASSPHRASE", "s3cret passphrase");
        Future<Run> writer = threads.submit(() -> cli(data, env, "write", "-s", path, "--content-type", "text/csv"));
        Run reader = cli(new byte[0], env, "read", "-s", path);
        assertThat(writer.get(60, TimeUnit.SECONDS).exit(), is(0));
        assertThat(reader.err(), reader.exit(), is(0));
        assertThat(reader.out(), is(data));
    }

    @Test
    void producerCommandFeedsTheStream() throws Exception {
        String path = TestRelay.freshPath("cli-producer");
        Future<Run> writer = threads.submit(() -> cli(new byte[0], env(), "write", "-s", path, "--", "printf", "hello"));
        Run reader = cli(new byte[0], env(), "read", "-s", path);
        assertThat(writer.get(60, TimeUnit.SECONDS).exit(), is(0));
        assertThat(reader.exit(), is(0));
        assertThat(reader.outText(), is("hello"));
    }

    @Test
    void failingProducerAbortsTheStreamAndExits6() throws Exception {
        String path = TestRelay.freshPath("cli-producer-fails");
        Future<Run> writer = threads.submit(() -> cli(new byte[0], env(), "write", "-s", path, "--",
                "sh", "-c", "printf partial; exit 3"));
        Run reader = cli(new byte[0], env(), "read", "-s", path);
        Run written = writer.get(60, TimeUnit.SECONDS);
        assertThat(written.exit(), is(6));
        assertThat(written.err(), containsString("status 3"));
        assertThat(reader.exit(), is(5)); // never a clean end for partial data
        assertThat(reader.outText(), is("partial"));
    }

    @Test
    void consumerCommandReadsTheStream() throws Exception {
        String path = TestRelay.freshPath("cli-consumer");
        Future<Run> writer = threads.submit(() -> cli("hello world".getBytes(StandardCharsets.US_ASCII), env(),
                "write", "-s", path));
        Run reader = cli(new byte[0], env(), "read", "-s", path, "--", "tr", "a-z", "A-Z");
        assertThat(writer.get(60, TimeUnit.SECONDS).exit(), is(0));
        assertThat(reader.err(), reader.exit(), is(0));
        assertThat(reader.outText(), is("HELLO WORLD"));
    }

    /** The consumer quits at once while 64 MiB are still coming: the reader exits 7, the writer 5. */
    @Test
    void failingConsumerExits7AndTheWriterSeesThePeerGone() throws Exception {
        String path = TestRelay.freshPath("cli-consumer-fails");
        Future<Run> writer = threads.submit(() -> cli(randomBytes(64 * 1024 * 1024), env(), "write", "-s", path));
        Run reader = cli(new byte[0], env(), "read", "-s", path, "--", "sh", "-c", "exit 4");
        Run written = writer.get(60, TimeUnit.SECONDS);
        assertThat(reader.exit(), is(7));
        assertThat(written.exit(), is(5));
        assertThat(written.err(), containsString("disconnected"));
    }

    /** Like {@code zebrastream read | head -c 10}: the reader stops quietly, the writer learns it. */
    @Test
    void closedStdoutEndsTheReaderQuietly() throws Exception {
        String path = TestRelay.freshPath("cli-head");
        Future<Run> writer = threads.submit(() -> cli(randomBytes(64 * 1024 * 1024), env(), "write", "-s", path));
        OutputStream head = new OutputStream() {
            private int left = 10;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    throw new IOException("Broken pipe");
                }
                left -= len;
            }
        };
        Run reader = cli(InputStream.nullInputStream(), head, env(), "read", "-s", path);
        assertThat(reader.exit(), is(0));
        assertThat(writer.get(60, TimeUnit.SECONDS).exit(), is(5));
    }

    @Test
    void noPeerWithinConnectTimeoutExits4() {
        Run reader = cli(new byte[0], env(), "read", "-s", TestRelay.freshPath("cli-lonely"), "-t", "1");
        assertThat(reader.exit(), is(4));
        assertThat(reader.err(), containsString(Integer.toString(Wire.WAIT_EXPIRED)));
    }

    @Test
    void refusedTokenExits3() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                ex -> ex.send("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"))) {
            Run writer = cli("x".getBytes(StandardCharsets.US_ASCII), Map.of(), "write", "-s", "/x", "-a", "bad-token",
                    "-U", server.base() + Wire.CONNECT_PREFIX);
            assertThat(writer.exit(), is(3));
            assertThat(writer.err(), containsString("401"));
        }
    }

    @Test
    void usageErrorsExit2() {
        assertThat(cli(new byte[0], env()).exit(), is(2));
        assertThat(cli(new byte[0], env(), "read").exit(), is(2)); // no -s
        assertThat(cli(new byte[0], env(), "read", "-s", "/Upper/Case").exit(), is(2));
        assertThat(cli(new byte[0], env(), "read", "-s", "/x", "-t", "0").exit(), is(2));
        assertThat(cli(new byte[0], env(), "write", "-s", "/x", "-U", "ftp://relay/connect/v0").exit(), is(2));
        assertThat(cli(new byte[0], env(), "send", "-s", "/x").exit(), is(2));
    }

    /** One line that says what was wrong and where the help is, never the whole help. */
    @Test
    void usageErrorsAreOneLine() {
        Run noPath = cli(new byte[0], env(), "read");
        assertThat(noPath.err(), noPath.err().strip().split("\n").length, is(1));
        assertThat(noPath.err(), containsString("zebrastream read: Missing required option: '--stream-path=PATH' (see 'zebrastream read --help')"));
        Run noCommand = cli(new byte[0], env());
        assertThat(noCommand.err(), noCommand.err().strip().split("\n").length, is(1));
        assertThat(noCommand.err(), containsString("(see 'zebrastream --help')"));
    }

    @Test
    void saysWhatItWaitsForWhenAskedToShowProgress() {
        String path = TestRelay.freshPath("cli-waiting");
        Run writer = cli(new byte[0], env(), "write", "-s", path, "-t", "1", "--progress");
        assertThat(writer.exit(), is(4));
        assertThat(writer.err(), containsString("zebrastream write: waiting for a reader on " + path + "..."));
        Run reader = cli(new byte[0], env(), "read", "-s", path, "-t", "1", "--progress");
        assertThat(reader.err(), containsString("zebrastream read: waiting for a writer on " + path + "..."));
        Run quiet = cli(new byte[0], env(), "read", "-s", path, "-t", "1"); // not a terminal: no such line
        assertThat(quiet.err(), not(containsString("waiting for")));
    }

    /** The producer runs before the wait: a missing command fails at once and never pairs with a reader. */
    @Test
    void producerThatCannotRunFailsBeforePairing() {
        String path = TestRelay.freshPath("cli-no-producer");
        long start = System.nanoTime();
        Run writer = cli(new byte[0], env(), "write", "-s", path, "-t", "30", "--", "no-such-command-okapi");
        assertThat(writer.exit(), is(6));
        assertThat(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 20, is(true)); // not after the 30 s wait
        assertThat(writer.err(), writer.err().strip().split("\n").length, is(1));
        assertThat(writer.err(), containsString("cannot run producer command"));
        Run reader = cli(new byte[0], env(), "read", "-s", path, "-t", "1"); // nobody is waiting there
        assertThat(reader.exit(), is(4));
    }

    @Test
    void consumerThatCannotRunFailsBeforePairing() {
        Run reader = cli(new byte[0], env(), "read", "-s", TestRelay.freshPath("cli-no-consumer"), "-t", "30", "--",
                "no-such-command-okapi");
        assertThat(reader.exit(), is(7));
        assertThat(reader.err(), containsString("cannot run consumer command"));
    }

    /** Without -p an encrypted stream is an error, never ciphertext on stdout with exit 0. */
    @Test
    void encryptedStreamReadWithoutPassphraseIsRefused() throws Exception {
        String path = TestRelay.freshPath("cli-no-passphrase");
        Future<Run> writer = threads.submit(() -> cli("secret".getBytes(StandardCharsets.US_ASCII),
                env("ZEBRASTREAM_PASSPHRASE", "s3cret"), "write", "-s", path));
        Run reader = cli(new byte[0], env(), "read", "-s", path);
        assertThat(reader.exit(), is(1));
        assertThat(reader.err(), containsString("end-to-end encrypted (age-rt): give its passphrase with -p"));
        assertThat(reader.out().length, is(0));
        writer.get(60, TimeUnit.SECONDS); // 0 or 5: the few bytes may all have left before the reader did
    }

    /** A plain stream that merely starts like the header line is delivered whole. */
    @Test
    void plainStreamStartingLikeTheHeaderIsDelivered() throws Exception {
        String path = TestRelay.freshPath("cli-age-prefix");
        Future<Run> writer = threads.submit(() -> cli("age-encryption.org/v2 is not a header".getBytes(StandardCharsets.US_ASCII),
                env(), "write", "-s", path));
        Run reader = cli(new byte[0], env(), "read", "-s", path);
        assertThat(writer.get(60, TimeUnit.SECONDS).exit(), is(0));
        assertThat(reader.err(), reader.exit(), is(0));
        assertThat(reader.outText(), is("age-encryption.org/v2 is not a header"));
    }

    /** {@code -U http://host:port/} (the API prefix left out) reaches the relay, whose 404 comes with the fix. */
    @Test
    void notFoundHintsAtTheConnectPrefix() {
        String base = relay.connectUrl().substring(0, relay.connectUrl().length() - Wire.CONNECT_PREFIX.length());
        Run reader = cli(new byte[0], env(), "read", "-s", TestRelay.freshPath("cli-404"), "-t", "1", "-U", base + "/");
        assertThat(reader.err(), reader.exit(), is(1));
        assertThat(reader.err(), containsString("404"));
        assertThat(reader.err(), containsString("usually ends in /connect/v0, e.g. " + base + "/connect/v0"));
    }

    @Test
    void helpAndVersionExit0() {
        Run help = cli(new byte[0], env(), "write", "--help");
        assertThat(help.exit(), is(0));
        assertThat(help.outText(), containsString("ZEBRASTREAM_ACCESS_TOKEN"));
        assertThat(cli(new byte[0], env(), "--version").exit(), is(0));
    }

    @Test
    void progressLineShowsBytesRateAndTime() {
        assertThat(Progress.size(512), is("512 B"));
        assertThat(Progress.size(3 * 1024 * 1024 + 512 * 1024), is("3.5 MiB"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (Progress p = Progress.start(new PrintStream(err, true), "zebrastream write /x", true)) {
            p.add(2048);
        }
        assertThat(err.toString(StandardCharsets.UTF_8), containsString("zebrastream write /x: 2.0 KiB, "));
        assertThat(err.toString(StandardCharsets.UTF_8).endsWith("\n"), is(true));
    }
}
