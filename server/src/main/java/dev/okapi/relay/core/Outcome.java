package dev.okapi.relay.core;

/** How a paired transfer ended; the metrics and the transfer log use {@link #label()}. */
enum Outcome {
    /** Every byte reached the consumer and its response ended cleanly. */
    COMPLETED,
    /**
     * The waiting producer had gone before sending a byte: the consumer saw nothing and waits for
     * the next producer, as if this one had never come.
     */
    PRODUCER_VANISHED,
    /**
     * The waiting consumer had gone before the producer came (found by {@link PeerProbe}): the
     * producer pairs again, as if that consumer had never come.
     */
    CONSUMER_VANISHED,
    /** The producer's upload broke off without its clean end: the consumer's response is cut. */
    PRODUCER_GONE,
    /** The consumer went away before the end: the producer gets an error line. */
    CONSUMER_GONE,
    /** No byte moved for the idle limit: the producer gets an error line, the consumer a cut. */
    IDLE_TIMEOUT,
    /** The stream passed the relay's maximum stream size: an error line and a cut. */
    STREAM_TOO_LARGE,
    /** The relay shut down before the end: the producer gets an error line, the consumer a cut. */
    RELAY_SHUTDOWN;

    /** The outcome of a transfer the relay ended with {@code line}. */
    static Outcome of(dev.okapi.protocol.Wire.ControlLine line) {
        return switch (line) {
            case IDLE_TIMEOUT -> IDLE_TIMEOUT;
            case STREAM_TOO_LARGE -> STREAM_TOO_LARGE;
            case RELAY_SHUTDOWN -> RELAY_SHUTDOWN;
            default -> throw new IllegalArgumentException("not a relay abort: " + line.text());
        };
    }

    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
