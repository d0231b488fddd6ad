package dev.okapi.relay;

import java.util.Objects;
import java.util.Optional;

import dev.okapi.relay.access.TokenStore;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/**
 * {@code /observe/health}'s check of the token store, in token mode the one thing besides the
 * process that a relay needs: the store says what is wrong ({@link TokenStore#problem}): a
 * malformed or unreadable {@code tokens.tsv} or a directory that cannot be written, or a
 * PostgreSQL database out of reach. In open mode the store is not used, and the check says so.
 * Health is public: it shows neither the directory nor how many tokens there are, only what is
 * wrong.
 *
 * <p>A readiness check: the balancers of a cluster ask {@code /observe/health/live}, so that a
 * database outage, which every node shares, does not take every node out of the balancer
 * (clients would get the balancer's page instead of the relay's one-line {@code 503}).
 */
final class TokenStoreHealth implements HealthCheck {

    private final TokenStore store;
    private final boolean used;

    TokenStoreHealth(TokenStore store, boolean used) {
        this.store = Objects.requireNonNull(store, "store required");
        this.used = used;
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
        Optional<String> problem = used ? store.problem() : Optional.empty();
        if (problem.isPresent()) {
            return r.status(false).detail("error", problem.get()).build();
        }
        return r.status(true).build();
    }
}
