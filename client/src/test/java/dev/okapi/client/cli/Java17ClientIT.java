package dev.okapi.client.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.okapi.client.TestRelay;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The built {@code zebrastream.jar} (with its {@code libs/}) on a real Java 17, against the real
 * relay in this (21+) JVM: what a team on Java 17 gets. Runs after {@code package} (failsafe), so
 * it tests the jar itself and not the class directories. Skipped only where no JDK 17 is installed.
 */
class Java17ClientIT {

    private static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
    private static final Path JAR = Path.of("target", "zebrastream.jar");

    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void needsJava17AndTheJar() {
        assumeTrue(Files.isExecutable(JAVA_17), "no JDK 17 at " + JAVA_17);
        assertThat(JAR + " is built before integration tests", Files.isRegularFile(JAR), is(true));
    }

    @AfterEach
    void stopProcesses() {
        started.forEach(Process::destroyForcibly);
    }

    private Process client(Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(JAVA_17.toString(), "-Xmx512m", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        Process process = builder.start();
        started.add(process);
        return process;
    }

    private static String stderr(Process process) throws IOException {
        return new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void helpRunsOnJava17() throws Exception {
        Process help = client(Map.of(), "--help");
        String out = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = stderr(help);
        assertThat(help.waitFor(120, TimeUnit.SECONDS), is(true));
        assertThat(err, help.exitValue(), is(0));
        assertThat(out, containsString("UNIX pipes over a ZebraStream relay."));
        assertThat(out, containsString("write"));
    }

    /** One MiB, end-to-end encrypted (BouncyCastle scrypt, the JDK's ChaCha20-Poly1305 on 17), write → read. */
    @Test
    void encryptedRoundTripOnJava17() throws Exception {
        byte[] data = new byte[1024 * 1024 + 3];
        new SplittableRandom(17).nextBytes(data);
        try (TestRelay relay = TestRelay.start(120)) {
            Map<String, String> env = Map.of("ZEBRASTREAM_CONNECT_URL", relay.connectUrl(),
                    "ZEBRASTREAM_PASSPHRASE", "java seventeen");
            String path = TestRelay.freshPath("java17");
            Process writer = client(env, "write", "-s", path);
            Process reader = client(env, "read", "-s", path);
            CompletableFuture<Void> feed = CompletableFuture.runAsync(() -> {
                try (OutputStream in = writer.getOutputStream()) {
                    in.write(data);
                } catch (IOException e) {
                    throw new IllegalStateException("the writer stopped taking input", e);
                }
            });
            CompletableFuture<String> writerErr = CompletableFuture.supplyAsync(() -> {
                try {
                    return stderr(writer);
                } catch (IOException e) {
                    return e.toString();
                }
            });
            byte[] received = reader.getInputStream().readAllBytes();
            String readerErr = stderr(reader);
            assertThat(reader.waitFor(120, TimeUnit.SECONDS), is(true));
            assertThat(writer.waitFor(120, TimeUnit.SECONDS), is(true));
            feed.get(10, TimeUnit.SECONDS);
            assertThat(writerErr.get(10, TimeUnit.SECONDS), writer.exitValue(), is(0));
            assertThat(readerErr, reader.exitValue(), is(0));
            assertThat(received.length, is(data.length));
            assertThat(received, is(data));
        }
    }
}
