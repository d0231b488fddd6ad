package dev.okapi.client.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

import dev.okapi.client.StreamReader;
import dev.okapi.client.ZebraStream;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code zebrastream read}: the stream to standard output (or into a consumer command's input).
 *
 * <p>Exits 0 only after the writer's clean end (or when the downstream stops reading, as
 * {@code | head} does, like any well-behaved pipe stage). A stream that breaks off exits 5; with
 * a consumer command, that command is stopped rather than given an end of input, which it could
 * mistake for complete data.
 */
@Command(name = "read", mixinStandardHelpOptions = true,
        description = {"Receive a stream on stdout, or into the input of COMMAND.",
                "Example: zebrastream read -s /team/logs | grep ERROR"})
final class ReadCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StreamOptions options;

    private final Stdio io;
    private final Map<String, String> env;

    ReadCommand(Stdio io, Map<String, String> env) {
        this.io = Objects.requireNonNull(io, "io required");
        this.env = Objects.requireNonNull(env, "env required");
    }

    @Override
    public Integer call() {
        ZebraStream stream = options.stream(spec, env).build();
        try (StreamReader in = stream.openReader();
             Progress progress = Progress.start(io.err(), "zebrastream read " + stream.path(), options.showProgress(io))) {
            if (options.command.isEmpty()) {
                try {
                    copy(in, io.out(), progress);
                } catch (DownstreamGoneException e) {
                    // stdout closed (| head): stop like any pipe stage whose reader left
                }
                return Exit.OK;
            }
            return runConsumer(in, progress);
        } catch (ConsumerStartException e) {
            io.err().println("zebrastream read: cannot run consumer command: " + e.getMessage());
            return Exit.CONSUMER_FAILED;
        } catch (IOException e) {
            io.err().println("zebrastream read: " + e.getMessage());
            return Exit.of(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            io.err().println("zebrastream read: interrupted");
            return Exit.GENERIC;
        }
    }

    /** Runs the consumer with the stream as its stdin; returns the CLI's exit code. */
    private int runConsumer(StreamReader in, Progress progress) throws IOException, InterruptedException {
        Process process;
        try {
            process = Commands.start(options.command, true, false, io);
        } catch (IOException e) {
            throw new ConsumerStartException(e.getMessage());
        }
        Thread output = null;
        Thread errors = null;
        if (!io.inheritable()) {
            output = Commands.pump(process.getInputStream(), io.out(), "consumer-stdout");
            errors = Commands.pump(process.getErrorStream(), io.err(), "consumer-stderr");
        }
        try {
            copy(in, process.getOutputStream(), progress);
        } catch (DownstreamGoneException e) {
            // the consumer stopped reading; its exit status says whether that was a failure
        } catch (IOException e) {
            Commands.stop(process); // a broken stream must not look like a complete input
            throw e;
        }
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already gone
        }
        int status = process.waitFor();
        Commands.join(output);
        Commands.join(errors);
        if (status != 0) {
            io.err().println("zebrastream read: consumer command exited with status " + status);
            return Exit.CONSUMER_FAILED;
        }
        return Exit.OK;
    }

    /** Copies to the end of the stream, flushing each piece at once (a reader is often a live view). */
    private static void copy(StreamReader in, OutputStream out, Progress progress) throws IOException {
        byte[] buf = new byte[Commands.BUFFER];
        int n;
        while ((n = in.read(buf)) >= 0) {
            try {
                out.write(buf, 0, n);
                out.flush();
            } catch (IOException e) {
                throw new DownstreamGoneException(e);
            }
            progress.add(n);
        }
    }

    /** Standard output or the consumer's input closed: not a failure of the stream. */
    private static final class DownstreamGoneException extends IOException {
        private static final long serialVersionUID = 1L;

        DownstreamGoneException(IOException cause) {
            super("downstream closed", cause);
        }
    }

    /** The consumer command could not be started at all. */
    private static final class ConsumerStartException extends IOException {
        private static final long serialVersionUID = 1L;

        ConsumerStartException(String message) {
            super(message);
        }
    }
}
