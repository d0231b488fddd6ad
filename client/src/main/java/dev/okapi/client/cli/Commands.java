package dev.okapi.client.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What {@code write} and {@code read} share: starting a command and moving bytes. */
final class Commands {

    static final int BUFFER = 64 * 1024;

    private Commands() {
    }

    /** Starts a producer or consumer command; {@code inheritable} decides between inherited and piped streams. */
    static Process start(List<String> command, boolean stdinPiped, boolean stdoutPiped, Stdio io) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.redirectInput(stdinPiped || !io.inheritable() ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.INHERIT);
        builder.redirectOutput(stdoutPiped || !io.inheritable() ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.INHERIT);
        builder.redirectError(io.inheritable() ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.PIPE);
        return builder.start();
    }

    /** Copies on a daemon thread until the end of {@code in}; for embedded use without real descriptors. */
    static Thread pump(InputStream in, OutputStream out, String name) {
        Thread thread = daemon(() -> {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the command or the destination went away; the command's exit status tells the rest
            }
        }, name);
        thread.start();
        return thread;
    }

    /** An unstarted daemon thread (Java 17 has no {@code Thread.ofPlatform()}). */
    static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    /** Closes the command's standard input: the end of its input, or none at all. */
    static void closeInput(Process process) {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // the command has already gone; its exit status tells the rest
        }
    }

    /** Ends a command that is no longer wanted: politely, then for sure. */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(1, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    static void join(Thread thread) throws InterruptedException {
        if (thread != null) {
            thread.join();
        }
    }
}
