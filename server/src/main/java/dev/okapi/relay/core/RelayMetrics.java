package dev.okapi.relay.core;

import java.util.Locale;

/**
 * What the core counts, as it happens. The core owns this interface and the wiring turns the calls
 * into meters, so that the core holds no registry and no meter reads its state back.
 */
public interface RelayMetrics {

    /** What waits, as the gauges name it. */
    enum Waiting {
        PRODUCER, CONSUMER, CONNECT;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** {@code delta} more (or fewer) clients of {@code kind} wait for a peer. */
    void waiting(Waiting kind, int delta);

    /** A waiting client of {@code kind} went away before its peer came. */
    void left(Waiting kind);

    /** {@code delta} more (or fewer) transfers run. */
    void transfers(int delta);

    /** {@code bytes} more were copied to consumers. */
    void relayed(int bytes);

    /** A pair formed, after its first side waited {@code waitedNanos}. */
    void paired(long waitedNanos);

    /** A paired transfer ended: its outcome, and for a real transfer its size and duration. */
    void ended(Outcome outcome, long bytes, long nanos);
}
