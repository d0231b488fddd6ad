package dev.okapi.relay.access;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.okapi.relay.access.PostgresPool.SqlWork;

/**
 * This node's copy of the PostgreSQL token store, and the one place that keeps it within
 * {@code auth.max-staleness-seconds} of the database: the generation row that every token change
 * moves ({@link #change}), the poll that reloads the copy when it moved ({@link #refresh}), and
 * the {@code okapi_nodes} rows through which a revocation waits for the other nodes
 * ({@link #revoke}). How and why: {@link PostgresTokenStore}.
 */
final class PostgresTokenCache implements AutoCloseable {

    /** The store's logger: these are the store's lines, under the name operators already filter on. */
    private static final Logger LOG = Logger.getLogger(PostgresTokenStore.class.getName());
    /** Hashes remembered as unknown, at most: a bound on memory under guessing. */
    private static final int MAX_MISSES = 100_000;
    /** This process among the nodes: host and PID are for the operator reading okapi_nodes. */
    private static final String NODE = ProcessHandle.current().pid() + "@" + hostName() + "/" + UUID.randomUUID();

    private final PostgresSettings settings;
    private final PostgresPool pool;
    private final SqlWork<List<Token>> loadAll;
    private final ScheduledExecutorService refresher;
    private volatile Cache cache = Cache.NONE;
    private volatile boolean migrated;
    /** Why the database cannot be used now; empty when the last refresh worked; null before the first. */
    private volatile String problem;

    /** The tokens of one generation, and when this node last confirmed it is current. */
    private record Cache(Map<String, Token> byHash, Set<String> misses, long generation, long confirmedNanos) {
        static final Cache NONE = new Cache(Map.of(), Set.of(), -1, Long.MIN_VALUE);

        Cache confirmed(long nanos) {
            return new Cache(byHash, misses, generation, nanos);
        }
    }

    /** What a token change returned, and the generation it moved to. */
    private record Changed<T>(T result, long generation) {
    }

