package dev.okapi.relay.access;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.logging.Logger;

/**
 * The PostgreSQL token store's tables, created and upgraded by the relay on start: a plain list of
 * SQL migrations and a table of the versions applied. A migration library (Flyway, Liquibase)
 * would add a dependency larger than the store for three tables.
 *
 * <p>Every node runs this on start. A transaction-scoped advisory lock makes concurrent starts
 * take turns, so the second node finds the migrations done. Migrations are append-only: a
 * released one is never edited, a change is a new entry.
 */
final class PostgresSchema {

    private static final Logger LOG = Logger.getLogger(PostgresSchema.class.getName());
    /** Any fixed number: the advisory lock that orders the nodes' migrations. */
    private static final long LOCK = 0x6f6b617069L; // "okapi"

    /** Version i+1 is {@code MIGRATIONS.get(i)}. */
    static final List<String> MIGRATIONS = List.of(
            // 1: tokens (hashes only, as the file store), monthly usage, and a generation number
            // that every token change increments, so that nodes poll one row to see a change.
            """
            create table okapi_tokens (
                id          text primary key,
                hash        text not null unique,
                path        text not null,
                access      text not null check (access in ('read', 'write')),
                recursive   boolean not null,
                expires     bigint not null,
                created     bigint not null,
                idem_key    text unique,
                idem_secret text
            );
            create table okapi_usage (
                month text primary key,
                bytes bigint not null
            );
            create table okapi_generation (
                id    integer primary key check (id = 1),
                value bigint not null
            );
            insert into okapi_generation values (1, 0);
            """,
            // 2: the generation each node has loaded, and when it last confirmed it, so that a
            // revocation can be answered once every live node refuses the token.
            """
            create table okapi_nodes (
                node       text primary key,
                generation bigint not null,
                seen       timestamptz not null
            );
            """);

    private PostgresSchema() {
    }

    /** Applies the migrations this database has not seen yet; returns its version. */
    static int migrate(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("select pg_advisory_xact_lock(" + LOCK + ")");
            s.execute("create table if not exists okapi_schema (version integer primary key,"
                    + " applied timestamptz not null default now())");
            int version;
            try (ResultSet rs = s.executeQuery("select coalesce(max(version), 0) from okapi_schema")) {
                rs.next();
                version = rs.getInt(1);
            }
            if (version > MIGRATIONS.size()) {
                throw new SQLException("the database's okapi schema is version " + version + ", newer than this relay's "
                        + MIGRATIONS.size() + ": run the newer relay, or a database of this version");
            }
            for (int v = version + 1; v <= MIGRATIONS.size(); v++) {
                s.execute(MIGRATIONS.get(v - 1));
                s.execute("insert into okapi_schema (version) values (" + v + ")");
                LOG.info("token store: PostgreSQL schema migrated to version " + v);
            }
            c.commit();
            return MIGRATIONS.size();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }
}
