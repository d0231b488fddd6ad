package dev.okapi.conformance;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The relay under test started by the suite (--server-command): a shell command with
 * {@code $PORT} replaced by a free loopback port; the suite waits for the port and, at the end,
 * kills the whole process tree (the shell and what it started).
 */
final class ServerProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;
    private boolean keepLog;

    private ServerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static ServerProcess start(String command, Duration startup) throws IOException, InterruptedException {
        Objects.requireNonNull(command, "command required");
        int port = freePort();
        String cmd = command.replace("${PORT}", Integer.toString(port)).replace("$PORT", Integer.toString(port));
        Path log = Files.createTempFile("okapi-conformance-server-", ".log");
        Process p = new ProcessBuilder(List.of("/bin/sh", "-c", cmd))
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        ServerProcess s = new ServerProcess(p, port, log);
        long end = System.nanoTime() + startup.toNanos();
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                String out = s.logTail();
                s.keepLog();
                s.close();
                throw new IOException("server command exited with " + p.exitValue() + " before listening on port " + port + ":\n" + out);
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return s;
            } catch (IOException e) {
                Thread.sleep(100); // nothing to wait on but the port itself
            }
        }
        String out = s.logTail();
        s.keepLog();
        s.close();
        throw new IOException("server did not listen on port " + port + " within " + startup.toSeconds() + " s:\n" + out);
    }

    int port() {
        return port;
    }

    Path log() {
        return log;
    }

    /** Keeps the relay's log after close, for a run that failed. */
    void keepLog() {
        keepLog = true;
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Kills the process tree: children first, so none is left orphaned, then the shell. */
    @Override
    public void close() {
        List<ProcessHandle> tree = process.descendants().toList();
        tree.forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            for (ProcessHandle h : tree) {
                h.onExit().get(5, TimeUnit.SECONDS);
            }
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // forced below
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        if (!keepLog) {
            try {
                Files.deleteIfExists(log);
            } catch (IOException e) {
                // a temp file
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
