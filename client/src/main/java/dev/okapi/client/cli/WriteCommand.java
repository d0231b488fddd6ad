package dev.okapi.client.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

import dev.okapi.client.StreamWriter;
import dev.okapi.client.ZebraStream;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code zebrastream write}: standard input (or a producer command's output) into the stream.
 *
 * <p>The stream ends cleanly only when the input ends and, with a command, the command exits 0.
 * Anything else (a failing producer, a failing stream, an interrupt) drops the upload without its
 * clean end, so the reader sees an error and never takes a partial stream for the whole.
 */
@Command(name = "write", mixinStandardHelpOptions = true,
        description = {"Send stdin, or the output of COMMAND, to a stream.",
                "Example: tail -f app.log | zebrastream write -s /team/logs"})
final class WriteCommand implements Callable<Integer> {

    static final String ENV_CONTENT_TYPE = "ZEBRASTREAM_CONTENT_TYPE";

    @Spec
    CommandSpec spec;

    @Mixin
    StreamOptions options;

    @Option(names = "--content-type", paramLabel = "TYPE",
            description = "Content-Type passed to the reader, e.g. text/csv (default: $" + ENV_CONTENT_TYPE + ").")
    String contentType;

    private final Stdio io;
    private final Map<String, String> env;

    WriteCommand(Stdio io, Map<String, String> env) {
        this.io = Objects.requireNonNull(io, "io required");
        this.env = Objects.requireNonNull(env, "env required");
    }

    @Override
    public Integer call() {
        ZebraStream.Builder builder = options.stream(spec, env);
        try {
            builder.contentType(StreamOptions.orEnv(contentType, env, ENV_CONTENT_TYPE, null));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        ZebraStream stream = builder.build();
        // The producer starts before the wait, so that a command that cannot run fails at once
        // instead of after pairing (which would leave its reader waiting for nothing); its output
        // waits in the pipe meanwhile.
        Process producer = null;
        Thread errors = null;
        if (!options.command.isEmpty()) {
            try {
                producer = Commands.start(options.command, false, true, io);
            } catch (IOException e) {
                io.err().println("zebrastream write: cannot run producer command: " + e.getMessage());
                return Exit.PRODUCER_FAILED;
            }
            if (!io.inheritable()) {
                errors = Commands.pump(producer.getErrorStream(), io.err(), "producer-stderr");
                Commands.closeInput(producer); // an embedded producer gets no stdin
            }
        }
        StreamWriter out = null;
        boolean clean = false;
        try {
            options.announceWait(io, "write", "reader");
            out = stream.openWriter();
            try (Progress progress = Progress.start(io.err(), "zebrastream write " + stream.path(), options.showProgress(io))) {
                if (producer == null) {
                    copy(io.in(), out, progress);
                } else {
                    int status = feed(producer, errors, out, progress);
                    if (status != 0) {
                        io.err().println("zebrastream write: producer command exited with status " + status
                                + "; the stream was aborted");
                        return Exit.PRODUCER_FAILED;
                    }
                }
            }
            out.close(); // returns only once the relay confirms that the reader has everything
            clean = true;
            return Exit.OK;
        } catch (IOException e) {
            io.err().println("zebrastream write: " + e.getMessage());
            return Exit.of(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            io.err().println("zebrastream write: interrupted; the stream was aborted");
            return Exit.GENERIC;
        } finally {
            if (!clean) {
                if (out != null) {
                    out.abort();
                }
                if (producer != null) {
                    Commands.stop(producer); // nobody will read what it makes (no-op once it has exited)
                }
            }
        }
    }

    /** Copies the running producer's stdout into the stream; returns its exit status. */
    private static int feed(Process producer, Thread errors, StreamWriter out, Progress progress)
            throws IOException, InterruptedException {
        copy(producer.getInputStream(), out, progress);
        int status = producer.waitFor();
        Commands.join(errors);
        return status;
    }

    /**
     * Copies until the end of {@code in}, flushing whenever the input has nothing more ready: bulk
     * input goes out in 64 KiB chunks, a log line as soon as it is written.
     */
    private static void copy(InputStream in, StreamWriter out, Progress progress) throws IOException {
        byte[] buf = new byte[Commands.BUFFER];
        int n;
        while ((n = in.read(buf)) >= 0) {
            if (n > 0) {
                out.write(buf, 0, n);
                progress.add(n);
            }
            if (in.available() == 0) {
                out.flush();
            }
        }
    }
}
