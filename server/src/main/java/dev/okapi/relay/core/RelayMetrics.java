package dev.okapi.relay.core;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

/**
 * The relay's meters in Helidon's global registry, served as Prometheus text on
 * {@code /observe/metrics}. Labels never carry a path or a token: paths are unbounded in number
 * and may be confidential, so they go to the transfer log only.
 */
public final class RelayMetrics {

    /** Every live rendezvous of this JVM: one in production, several when tests run relays side by side. */
    private static final Set<Rendezvous> LIVE = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    private final Counter bytes;
    private final Map<Outcome, Counter> transfers = new EnumMap<>(Outcome.class);
    private final Timer pairing;
    /** Usage accounting for the Management API's usage.show (issue 3); a no-op without it. */
    private final java.util.function.LongConsumer usage;

    public RelayMetrics() {
        this(n -> { });
    }

    public RelayMetrics(java.util.function.LongConsumer usage) {
        this.usage = java.util.Objects.requireNonNull(usage, "usage required");
        MeterRegistry registry = Metrics.globalRegistry();
        bytes = registry.getOrCreate(Counter.builder("okapi.bytes.relayed")
                .description("Payload bytes written to consumers"));
        for (Outcome o : Outcome.values()) {
            transfers.put(o, registry.getOrCreate(Counter.builder("okapi.transfers")
                    .description("Paired transfers by how they ended")
                    .tags(java.util.List.of(Tag.create("outcome", o.label())))));
        }
        pairing = registry.getOrCreate(Timer.builder("okapi.pairing.wait")
                .description("Time the first side of a pair waited for the second"));
        gauge(registry, "okapi.waiting", "side", "producer", "Producers waiting on the Data API",
                r -> r.waiting(Side.PRODUCER));
        gauge(registry, "okapi.waiting", "side", "consumer", "Consumers waiting on the Data API",
                r -> r.waiting(Side.CONSUMER));
        gauge(registry, "okapi.connect.waiting", null, null, "Requests waiting on the Connect API",
                Rendezvous::connectWaiting);
        gauge(registry, "okapi.transfers.active", null, null, "Transfers running now", Rendezvous::transfers);
    }

    /** Adds a rendezvous to what the gauges sum up. */
    void gauges(Rendezvous rendezvous) {
        LIVE.add(rendezvous);
    }

    /** Removes the rendezvous of a stopped server from the gauges. */
    void forget(Rendezvous rendezvous) {
        LIVE.remove(rendezvous);
    }

    void relayed(int n) {
        bytes.increment(n);
        usage.accept(n);
    }

    void ended(Outcome outcome) {
        transfers.get(outcome).increment();
    }

    void paired(long waitedNanos) {
        pairing.record(waitedNanos, TimeUnit.NANOSECONDS);
    }

    private static void gauge(MeterRegistry registry, String name, String tag, String value, String description,
                              ToIntFunction<Rendezvous> read) {
        Gauge.Builder<Integer> b = Gauge.<Integer>builder(name, () -> {
            synchronized (LIVE) {
                return LIVE.stream().mapToInt(read).sum();
            }
        }).description(description);
        if (tag != null) {
            b.tags(java.util.List.of(Tag.create(tag, value)));
        }
        registry.getOrCreate(b);
    }
}
