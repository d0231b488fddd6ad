package dev.okapi.relay.access;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.YearMonth;
import java.util.ArrayList;
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
import java.util.logging.Level;
import java.util.logging.Logger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.okapi.protocol.Wire.Access;

/**
 * Tokens, revocations and usage in PostgreSQL, shared by every node of a cluster
 * ({@code auth.store=postgresql}). Tables: {@link PostgresSchema}.
 *
 * <p><b>No database round trip per request.</b> Each node keeps every token in memory, indexed by
 * hash. Every token change increments one row, {@code okapi_generation}, in the same transaction;
 * each node reads that row every {@code max-staleness / 5} (1 s by default) and reloads the tokens
 * when it moved. So a token revoked through any node, or the operator's command line, is refused
 * by every node within about one poll, and never later than {@code auth.max-staleness-seconds}:
 * a node whose copy is older than that (the database unreachable) refuses new requests with
 * {@code 503} instead of trusting it. Polling rather than LISTEN/NOTIFY: a notification lost with
 * a broken connection would leave a node silently stale; a poll that fails is noticed.
 *
 * <p>A token unknown to the cache (created a moment ago through another node) costs one indexed
 * query; a hash the database does not know is remembered until the next change, so guessing costs
 * the database nothing twice. A token's secret is random and new, so no one can have presented it
 * before it existed: remembering a miss cannot refuse a token created later.
 *
 * <p>Expiry needs no propagation: {@link TokenAuthenticator} compares with the clock on each use.
 *
 * <p>Longer than 300 lines because the cache, its refresh and the SQL of each store method belong
 * together: split, each half would need the other's invariants (generation, misses, staleness).
 */
public final class PostgresTokenStore implements TokenStore {

    private static final Logger LOG = Logger.getLogger(PostgresTokenStore.class.getName());
    /**
     * HikariCP's own warnings about each dropped connection would repeat what the one line of
     * {@link #refresh} says when the database goes away; its errors still show. Held here, so
     * that the level is not lost with a collected logger.
     */
    private static final Logger POOL_LOG = Logger.getLogger("com.zaxxer.hikari");

    static {
        POOL_LOG.setLevel(Level.SEVERE);
    }
    /** Hashes remembered as unknown, at most: a bound on memory under guessing. */
    private static final int MAX_MISSES = 100_000;
    private static final String COLUMNS = "id, hash, path, access, recursive, expires, created, idem_key, idem_secret";
    /** The client's reason on {@code 503}: the detail (where, why) is in the relay's log only. */
    static final String UNAVAILABLE = "token store unavailable: retry later";
    /** This process among the nodes: host and PID are for the operator reading okapi_nodes. */
    private static final String NODE = ProcessHandle.current().pid() + "@" + hostName() + "/" + UUID.randomUUID();

    private final PostgresSettings settings;
    private final HikariDataSource pool;
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

