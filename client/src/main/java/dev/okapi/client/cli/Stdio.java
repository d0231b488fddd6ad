package dev.okapi.client.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Objects;

/**
 * The CLI's standard streams, injectable so that tests run the real commands in process.
 *
 * @param in             standard input (the writer's data)
 * @param out            standard output (the reader's data)
 * @param err            messages and the progress line
 * @param inheritable    whether these are the process's own descriptors, which a producer or
 *                       consumer command can then inherit directly instead of through a pump
 * @param errIsTerminal  whether standard error is a terminal (progress line shown by default)
 */
public record Stdio(InputStream in, OutputStream out, PrintStream err, boolean inheritable, boolean errIsTerminal) {

    public Stdio {
        Objects.requireNonNull(in, "in required");
        Objects.requireNonNull(out, "out required");
        Objects.requireNonNull(err, "err required");
    }

    /**
     * The process's own streams. Raw file descriptors rather than {@code System.in/out}: no second
     * buffer in the way of a flushed line, and {@code System.out} (a PrintStream) would swallow the
     * broken-pipe error that tells a reader its downstream ({@code | head}) has gone.
     */
    public static Stdio system() {
        return new Stdio(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out), System.err,
                true, Terminal.stderrIsTerminal());
    }

    /** Streams of a test or an embedding program: commands get pumps, no progress line by default. */
    public static Stdio of(InputStream in, OutputStream out, PrintStream err) {
        return new Stdio(in, out, err, false, false);
    }
}
