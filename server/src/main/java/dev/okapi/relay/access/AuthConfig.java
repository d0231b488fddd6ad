package dev.okapi.relay.access;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import io.helidon.config.Config;

/**
 * The {@code auth} node of the configuration (defaults in the embedded {@code application.yaml}).
 *
 * <p>Hyphenated keys are also read in their dotted spelling, because that is what Helidon makes of
 * an environment variable: {@code AUTH_MANAGEMENT_KEY} becomes {@code auth.management.key} (only
 * {@code AUTH_MANAGEMENT_dash_KEY} would become {@code auth.management-key}). The hyphenated key
 * wins when both are set.
 *
 * @param mode          {@code auto}, {@code open} or {@code token}
 * @param managementKey the Management API's bearer key; empty: no Management API
 * @param dataDir       where the file token store keeps its files
 * @param store         which token store: the files under {@code dataDir}, or PostgreSQL
 * @param postgres      the PostgreSQL store's settings, present exactly when {@code store} is POSTGRESQL
 */
public record AuthConfig(Mode mode, Optional<String> managementKey, Path dataDir, Store store,
                         Optional<PostgresSettings> postgres) {

    /** Shortest management key accepted: a guessable key would open every stream. */
    static final int MIN_KEY_LENGTH = 16;

    /** How the relay decides between token mode and open mode. */
    public enum Mode {
        /** Token mode when a management key is set or the store holds tokens; else open, on loopback only. */
        AUTO,
        /** Open mode wherever the relay is bound: every request is served, tokens are ignored. */
        OPEN,
        /** Token mode even with no key and no token yet (tokens come from the command line). */
        TOKEN
    }

    /** Where tokens, revocations and usage live. */
    public enum Store {
        /** Files under {@code auth.data-dir}: one node, no other service. */
        FILE,
        /** A PostgreSQL database shared by every node of a cluster ({@link PostgresTokenStore}). */
        POSTGRESQL
    }

    /** A configuration with the file store. */
    public AuthConfig(Mode mode, Optional<String> managementKey, Path dataDir) {
        this(mode, managementKey, dataDir, Store.FILE, Optional.empty());
    }

    public AuthConfig {
        Objects.requireNonNull(mode, "mode required");
        Objects.requireNonNull(managementKey, "managementKey required");
        Objects.requireNonNull(dataDir, "dataDir required");
        Objects.requireNonNull(store, "store required");
        Objects.requireNonNull(postgres, "postgres required");
        if (postgres.isPresent() != (store == Store.POSTGRESQL)) {
            throw new IllegalArgumentException("PostgreSQL settings go with auth.store=postgresql only");
        }
        managementKey = managementKey.filter(k -> !k.isBlank());
        if (managementKey.isPresent() && managementKey.get().length() < MIN_KEY_LENGTH) {
            throw new IllegalArgumentException("auth.management-key must have at least " + MIN_KEY_LENGTH + " characters");
        }
    }

    /** Reads the {@code auth} node of a root configuration. */
    public static AuthConfig from(Config root) {
        Config auth = root.get("auth");
        String modeWord = value(auth, "mode").orElse("auto");
        Mode mode = switch (modeWord.toLowerCase(Locale.ROOT)) {
            case "auto" -> Mode.AUTO;
            case "open" -> Mode.OPEN;
            case "token" -> Mode.TOKEN;
            default -> throw new IllegalArgumentException("auth.mode must be auto, open or token, not " + modeWord);
        };
        String storeWord = value(auth, "store").orElse("file");
        Store store = switch (storeWord.toLowerCase(Locale.ROOT)) {
            case "file" -> Store.FILE;
            case "postgresql" -> Store.POSTGRESQL;
            default -> throw new IllegalArgumentException("auth.store must be file or postgresql, not " + storeWord);
        };
        Optional<PostgresSettings> postgres = store == Store.POSTGRESQL ? Optional.of(postgres(auth)) : Optional.empty();
        return new AuthConfig(mode, value(auth, "management-key"), Path.of(value(auth, "data-dir").orElse("okapi-data")),
                store, postgres);
    }

    /** The {@code auth.jdbc-*} keys; the password from its file if one is named, else from the key. */
    private static PostgresSettings postgres(Config auth) {
        String url = value(auth, "jdbc-url").orElseThrow(() -> new IllegalArgumentException(
                "auth.store=postgresql needs auth.jdbc-url (AUTH_JDBC_URL), e.g. jdbc:postgresql://db.example.org:5432/okapi"));
        Optional<String> password = value(auth, "jdbc-password");
        Optional<String> file = value(auth, "jdbc-password-file");
        if (file.isPresent()) {
            try {
                password = Optional.of(Files.readString(Path.of(file.get()), StandardCharsets.UTF_8).strip());
            } catch (IOException e) {
                throw new IllegalArgumentException("auth.jdbc-password-file not readable: " + file.get());
            }
        }
        String staleness = value(auth, "max-staleness-seconds").orElse("5");
        if (!staleness.matches("[0-9]{1,4}") || Integer.parseInt(staleness) < 1) {
            throw new IllegalArgumentException("auth.max-staleness-seconds must be a whole number of seconds, 1 or more, not "
                    + staleness);
        }
        return new PostgresSettings(url, value(auth, "jdbc-user"), password, Duration.ofSeconds(Integer.parseInt(staleness)));
    }

    private static Optional<String> value(Config node, String key) {
        return node.get(key).asString().asOptional().filter(s -> !s.isBlank())
                .or(() -> node.get(key.replace('-', '.')).asString().asOptional().filter(s -> !s.isBlank()));
    }

    /**
     * The hosts the server listens on: {@code server.host} and every {@code server.sockets[].host}
     * (Helidon's default is every interface).
     */
    public static List<String> hosts(Config root) {
        List<String> hosts = new ArrayList<>();
        hosts.add(root.get("server.host").asString().orElse("0.0.0.0"));
        root.get("server.sockets").asNodeList().ifPresent(list -> {
            for (Config socket : list) {
                hosts.add(socket.get("host").asString().orElse(hosts.getFirst()));
            }
        });
        return hosts;
    }

    /** Whether a host name or address is a loopback address (an unresolvable one is not). */
    static boolean isLoopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
