package dev.okapi.relay.core;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.function.UnaryOperator;

import io.helidon.http.ServerRequestHeaders;

/**
 * The consumer's response as the copy writes it. The response starts at the first write, so a
 * producer that fails before its first byte has shown the consumer nothing, and the consumer can
 * wait for the next producer. A consumer whose client is found gone by then is replaced, so that
 * none of the producer's bytes go to a gone client. Each write is flushed: the stream is a pipe,
 * not a file. Any failure to write is the consumer's going away, as a {@link TransferEnded}.
 */
final class ConsumerOutput extends OutputStream {

    private final ServerRequestHeaders producer;
    private final UnaryOperator<ConsumerEnd> replace;
    private ConsumerEnd consumer; // replaced only before its response starts
    private OutputStream out;

    /** @param replace ends a consumer that left before its first byte, and waits for the next one */
    ConsumerOutput(ConsumerEnd consumer, ServerRequestHeaders producer, UnaryOperator<ConsumerEnd> replace) {
        this.consumer = consumer;
        this.producer = producer;
        this.replace = replace;
    }

    boolean started() {
        return out != null;
    }

    /** The consumer that the stream went to, in the end. */
    ConsumerEnd consumer() {
        return consumer;
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
     * Ends the consumer's response cleanly: the commit sends the terminating chunk (a {@code close()}
     * sends nothing), here on the producer's thread, so the producer hears of success only after it.
     */
    void finish() throws TransferEnded {
        try {
            body().flush();
            consumer.commit();
        } catch (IOException | RuntimeException e) {
            throw new TransferEnded(Outcome.CONSUMER_GONE, e);
        }
    }

    private OutputStream body() {
        if (out == null) {
            while (consumer.waiter().gone(Duration.ZERO)) {
                consumer = replace.apply(consumer); // may throw: no next consumer came
            }
            out = consumer.start(producer);
        }
        return out;
    }
}
