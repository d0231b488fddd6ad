package dev.okapi.relay;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

import dev.okapi.relay.access.FileTokenStore;
import dev.okapi.relay.access.TokenStoreException;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/**
 * {@code /observe/health}'s check of the token store, in token mode the one thing besides the
 * process that a relay needs: its file must load (a malformed or unreadable {@code tokens.tsv}
 * refuses every request) and its directory, once it exists, must be writable (usage and token
 * changes are written there). In open mode the store is not used, and the check says so. Health
 * is public: it shows neither the directory nor how many tokens there are, only what is wrong.
 */
final class TokenStoreHealth implements HealthCheck {

    private final FileTokenStore store;
    private final Path dir;
    private final boolean used;
    private final Clock clock;

    TokenStoreHealth(FileTokenStore store, Path dir, boolean used, Clock clock) {
        this.store = Objects.requireNonNull(store, "store required");
        this.dir = Objects.requireNonNull(dir, "dir required").toAbsolutePath().normalize();
        this.used = used;
        this.clock = Objects.requireNonNull(clock, "clock required");
    }

    @Override
    public String name() {
        return "token-store";
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponse.Builder r = HealthCheckResponse.builder().detail("mode", used ? "token" : "open");
        if (!used) {
            return r.status(true).build();
        }
        try {
            store.live(clock.instant().getEpochSecond()); // loads the file if it changed
        } catch (TokenStoreException e) {
            return r.status(false).detail("error", e.getMessage()).build();
        }
        if (Files.exists(dir) && !Files.isWritable(dir)) {
            return r.status(false).detail("error", "directory not writable").build();
        }
        return r.status(true).build();
    }
}
