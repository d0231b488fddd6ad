package dev.okapi.relay.access;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

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
 * <p>This class holds the SQL of tokens and usage; this node's copy, the generation and the waits for other
 * nodes are {@link PostgresTokenCache}'s, the connections {@link PostgresPool}'s.
 */
public final class PostgresTokenStore implements TokenStore {

    private static final String COLUMNS = "id, hash, path, access, recursive, expires, created, idem_key, idem_secret";
    /** The client's reason on {@code 503}: the detail (where, why) is in the relay's log only. */
    static final String UNAVAILABLE = "token store unavailable: retry later";

    private final PostgresPool pool;
    private final PostgresTokenCache cache;

    /**
     * Opens the pool and tries the database once; an unreachable database is logged in one line
     * and retried in the background, and requests get {@code 503} until it answers.
     */
    public PostgresTokenStore(PostgresSettings settings) {
        Objects.requireNonNull(settings, "settings required");
        this.pool = new PostgresPool(settings);
        this.cache = new PostgresTokenCache(settings, pool, c -> rows(c, "select " + COLUMNS + " from okapi_tokens"));
    }

    /** Why new requests are refused now, or empty when the store is usable: for the health check. */
    public Optional<String> problem() {
        return cache.problem();
    }

    @Override
    public Optional<Token> findByHash(byte[] sha256) {
        String hex = Secrets.hex(sha256);
        return cache.find(hex, () -> query("select " + COLUMNS + " from okapi_tokens where hash = ?", hex).stream().findFirst());
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
        return cache.isEmpty();
    }

    @Override
    public Token addOrGet(Token token) {
        return cache.change(c -> {
            long now = System.currentTimeMillis() / 1000;
            PostgresPool.update(c, "delete from okapi_tokens where expires <= ?", now);
            PostgresPool.update(c, "update okapi_tokens set idem_secret = null where idem_secret is not null and created < ?",
                    now - TokenService.IDEM_WINDOW.toSeconds());
            int added = PostgresPool.update(c, "insert into okapi_tokens (" + COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
        return cache.change(c -> PostgresPool.update(c, "update okapi_tokens set hash = ?, path = ?, access = ?, recursive = ?,"
                        + " expires = ?, created = ?, idem_key = ?, idem_secret = ? where id = ?", token.hash(), token.path(),
                token.access().word(), token.recursive(), token.expires(), token.created(), token.idemKey().orElse(null),
                token.idemSecret().orElse(null), token.id()) == 1);
    }

    /**
     * Revokes a token and returns once every live node refuses it, at most the staleness bound
     * later ({@link PostgresTokenCache#revoke}). A node not seen for that long refuses every
     * request with 503 anyway. So a client told "deleted" finds the token refused everywhere, as
     * on one node ([MGMT-5]), usually after one poll (about 1 s).
     */
    @Override
    public boolean remove(String tokenId) {
        return cache.revoke(c -> PostgresPool.update(c, "delete from okapi_tokens where id = ?", tokenId) == 1);
    }

    @Override
    public void addUsage(YearMonth month, long bytes) {
        if (bytes <= 0) {
            return;
        }
        // One statement, atomic on the database: nodes flushing at once add up, never overwrite.
        pool.transaction(c -> PostgresPool.update(c, "insert into okapi_usage (month, bytes) values (?, ?)"
                + " on conflict (month) do update set bytes = okapi_usage.bytes + excluded.bytes", month.toString(), bytes));
    }

    @Override
    public long usage(YearMonth month) {
        return pool.transaction(c -> {
            try (PreparedStatement ps = PostgresPool.prepare(c, "select bytes from okapi_usage where month = ?", month.toString());
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    @Override
    public void close() {
        cache.close();
        pool.close();
    }

    private List<Token> query(String sql, Object... args) {
        return pool.transaction(c -> rows(c, sql, args));
    }

    private static List<Token> rows(Connection c, String sql, Object... args) throws SQLException {
        List<Token> list = new ArrayList<>();
        try (PreparedStatement ps = PostgresPool.prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Access access = Access.of(rs.getString(4)).orElseThrow(() -> new IllegalStateException("bad access"));
                list.add(new Token(rs.getString(1), rs.getString(2), rs.getString(3), access, rs.getBoolean(5),
                        rs.getLong(6), rs.getLong(7), Optional.ofNullable(rs.getString(8)), Optional.ofNullable(rs.getString(9))));
            }
        }
        return list;
    }
}
