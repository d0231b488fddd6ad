package dev.okapi.relay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The relay as a child process, its own JVM on this test's class path (the jar is packaged only
 * after the tests), for what only a process shows: signals, {@code ulimit -n}, a small heap. Its
 * output is kept as its log; its port is read from its "listening" line.
 */
final class RelayProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("Okapi relay listening on http://127\\.0\\.0\\.1:([0-9]+) ");

    final Process process;
    private final Thread logReader;
    private final StringBuffer log = new StringBuffer();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();

    /**
     * Starts {@code java OPTIONS dev.okapi.relay.Main} on 127.0.0.1, a free port, in open mode.
     *
     * @param shell   run by {@code bash} before the JVM, which it then becomes by {@code exec}
     *                (e.g. {@code ulimit -n 256}); empty: the JVM is started directly
     * @param options JVM options and {@code -D} settings, after the defaults here
     */
    RelayProcess(String shell, List<String> options) throws IOException {
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "-Dserver.port=0", "-Dserver.host=127.0.0.1", "-Dauth.mode=open"));
        java.addAll(options);
        java.add(Main.class.getName());
        List<String> command = new ArrayList<>();
        if (!shell.isEmpty()) {
            // the command line's words come in as arguments, never parsed by the shell
            command.addAll(List.of("bash", "-c", shell + "; exec \"$@\"", "relay"));
        }
        command.addAll(java);
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        logReader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    log.append(line).append('\n');
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            port.completeExceptionally(new AssertionError("relay ended before listening:\n" + log));
        });
    }

    /** The relay's port, once it listens (within 60 s). */
    int port() throws Exception {
        return port.get(60, TimeUnit.SECONDS);
    }

    /** Everything the relay printed so far. */
    String log() {
        return log.toString();
    }

    /** Waits (up to {@code millis}) for the rest of the output of a process that ended. */
    void awaitLogEnd(long millis) throws InterruptedException {
        logReader.join(millis);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
