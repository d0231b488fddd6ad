package dev.okapi.relay;

import java.net.StandardSocketOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.access.StartupRefusedException;
import dev.okapi.relay.access.TokenQuota;
import dev.okapi.relay.access.TokenStoreException;
import dev.okapi.relay.core.ActiveTransfers;
import dev.okapi.relay.core.ConnectService;
import dev.okapi.relay.core.DataService;
import dev.okapi.relay.core.RelayConfig;
import dev.okapi.relay.core.RelayException;
import dev.okapi.relay.core.RelayMetrics;
import dev.okapi.relay.core.Rendezvous;
import dev.okapi.relay.manage.OperatorCli;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.spi.ConfigSource;
import io.helidon.logging.common.LogConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;

/**
 * Starts the relay: {@code java -jar server/target/okapi-relay.jar}, configured by the embedded
 * {@code application.yaml}, system properties and environment variables.
 */
public final class Main {

    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {
    }

    /**
     * Starts the relay and returns once it listens.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("token")) {
            // The operator's command line (issue 3): token create|list|revoke against the store.
            Config config;
            try {
                config = loadConfig();
            } catch (IllegalArgumentException e) {
                System.err.println("error: " + e.getMessage());
                System.exit(2);
                return;
            }
            System.exit(OperatorCli.run(java.util.Arrays.copyOfRange(args, 1, args.length), config,
                    new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true)));
        }
        LogConfig.configureRuntime();
        WebServer server;
        Config config;
        try {
            WebServerConfig.Builder builder = WebServer.builder();
            config = loadConfig();
            Shutdown shutdown = configure(builder, config);
            // SIGTERM drains first (see Shutdown); Helidon's own hook would cut transfers at once.
            builder.shutdownHook(false);
            Sockets.gracePeriod(builder, shutdown.helidonGrace());
            server = builder.build().start();
            shutdown.onSignal(server);
        } catch (StartupRefusedException | TokenStoreException | IllegalArgumentException e) {
            LOG.severe(e.getMessage()); // a configuration the operator must change: no stack trace
            System.exit(2);
            return;
        }
        Sockets.describe(server, config.get("server")).forEach(LOG::info);
    }

    /**
     * The configuration, highest priority first: system properties ({@code -Drelay.max-wait-seconds=60}),
     * environment variables (Helidon's mapping: {@code RELAY_MAX_dash_WAIT_dash_SECONDS=60}), the YAML
     * file named by {@code -Dokapi.config} or {@code OKAPI_CONFIG} if any, and the embedded
     * {@code application.yaml}, whose every key is a default.
     *
     * <p>Not {@code Config.create()}: it would take an {@code application.yaml} from the working
     * directory <em>instead of</em> the embedded one, losing every default it does not repeat
     * (the port would become random and the host every interface).
     */
    static Config loadConfig() {
        Optional<String> file = Optional.ofNullable(System.getProperty("okapi.config"))
                .or(() -> Optional.ofNullable(System.getenv("OKAPI_CONFIG")))
                .filter(f -> !f.isBlank());
        if (file.isPresent() && !Files.isReadable(Path.of(file.get()))) {
            throw new IllegalArgumentException("configuration file not readable: " + file.get());
        }
        List<Supplier<? extends ConfigSource>> sources = new ArrayList<>();
        sources.add(ConfigSources.systemProperties());
        sources.add(ConfigSources.environmentVariables());
        file.ifPresent(f -> sources.add(ConfigSources.file(f)));
        sources.add(ConfigSources.classpath("application.yaml"));
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(sources)
                .build();
    }

    /**
     * Builds and starts a relay from a configuration whose root holds {@code server} and
     * {@code relay}; public so that the client's tests can run a real relay in process.
     *
     * @param config the root configuration
     * @return the started server
     */
    public static WebServer start(Config config) {
        WebServerConfig.Builder builder = WebServer.builder();
        configure(builder, config);
        return builder.build().start();
    }

    /**
     * Applies the relay's configuration and routing to a server builder (also used by tests).
     *
     * @return the relay's graceful shutdown, for {@link #main} to hook to the JVM's signals
     */
    static Shutdown configure(WebServerConfig.Builder builder, Config config) {
        RelayConfig relay = RelayConfig.from(config.get("relay"));
        AuthModule auth = AuthModule.create(config);
        RelayMetrics metrics = new RelayMetrics(auth.usage());
        Rendezvous rendezvous = new Rendezvous(metrics, relay.maxWaiting(), relay.maxTransfers());
        // One timer thread for the relay's own clocks: idle checks and drain bounds.
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("okapi-timer").factory());
        ActiveTransfers active = new ActiveTransfers(relay.idleTimeout(), timer);
        TokenQuota quota = new TokenQuota(relay.maxWaitingPerToken(), relay.maxBytesPerSecondPerToken());
        builder.config(config.get("server"))
                // Helidon 4.3.0 forces 4096 on the listening socket, which every accepted socket
                // inherits: no TCP window scaling, ~100 MB/s on loopback. Config cannot undo it.
                .putListenerSocketOption(StandardSocketOptions.SO_RCVBUF, relay.receiveBufferSize())
                .routing(r -> routing(r, rendezvous, relay, metrics, timer, active, auth, quota));
        // HTTPS or admin ports: the same listener fix, and the relay unless observe-only.
        Sockets.configure(builder, config.get("server"), relay.receiveBufferSize(),
                r -> routing(r, rendezvous, relay, metrics, timer, active, auth, quota));
        return new Shutdown(rendezvous, active, relay.shutdownGrace(), relay.drain().plusSeconds(1));
    }

    private static void routing(HttpRouting.Builder routing, Rendezvous rendezvous, RelayConfig relay,
                                RelayMetrics metrics, ScheduledExecutorService timer, ActiveTransfers active,
                                AuthModule auth, TokenQuota quota) {
        auth.management().ifPresent(m -> routing.register(Wire.API_PREFIX, m));
        routing.register(new FrontPage(relay.publicUrl(), () -> !auth.access().isOpen()))
                .register(Wire.CONNECT_PREFIX, new ConnectService(rendezvous, relay, auth.access(), quota))
                .register(Wire.DATA_PREFIX, new DataService(rendezvous, relay, metrics, timer, active, auth.access(), quota))
                .error(RelayException.class, (req, res, e) -> e.answer(res));
    }
}
