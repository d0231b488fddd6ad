package dev.okapi.relay;

/** The two ends of a stream. */
enum Side {
    /** Writes the stream with {@code PUT /data{path}}. */
    PRODUCER,
    /** Reads the stream with {@code GET /data{path}}. */
    CONSUMER;

    Side opposite() {
        return this == PRODUCER ? CONSUMER : PRODUCER;
    }

    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
