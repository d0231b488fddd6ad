package dev.okapi.relay;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongConsumer;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.access.AccessControl;
import dev.okapi.relay.access.AuthConfig;
import dev.okapi.relay.access.StartupRefusedException;
import dev.okapi.relay.access.TokenService;
import dev.okapi.relay.access.TokenStore;
import dev.okapi.relay.access.UsageMeter;
import dev.okapi.relay.manage.ManagementService;

import io.helidon.config.Config;
import io.helidon.health.HealthCheck;

/**
 * Access control as {@link Main} wires it: the check for the stream APIs, the Management API when
 * a management key is set, and where relayed bytes go for {@code usage.show}.
 *
 * @param access     token or open mode, and the per-request check
 * @param management the Management API, served under {@link Wire#API_PREFIX}, if a key is set
 * @param usage      receives every count of bytes written to a consumer
 * @param health     the token store's health check
 */
record AuthModule(AccessControl access, Optional<ManagementService> management, LongConsumer usage, HealthCheck health) {

    AuthModule {
        Objects.requireNonNull(access, "access required");
        Objects.requireNonNull(management, "management required");
        Objects.requireNonNull(usage, "usage required");
        Objects.requireNonNull(health, "health required");
    }

    /**
     * Reads {@code auth} from the root configuration, opens the token store ({@code auth.store}:
     * the files under {@code auth.data-dir}, or PostgreSQL for several nodes) and decides the mode.
     *
     * @throws StartupRefusedException open mode on a non-loopback address without auth.mode=open
     */
    static AuthModule create(Config root) {
        AuthConfig config = AuthConfig.from(root);
        Clock clock = Clock.systemUTC();
        TokenStore store = TokenStore.open(config);
        AccessControl access = AccessControl.create(config, AuthConfig.hosts(root), store, clock);
        HealthCheck health = new TokenStoreHealth(store, !access.isOpen());
        if (config.managementKey().isEmpty()) {
            return new AuthModule(access, Optional.empty(), n -> { }, health);
        }
        UsageMeter meter = new UsageMeter(store, clock, Duration.ofSeconds(1));
        // Counts of the last second are written when the JVM exits (SIGTERM's drain ends in exit):
        // a restart loses none; only a crash loses up to a second (or an outage's worth, see UsageMeter).
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(meter::close));
        TokenService tokens = new TokenService(store, config.managementKey(), meter, clock);
        return new AuthModule(access, Optional.of(new ManagementService(tokens, access, meter)), meter::add, health);
    }
}
