package dev.okapi.relay.access;

import java.time.YearMonth;
import java.util.List;
import java.util.Optional;

/**
 * Where tokens and monthly usage live. {@link FileTokenStore} keeps them in files under the data
 * directory; {@link PostgresTokenStore} in a database shared by several relay nodes.
 *
 * <p>Every method sees changes made by other users of the same store (the operator's command
 * line, another node): at once in the file store, within {@code auth.max-staleness-seconds} in
 * PostgreSQL. Any method may throw {@link TokenStoreException} when the store cannot be used.
 */
public interface TokenStore extends AutoCloseable {

    /** The store {@code config} names: the files under its data directory, or PostgreSQL. */
    static TokenStore open(AuthConfig config) {
        return switch (config.store()) {
            case FILE -> new FileTokenStore(config.dataDir());
            case POSTGRESQL -> new PostgresTokenStore(config.postgres().orElseThrow());
        };
    }

    /** Why new requests are refused now (a database out of reach), or empty: for the health check. */
    default Optional<String> problem() {
        return Optional.empty();
    }

    /** Releases connections and threads; the file store holds none. */
    @Override
    default void close() {
    }

    /** The token whose secret has this SHA-256, expired or not. */
    Optional<Token> findByHash(byte[] sha256);

    /** Every token not yet expired at {@code epochSecond}, oldest first. */
    List<Token> live(long epochSecond);

    /**
     * Adds a token, atomically with respect to idempotency: if {@code token} has an idem key and
     * a token with the same key exists, nothing is added and that token is returned.
     *
     * @return {@code token}, or the existing token with its idem key
     */
    Token addOrGet(Token token);

    /** Replaces a stored token of the same id (e.g. dropping its encrypted secret); false if gone. */
    boolean replace(Token token);

    /** Removes a token; false if there was none with that id. */
    boolean remove(String tokenId);

    /** Adds relayed bytes to a month's total. */
    void addUsage(YearMonth month, long bytes);

    /** The bytes relayed in a month, as stored. */
    long usage(YearMonth month);

    /** Whether the store holds any token at all (expired ones too): decides the automatic mode. */
    boolean isEmpty();
}
