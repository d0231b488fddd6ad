package dev.okapi.relay.access;

import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Bytes relayed per month (UTC) for {@code usage.show}, counted as they reach consumers (so a
 * transfer across midnight at a month's end is split between the months) and written to the
 * store once a second, not once per buffer: a crash loses at most that second.
 */
public final class UsageMeter implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(UsageMeter.class.getName());

    private final TokenStore store;
    private final Clock clock;
    private final Map<YearMonth, LongAdder> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher;
    private final Duration flushEvery;

    public UsageMeter(TokenStore store, Clock clock, Duration flushEvery) {
        this.store = Objects.requireNonNull(store, "store required");
        this.clock = Objects.requireNonNull(clock, "clock required");
        this.flushEvery = Objects.requireNonNull(flushEvery, "flushEvery required");
        this.flusher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("okapi-usage").factory());
        flusher.scheduleWithFixedDelay(this::flushQuietly, flushEvery.toMillis(), flushEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Counts bytes written to a consumer; called per buffer, so it takes no lock. */
    public void add(long bytes) {
        pending.computeIfAbsent(YearMonth.now(clock.withZone(ZoneOffset.UTC)), m -> new LongAdder()).add(bytes);
    }

    /**
     * Stored plus pending bytes of a month; consistent with a concurrent flush. With a store shared
     * by several nodes, the other nodes' pending bytes are not visible here: this waits one flush
     * period (plus a margin) first, so that every byte relayed before the question is counted.
     */
    public long total(YearMonth month) {
        if (store instanceof PostgresTokenStore) {
            try {
                Thread.sleep(flushEvery.toMillis() + 250); // the other nodes' flush; no signal crosses nodes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            LongAdder p = pending.get(month);
            return store.usage(month) + (p == null ? 0 : p.sum());
        }
    }

    /** Moves the pending counts to the store. */
    public synchronized void flush() {
        for (Map.Entry<YearMonth, LongAdder> e : pending.entrySet()) {
            long n = e.getValue().sumThenReset();
            if (n == 0) {
                continue;
            }
            try {
                store.addUsage(e.getKey(), n);
            } catch (RuntimeException ex) {
                e.getValue().add(n); // kept for the next try
                throw ex;
            }
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "usage not saved yet: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        flusher.shutdownNow();
        flushQuietly();
    }
}