    /**
     * Loads the copy once now (an unreachable database is logged in one line) and then every
     * {@code max-staleness / 5}, at least every 200 ms.
     *
     * @param loadAll reads every token of the table, within a refresh
     */
    PostgresTokenCache(PostgresSettings settings, PostgresPool pool, SqlWork<List<Token>> loadAll) {
        this.settings = Objects.requireNonNull(settings, "settings required");
        this.pool = Objects.requireNonNull(pool, "pool required");
        this.loadAll = Objects.requireNonNull(loadAll, "loadAll required");
        refresh();
        long every = Math.max(200, settings.maxStaleness().toMillis() / 5);
        this.refresher = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("okapi-token-refresh").factory());
        refresher.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
    }

    /** Why new requests are refused now, or empty when the copy is usable. */
    Optional<String> problem() {
        String p = problem;
        if (p == null) {
            return Optional.of("PostgreSQL at " + settings.where() + " not reached yet");
        }
        if (!p.isEmpty()) {
            return Optional.of(p);
        }
        return stale() ? Optional.of("token copy older than " + settings.maxStaleness().toSeconds() + " s") : Optional.empty();
    }

    /**
     * The token of a hash from the copy; one the copy does not know is asked of the database once,
     * and a miss is remembered until the next change.
     *
     * @throws TokenStoreException the copy is older than the staleness bound
     */
    Optional<Token> find(String hex, Supplier<Optional<Token>> query) {
        Cache c = current();
        Token t = c.byHash.get(hex);
        if (t != null || c.misses.contains(hex)) {
            return Optional.ofNullable(t);
        }
        Optional<Token> found = query.get();
        // Into the cache read BEFORE the query: if a reload came meanwhile, this goes to the old one.
        if (found.isPresent()) {
            c.byHash.put(hex, found.get());
        } else {
            if (c.misses.size() >= MAX_MISSES) {
                c.misses.clear();
            }
            c.misses.add(hex);
        }
        return found;
    }

    /** Whether the copy holds no token; before the first load, false: not seen is not empty. */
    boolean isEmpty() {
        Cache c = cache;
        return c != Cache.NONE && c.byHash.isEmpty();
    }

    /** A token change: one transaction that also moves the generation, then this node's copy. */
    <T> T change(SqlWork<T> work) {
        return commit(work).result();
    }

    /**
     * A change that takes a token away, which returns once every live node refuses it: each node
     * records the generation it has loaded ({@code okapi_nodes}); this waits until no node seen
     * within the staleness bound holds an older one, at most that bound.
     *
     * @param work true when it removed a token; false needs no wait
     */
    boolean revoke(SqlWork<Boolean> work) {
        Changed<Boolean> changed = commit(work);
        if (changed.result()) {
            awaitNodes(changed.generation());
        }
        return changed.result();
    }

    /** The work and the generation's move in one transaction, then the copy: this node sees its own change at once. */
    private <T> Changed<T> commit(SqlWork<T> work) {
        Changed<T> changed = pool.transaction(c -> {
            T r = work.run(c);
            return new Changed<>(r, nextGeneration(c));
        });
        refresh();
        return changed;
    }

    private void awaitNodes(long generation) {
        long deadline = System.nanoTime() + settings.maxStaleness().toNanos();
        while (System.nanoTime() < deadline) {
            long behind = pool.transaction(c -> PostgresPool.number(c, "select count(*) from okapi_nodes where generation < ?"
                    + " and seen > now() - make_interval(secs => ?)", generation, (double) settings.maxStaleness().toSeconds()));
            if (behind == 0) {
                return;
            }
            try {
                Thread.sleep(50); // the other nodes poll; there is no signal to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Moves the generation within a token change's transaction; the row lock orders concurrent changes. */
    private static long nextGeneration(Connection c) throws SQLException {
        PostgresPool.update(c, "delete from okapi_nodes where seen < now() - interval '1 day'"); // nodes long gone
        return PostgresPool.number(c, "update okapi_generation set value = value + 1 where id = 1 returning value");
    }

    /** Stops polling and leaves the nodes that revocations wait for (the operator's command line closes at once). */
    @Override
    public void close() {
        refresher.shutdownNow();
        try {
            pool.transaction(c -> PostgresPool.update(c, "delete from okapi_nodes where node = ?", NODE));
        } catch (TokenStoreException e) {
            LOG.log(Level.FINE, "could not remove this node's row", e);
        }
    }

    /** The copy, if confirmed within the staleness bound; else the store is unavailable. */
    private Cache current() {
        if (stale()) {
            throw new TokenStoreException(PostgresTokenStore.UNAVAILABLE, null);
        }
        return cache;
    }

    private boolean stale() {
        return System.nanoTime() - cache.confirmedNanos > settings.maxStaleness().toNanos() || cache == Cache.NONE;
    }

    /**
     * Migrates once, then reads the generation and reloads the tokens if it moved. Runs on the
     * refresher's thread, and after this node's own changes so that they take effect here at once.
     */
    private synchronized void refresh() {
        long started = System.nanoTime();
        try (Connection c = pool.connection()) {
            if (!migrated) {
                PostgresSchema.migrate(c);
                migrated = true;
            }
            long generation = PostgresPool.number(c, "select value from okapi_generation where id = 1");
            Cache old = cache;
            if (generation == old.generation) {
                cache = old.confirmed(started);
            } else {
                Map<String, Token> byHash = new ConcurrentHashMap<>();
                for (Token t : loadAll.run(c)) {
                    byHash.put(t.hash(), t);
                }
                cache = new Cache(byHash, ConcurrentHashMap.newKeySet(), generation, started);
            }
            // What this node serves from now on, for revocations to wait on (see revoke).
            PostgresPool.update(c, "insert into okapi_nodes (node, generation, seen) values (?, ?, now()) on conflict (node)"
                    + " do update set generation = excluded.generation, seen = excluded.seen", NODE, generation);
            if (!"".equals(problem)) {
                LOG.info("token store: PostgreSQL at " + settings.where() + (problem == null ? "" : " reachable again")
                        + ", " + cache.byHash.size() + " tokens; a revoked token is refused by every node within "
                        + settings.maxStaleness().toSeconds() + " s");
            }
            problem = "";
        } catch (SQLException | RuntimeException e) {
            String why = PostgresPool.reason(e);
            if (problem == null || problem.isEmpty()) {
                LOG.severe("token store: PostgreSQL at " + settings.where() + " unreachable (" + why + "); new requests get 503"
                        + " once the tokens are " + settings.maxStaleness().toSeconds() + " s old; retrying");
            }
            LOG.log(Level.FINE, "token store refresh failed", e);
            problem = "PostgreSQL at " + settings.where() + ": " + why;
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }
}