    /**
     * Opens the pool and tries the database once; an unreachable database is logged in one line
     * and retried in the background, and requests get {@code 503} until it answers.
     */
    public PostgresTokenStore(PostgresSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings required");
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(settings.jdbcUrl());
        settings.user().ifPresent(hc::setUsername);
        settings.password().ifPresent(hc::setPassword);
        hc.setPoolName("okapi-tokens");
        hc.setMaximumPoolSize(4);
        hc.setMinimumIdle(1);
        // Fail fast: a request waits at most this for a connection, then gets 503.
        hc.setConnectionTimeout(2000);
        hc.setValidationTimeout(1000);
        hc.setInitializationFailTimeout(-1); // start without the database; the refresher retries
        hc.addDataSourceProperty("connectTimeout", "2");
        hc.addDataSourceProperty("socketTimeout", "10");
        hc.addDataSourceProperty("ApplicationName", "okapi-relay");
        this.pool = new HikariDataSource(hc);
        refresh();
        long every = Math.max(200, settings.maxStaleness().toMillis() / 5);
        this.refresher = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("okapi-token-refresh").factory());
        refresher.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
    }

    /** Why new requests are refused now, or empty when the store is usable: for the health check. */
    public Optional<String> problem() {
        String p = problem;
        if (p == null) {
            return Optional.of("PostgreSQL at " + settings.where() + " not reached yet");
        }
        if (!p.isEmpty()) {
            return Optional.of(p);
        }
        return stale() ? Optional.of("token copy older than " + settings.maxStaleness().toSeconds() + " s") : Optional.empty();
    }

    @Override
    public Optional<Token> findByHash(byte[] sha256) {
        Cache c = current();
        String hex = Secrets.hex(sha256);
        Token t = c.byHash.get(hex);
        if (t != null || c.misses.contains(hex)) {
            return Optional.ofNullable(t);
        }
        Optional<Token> found = query("select " + COLUMNS + " from okapi_tokens where hash = ?", hex).stream().findFirst();
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

    @Override
    public List<Token> live(long epochSecond) {
        return query("select " + COLUMNS + " from okapi_tokens where expires > ? order by created, id", epochSecond);
    }

    /**
     * From this node's copy, without a query, so that a start with the database down goes on;
     * before the first load, false: a store not seen yet is never taken for an empty one.
     */
    @Override
    public boolean isEmpty() {
        Cache c = cache;
        return c != Cache.NONE && c.byHash.isEmpty();
    }

    @Override
    public Token addOrGet(Token token) {
        return change(c -> {
            long now = System.currentTimeMillis() / 1000;
            update(c, "delete from okapi_tokens where expires <= ?", now);
            update(c, "update okapi_tokens set idem_secret = null where idem_secret is not null and created < ?",
                    now - TokenService.IDEM_WINDOW.toSeconds());
            int added = update(c, "insert into okapi_tokens (" + COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                            + " on conflict (idem_key) do nothing", token.id(), token.hash(), token.path(),
                    token.access().word(), token.recursive(), token.expires(), token.created(),
                    token.idemKey().orElse(null), token.idemSecret().orElse(null));
            if (added == 1) {
                return token;
            }
            return rows(c, "select " + COLUMNS + " from okapi_tokens where idem_key = ?", token.idemKey().orElseThrow())
                    .getFirst();
        });
    }

    @Override
    public boolean replace(Token token) {
        return change(c -> update(c, "update okapi_tokens set hash = ?, path = ?, access = ?, recursive = ?, expires = ?,"
                        + " created = ?, idem_key = ?, idem_secret = ? where id = ?", token.hash(), token.path(),
                token.access().word(), token.recursive(), token.expires(), token.created(), token.idemKey().orElse(null),
                token.idemSecret().orElse(null), token.id()) == 1);
    }

    /**
     * Revokes a token and returns once every live node refuses it: each node records the
     * generation it has loaded ({@code okapi_nodes}); this waits until no node seen within the
     * staleness bound holds an older one, at most that bound. A node not seen for that long
     * refuses every request with 503 anyway. So a client told "deleted" finds the token refused
     * everywhere, as on one node ([MGMT-5]), usually after one poll (about 1 s).
     */
    @Override
    public boolean remove(String tokenId) {
        long[] generation = new long[1];
        boolean removed = transaction(c -> {
            boolean gone = update(c, "delete from okapi_tokens where id = ?", tokenId) == 1;
            generation[0] = nextGeneration(c);
            return gone;
        });
        refresh();
        if (removed) {
            awaitNodes(generation[0]);
        }
        return removed;
    }

    private void awaitNodes(long generation) {
        long deadline = System.nanoTime() + settings.maxStaleness().toNanos();
        while (System.nanoTime() < deadline) {
            long behind = transaction(c -> {
                try (PreparedStatement ps = prepare(c, "select count(*) from okapi_nodes where generation < ?"
                        + " and seen > now() - make_interval(secs => ?)", generation, (double) settings.maxStaleness().toSeconds());
                     ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
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
        update(c, "delete from okapi_nodes where seen < now() - interval '1 day'"); // nodes long gone
        try (PreparedStatement ps = c.prepareStatement("update okapi_generation set value = value + 1 where id = 1 returning value");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long currentGeneration(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select value from okapi_generation where id = 1");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void addUsage(YearMonth month, long bytes) {
        if (bytes <= 0) {
            return;
        }
        // One statement, atomic on the database: nodes flushing at once add up, never overwrite.
        transaction(c -> update(c, "insert into okapi_usage (month, bytes) values (?, ?)"
                + " on conflict (month) do update set bytes = okapi_usage.bytes + excluded.bytes", month.toString(), bytes));
    }

    @Override
    public long usage(YearMonth month) {
        return transaction(c -> {
            try (PreparedStatement ps = prepare(c, "select bytes from okapi_usage where month = ?", month.toString());
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        try {
            // No longer a node that revocations wait for (the operator's command line closes at once).
            transaction(c -> update(c, "delete from okapi_nodes where node = ?", NODE));
        } catch (TokenStoreException e) {
            LOG.log(Level.FINE, "could not remove this node's row", e);
        }
        pool.close();
    }

    /** The cache, if confirmed within the staleness bound; else the store is unavailable. */
    private Cache current() {
        if (stale()) {
            throw new TokenStoreException(UNAVAILABLE, null);
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
        try (Connection c = pool.getConnection()) {
            if (!migrated) {
                PostgresSchema.migrate(c);
                migrated = true;
            }
            long generation = currentGeneration(c);
            Cache old = cache;
            if (generation == old.generation) {
                cache = old.confirmed(started);
            } else {
                Map<String, Token> byHash = new ConcurrentHashMap<>();
                for (Token t : rows(c, "select " + COLUMNS + " from okapi_tokens")) {
                    byHash.put(t.hash(), t);
                }
                cache = new Cache(byHash, ConcurrentHashMap.newKeySet(), generation, started);
            }
            // What this node serves from now on, for revocations to wait on (see remove).
            update(c, "insert into okapi_nodes (node, generation, seen) values (?, ?, now()) on conflict (node)"
                    + " do update set generation = excluded.generation, seen = excluded.seen", NODE, generation);
            if (!"".equals(problem)) {
                LOG.info("token store: PostgreSQL at " + settings.where() + (problem == null ? "" : " reachable again")
                        + ", " + cache.byHash.size() + " tokens; a revoked token is refused by every node within "
                        + settings.maxStaleness().toSeconds() + " s");
            }
            problem = "";
        } catch (SQLException | RuntimeException e) {
            String why = reason(e);
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

    /** The innermost message, in one line: PostgreSQL's own words rather than the pool's wrapper. */
    private static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.lines().findFirst().orElse(m).strip();
    }

    private interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /** A token change: one transaction that also moves the generation, then this node's cache. */
    private <T> T change(SqlWork<T> work) {
        T result = transaction(c -> {
            T r = work.run(c);
            nextGeneration(c);
            return r;
        });
        refresh();
        return result;
    }

    private <T> T transaction(SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T r = work.run(c);
                c.commit();
                return r;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new TokenStoreException("token store: PostgreSQL at " + settings.where() + ": " + reason(e), e);
        }
    }

    private List<Token> query(String sql, Object... args) {
        return transaction(c -> rows(c, sql, args));
    }

    private static List<Token> rows(Connection c, String sql, Object... args) throws SQLException {
        List<Token> list = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Access access = Access.of(rs.getString(4)).orElseThrow(() -> new IllegalStateException("bad access"));
                list.add(new Token(rs.getString(1), rs.getString(2), rs.getString(3), access, rs.getBoolean(5),
                        rs.getLong(6), rs.getLong(7), Optional.ofNullable(rs.getString(8)), Optional.ofNullable(rs.getString(9))));
            }
        }
        return list;
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args)) {
            return ps.executeUpdate();
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
        return ps;
    }
}
