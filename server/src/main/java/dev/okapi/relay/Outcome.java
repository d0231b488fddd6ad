package dev.okapi.relay;

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
    CONSUMER_GONE;

    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
