package dev.okapi.relay.core;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.Supplier;

/**
 * The consumer's response as the copy writes it. The response starts at the first write, so a
 * producer that fails before its first byte has shown the consumer nothing, and the consumer can
 * wait for the next producer. Each write is flushed: the stream is a pipe, not a file. Any failure
 * to write is the consumer's going away, as a {@link TransferEnded}.
 */
final class ConsumerOutput extends OutputStream {

    private final Supplier<OutputStream> start;
    private final Runnable commit;
    private OutputStream out;

    /**
     * @param start  starts the consumer's response (status and headers) and returns its body stream
     * @param commit ends the consumer's response cleanly (the terminating chunk)
     */
    ConsumerOutput(Supplier<OutputStream> start, Runnable commit) {
        this.start = start;
        this.commit = commit;
    }

    boolean started() {
        return out != null;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            body().write(b, off, len);
            out.flush();
        } catch (IOException | RuntimeException e) {
            throw new TransferEnded(Outcome.CONSUMER_GONE, e);
        }
    }

    /**
     * Ends the consumer's response cleanly. Helidon's {@code close()} of a response stream sends
     * nothing; the commit is what sends the terminating chunk, and doing it here, on the producer's
     * thread, is what lets the producer hear of success only once the consumer has its end.
     */
    void finish() throws TransferEnded {
        try {
            body().flush();
            commit.run();
        } catch (IOException | RuntimeException e) {
            throw new TransferEnded(Outcome.CONSUMER_GONE, e);
        }
    }

    private OutputStream body() {
        if (out == null) {
            out = start.get();
        }
        return out;
    }
}
