package dev.okapi.relay;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.okapi.relay.access.TokenStore;

import io.helidon.common.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.health.spi.HealthCheckProvider;

/**
 * The {@code token-store} readiness check of {@code /observe/health}: DOWN, with the reason, while
 * the token store cannot be used (PostgreSQL out of reach), so monitoring sees why new requests
 * get {@code 503}. Found by Helidon's health observer through {@code META-INF/services}, because
 * the observer is built from the configuration, not by {@link Main}; hence the stores it reports
 * are registered here by {@link AuthModule}.
 *
 * <p>A readiness check, not a liveness one: the balancer's health check asks
 * {@code /observe/health/live}, so that a database outage, which every node shares, does not take
 * every node out of the balancer (clients would get the balancer's page instead of the relay's
 * one-line {@code 503}), and running transfers are not disturbed.
 */
public final class StoreHealth implements HealthCheckProvider {

    private static final List<TokenStore> STORES = new CopyOnWriteArrayList<>();

    /** For the service loader. */
    public StoreHealth() {
    }

    /** Reports {@code store} in this JVM's health from now on. */
    static void watch(TokenStore store) {
        STORES.add(Objects.requireNonNull(store, "store required"));
    }

    @Override
    public List<HealthCheck> healthChecks(Config config) {
        return List.of(new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public String name() {
                return "token-store";
            }

            @Override
            public HealthCheckResponse call() {
                Optional<String> problem = STORES.stream().flatMap(s -> s.problem().stream()).findFirst();
                return HealthCheckResponse.builder().status(problem.isEmpty())
                        .detail("store", problem.orElse("usable")).build();
            }
        });
    }
}
