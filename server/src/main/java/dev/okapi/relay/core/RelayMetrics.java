package dev.okapi.relay.core;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

/**
 * The core's meters in Helidon's global registry, served as Prometheus text on
 * {@code /observe/metrics}: counters and gauges that the core moves, and nothing that reads the
 * core's own state. Labels never carry a path or a token: paths are unbounded in number and may be
 * confidential, so they go to the transfer log only.
 *
 * <p>The registry is one per JVM, and so are the gauges' values: several relays in one JVM (tests)
 * add up, as the counters do.
 */
public final class RelayMetrics {

    /** What waits, as the gauges name it. */
    enum Waiting {
        PRODUCER, CONSUMER, CONNECT;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Map<Waiting, AtomicInteger> WAITING = new EnumMap<>(Map.of(
            Waiting.PRODUCER, new AtomicInteger(), Waiting.CONSUMER, new AtomicInteger(), Waiting.CONNECT, new AtomicInteger()));
    private static final AtomicInteger TRANSFERS = new AtomicInteger();

    private final Counter bytes;
    private final Map<Outcome, Counter> ended = new EnumMap<>(Outcome.class);
    private final Map<Waiting, Counter> left = new EnumMap<>(Waiting.class);
    private final Timer pairing;
    private final LongConsumer usage;

    /** @param usage told of every relayed byte, for the Management API's usage.show; may do nothing */
    public RelayMetrics(LongConsumer usage) {
        this.usage = Objects.requireNonNull(usage, "usage required");
        MeterRegistry registry = Metrics.globalRegistry();
        bytes = registry.getOrCreate(Counter.builder("okapi.bytes.relayed").description("Payload bytes written to consumers"));
        for (Outcome o : Outcome.values()) {
            ended.put(o, registry.getOrCreate(Counter.builder("okapi.transfers").description("Paired transfers by how they ended")
                    .tags(List.of(Tag.create("outcome", o.label())))));
        }
        for (Waiting w : Waiting.values()) {
            left.put(w, registry.getOrCreate(Counter.builder("okapi.left.waiting")
                    .description("Clients that went away while waiting for a peer").tags(List.of(Tag.create("side", w.label())))));
        }
        pairing = registry.getOrCreate(Timer.builder("okapi.pairing.wait").description("Time the first side of a pair waited for the second"));
        gauge(registry, "okapi.waiting", "Producers waiting on the Data API", WAITING.get(Waiting.PRODUCER), "producer");
        gauge(registry, "okapi.waiting", "Consumers waiting on the Data API", WAITING.get(Waiting.CONSUMER), "consumer");
        gauge(registry, "okapi.connect.waiting", "Requests waiting on the Connect API", WAITING.get(Waiting.CONNECT), null);
        gauge(registry, "okapi.transfers.active", "Transfers running now", TRANSFERS, null);
    }

    void waiting(Waiting kind, int delta) {
        WAITING.get(kind).addAndGet(delta);
    }

    void left(Waiting kind) {
        left.get(kind).increment();
    }

    void transfers(int delta) {
        TRANSFERS.addAndGet(delta);
    }

    void relayed(int n) {
        bytes.increment(n);
        usage.accept(n);
    }

    void ended(Outcome outcome) {
        ended.get(outcome).increment();
    }

    void paired(long waitedNanos) {
        pairing.record(waitedNanos, TimeUnit.NANOSECONDS);
    }

    private static void gauge(MeterRegistry registry, String name, String description, AtomicInteger value, String side) {
        Gauge.Builder<Integer> b = Gauge.builder(name, value::get).description(description);
        if (side != null) {
            b.tags(List.of(Tag.create("side", side)));
        }
        registry.getOrCreate(b);
    }
}
