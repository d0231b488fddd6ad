package dev.okapi.relay;

import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

import dev.okapi.relay.core.Outcome;
import dev.okapi.relay.core.RelayMetrics;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.DistributionStatisticsConfig;
import io.helidon.metrics.api.DistributionSummary;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

/**
 * The core's meters in Helidon's global registry, served as Prometheus text on
 * {@code /observe/metrics}: what the core reports through {@link RelayMetrics}, and nothing that
 * reads the core's own state. Labels never carry a path or a token: paths are unbounded in number
 * and may be confidential, so they go to the transfer log only.
 *
 * <p>The registry is one per JVM, and so are the gauges' values: several relays in one JVM (tests)
 * add up, as the counters do.
 */
final class CoreMeters implements RelayMetrics {

    private static final Map<Waiting, AtomicInteger> WAITING = new EnumMap<>(Map.of(
            Waiting.PRODUCER, new AtomicInteger(), Waiting.CONSUMER, new AtomicInteger(), Waiting.CONNECT, new AtomicInteger()));
    private static final AtomicInteger TRANSFERS = new AtomicInteger();

    private final Counter bytes;
    private final Map<Outcome, Counter> ended = new EnumMap<>(Outcome.class);
    private final Map<Waiting, Counter> left = new EnumMap<>(Waiting.class);
    private final Timer pairing;
    private final Timer duration;
    private final DistributionSummary size;
    private final LongConsumer usage;

    /** @param usage told of every relayed byte, for the Management API's usage.show; may do nothing */
    CoreMeters(LongConsumer usage) {
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
        // Histograms with fixed buckets, not summaries: a summary's quantiles decay to 0 between
        // rare events and cannot be added up across nodes; buckets can (histogram_quantile).
        pairing = registry.getOrCreate(Timer.builder("okapi.pairing.wait").description("Time the first side of a pair waited for the second")
                .buckets(seconds(0.01, 0.1, 1, 10, 60, 300, 900, 3600)));
        duration = registry.getOrCreate(Timer.builder("okapi.transfer.duration")
                .description("Paired transfers' time from pairing to their end (a producer gone before its first byte not counted)")
                .buckets(seconds(0.1, 1, 10, 60, 600, 3600, 6 * 3600, 24 * 3600)));
        size = registry.getOrCreate(DistributionSummary.builder("okapi.transfer.size").baseUnit("bytes")
                .description("Paired transfers' payload bytes read from the producer (a producer gone before its first byte not counted)")
                .distributionStatisticsConfig(DistributionStatisticsConfig.builder()
                        .buckets(1024, 65_536, 1_048_576, 16_777_216, 268_435_456, 1_073_741_824, 17_179_869_184d, 274_877_906_944d)));
        gauge(registry, "okapi.waiting", "Producers waiting on the Data API", WAITING.get(Waiting.PRODUCER), "producer");
        gauge(registry, "okapi.waiting", "Consumers waiting on the Data API", WAITING.get(Waiting.CONSUMER), "consumer");
        gauge(registry, "okapi.connect.waiting", "Requests waiting on the Connect API", WAITING.get(Waiting.CONNECT), null);
        gauge(registry, "okapi.transfers.active", "Transfers running now", TRANSFERS, null);
    }

    @Override
    public void waiting(Waiting kind, int delta) {
        WAITING.get(kind).addAndGet(delta);
    }

    @Override
    public void left(Waiting kind) {
        left.get(kind).increment();
    }

    @Override
    public void transfers(int delta) {
        TRANSFERS.addAndGet(delta);
    }

    @Override
    public void relayed(int n) {
        bytes.increment(n);
        usage.accept(n);
    }

    @Override
    public void ended(Outcome outcome, long bytes, long nanos) {
        ended.get(outcome).increment();
        if (outcome != Outcome.PRODUCER_VANISHED) {
            size.record(bytes);
            duration.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void paired(long waitedNanos) {
        pairing.record(waitedNanos, TimeUnit.NANOSECONDS);
    }

    private static Duration[] seconds(double... values) {
        return Arrays.stream(values).mapToObj(v -> Duration.ofNanos((long) (v * 1e9))).toArray(Duration[]::new);
    }

    private static void gauge(MeterRegistry registry, String name, String description, AtomicInteger value, String side) {
        Gauge.Builder<Integer> b = Gauge.builder(name, value::get).description(description);
        if (side != null) {
            b.tags(List.of(Tag.create("side", side)));
        }
        registry.getOrCreate(b);
    }
}
