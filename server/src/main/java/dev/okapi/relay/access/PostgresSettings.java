package dev.okapi.relay.access;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach the shared PostgreSQL token store ({@code auth.jdbc-*}) and how stale a node's
 * copy of the tokens may get ({@code auth.max-staleness-seconds}).
 *
 * @param jdbcUrl      {@code jdbc:postgresql://host:port/database}
 * @param user         the database user, if not in the URL
 * @param password     the user's password, from {@code auth.jdbc-password-file} or {@code auth.jdbc-password}
 * @param maxStaleness a revoked token is refused by every node within this; a node that cannot
 *                     refresh its copy for this long refuses new requests with {@code 503}
 */
public record PostgresSettings(String jdbcUrl, Optional<String> user, Optional<String> password, Duration maxStaleness) {

    public PostgresSettings {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl required");
        Objects.requireNonNull(user, "user required");
        Objects.requireNonNull(password, "password required");
        Objects.requireNonNull(maxStaleness, "maxStaleness required");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("auth.jdbc-url must start with jdbc:postgresql:, not " + jdbcUrl);
        }
        if (maxStaleness.isNegative() || maxStaleness.isZero()) {
            throw new IllegalArgumentException("auth.max-staleness-seconds must be positive");
        }
    }

    /** The URL without its query, which may hold a password: what log lines and errors name. */
    public String where() {
        int q = jdbcUrl.indexOf('?');
        return q < 0 ? jdbcUrl : jdbcUrl.substring(0, q);
    }

    @Override
    public String toString() {
        return "PostgresSettings[" + where() + ", user=" + user.orElse("-") + ", maxStaleness=" + maxStaleness + "]"; // never the password
    }
}
