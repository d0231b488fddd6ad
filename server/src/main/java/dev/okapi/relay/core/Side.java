package dev.okapi.relay.core;

/** The two ends of a stream. */
public enum Side {
    /** Writes the stream with {@code PUT /data{path}}. */
    PRODUCER,
    /** Reads the stream with {@code GET /data{path}}. */
    CONSUMER;

    Side opposite() {
        return this == PRODUCER ? CONSUMER : PRODUCER;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
