package dev.okapi.relay.access;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The PostgreSQL token store's connections: a small pool that fails fast, transactions, and
 * statements with their arguments. A failure reaches the store's callers as one
 * {@link TokenStoreException} in PostgreSQL's own words, never as the pool's wrapper.
 */
final class PostgresPool implements AutoCloseable {

    /**
     * HikariCP's own warnings about each dropped connection would repeat what the one line of
     * {@link PostgresTokenCache} says when the database goes away; its errors still show. Held
     * here, so that the level is not lost with a collected logger.
     */
    private static final Logger POOL_LOG = Logger.getLogger("com.zaxxer.hikari");

    static {
        POOL_LOG.setLevel(Level.SEVERE);
    }

    private final PostgresSettings settings;
    private final HikariDataSource pool;

    /** Work on one connection; the pool turns its {@link SQLException} into a {@link TokenStoreException}. */
    interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /** Opens the pool without waiting for the database: the first connection is tried on first use. */
    PostgresPool(PostgresSettings settings) {
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
    }

    /** A connection in auto-commit mode, for the caller to close; its failure is the caller's to report. */
    Connection connection() throws SQLException {
        return pool.getConnection();
    }

    /** Runs the work in one transaction: committed when it returns, rolled back when it throws. */
    <T> T transaction(SqlWork<T> work) {
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

    static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args)) {
            return ps.executeUpdate();
        }
    }

    /** The first column of the one row a query returns, as a number. */
    static long number(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
        return ps;
    }

    /** The innermost message, in one line: PostgreSQL's own words rather than the pool's wrapper. */
    static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.lines().findFirst().orElse(m).strip();
    }

    @Override
    public void close() {
        pool.close();
    }
}
