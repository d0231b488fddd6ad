package dev.okapi.relay.core;

import java.util.Locale;

/** The two ends of a stream. */
public enum Side {
    /** Writes the stream with {@code PUT /data{path}}. */
    PRODUCER,
    /** Reads the stream with {@code GET /data{path}}. */
    CONSUMER;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    Side other() {
        return this == PRODUCER ? CONSUMER : PRODUCER;
    }
}
