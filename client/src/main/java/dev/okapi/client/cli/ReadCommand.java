package dev.okapi.client.cli;

import java.io.IOException;
import java.io.InputStream;
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
        // The consumer starts before the wait, so that a command that cannot run fails at once
        // instead of after pairing (which would leave its writer stranded).
        Process consumer = null;
        Thread output = null;
        Thread errors = null;
        if (!options.command.isEmpty()) {
            try {
                consumer = Commands.start(options.command, true, false, io);
            } catch (IOException e) {
                io.err().println("zebrastream read: cannot run consumer command: " + e.getMessage());
                return Exit.CONSUMER_FAILED;
            }
            if (!io.inheritable()) {
                output = Commands.pump(consumer.getInputStream(), io.out(), "consumer-stdout");
                errors = Commands.pump(consumer.getErrorStream(), io.err(), "consumer-stderr");
            }
        }
        boolean delivered = false;
        try {
            options.announceWait(io, "read", "writer");
            try (StreamReader reader = stream.openReader();
                 Progress progress = Progress.start(io.err(), "zebrastream read " + stream.path(), options.showProgress(io))) {
                InputStream in = stream.encrypted() ? reader : PlaintextCheck.requirePlain(reader, stream.path());
                copy(in, consumer == null ? io.out() : consumer.getOutputStream(), progress);
            } catch (DownstreamGoneException e) {
                // stdout or the consumer's input closed (| head): stop like any pipe stage whose
                // reader left; a consumer's exit status says whether that was a failure
            }
            delivered = true;
            return consumer == null ? Exit.OK : finish(consumer, output, errors);
        } catch (IOException e) {
            io.err().println("zebrastream read: " + e.getMessage());
            return Exit.of(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            io.err().println("zebrastream read: interrupted");
            return Exit.GENERIC;
        } finally {
            if (!delivered && consumer != null) {
                Commands.stop(consumer); // a broken stream must not look like a complete input
            }
        }
    }

    /** Ends the consumer's input and waits for it; returns the CLI's exit code. */
    private int finish(Process consumer, Thread output, Thread errors) throws InterruptedException {
        Commands.closeInput(consumer);
        int status = consumer.waitFor();
        Commands.join(output);
        Commands.join(errors);
        if (status != 0) {
            io.err().println("zebrastream read: consumer command exited with status " + status);
            return Exit.CONSUMER_FAILED;
        }
        return Exit.OK;
    }

    /** Copies to the end of the stream, flushing each piece at once (a reader is often a live view). */
    private static void copy(InputStream in, OutputStream out, Progress progress) throws IOException {
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
}
