package dev.okapi.relay.core;

import java.util.Locale;

import dev.okapi.protocol.Wire.ControlLine;

/** How a paired transfer ended; the metrics and the transfer log use {@link #label()}. */
public enum Outcome {
    /** Every byte reached the consumer and its response ended cleanly. */
    COMPLETED(null),
    /** The producer had gone before its first byte: the consumer saw nothing and waits for the next one. */
    PRODUCER_VANISHED(null),
    /** The producer's upload broke off without its clean end: the consumer's response is cut. */
    PRODUCER_GONE(null),
    /** The consumer went away before the end: the producer gets an error line. */
    CONSUMER_GONE(ControlLine.RECEIVER_PREMATURE_DISCONNECT),
    /** No byte moved for the idle limit: the producer gets an error line, the consumer a cut. */
    IDLE_TIMEOUT(ControlLine.IDLE_TIMEOUT),
    /** The stream passed the relay's maximum stream size: an error line and a cut. */
    STREAM_TOO_LARGE(ControlLine.STREAM_TOO_LARGE),
    /** The relay shut down before the end: the producer gets an error line, the consumer a cut. */
    RELAY_SHUTDOWN(ControlLine.RELAY_SHUTDOWN);

    private final ControlLine line;

    Outcome(ControlLine line) {
        this.line = line;
    }

    /** The error line the producer is told, or null where it is gone itself or nothing went wrong. */
    ControlLine line() {
        return line;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
