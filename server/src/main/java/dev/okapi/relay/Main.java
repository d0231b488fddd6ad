package dev.okapi.relay;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.access.AccessGate;
import dev.okapi.relay.access.StartupRefusedException;
import dev.okapi.relay.access.TokenQuota;
import dev.okapi.relay.access.TokenStoreException;
import dev.okapi.relay.core.Core;
import dev.okapi.relay.core.RelayConfig;
import dev.okapi.relay.http.RelayException;
import dev.okapi.relay.manage.OperatorCli;

import io.helidon.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.http.NotFoundException;
import io.helidon.logging.common.LogConfig;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.spi.ServerFeature;

/**
 * Starts the relay: {@code bin/okapi} (or {@code java -jar server/target/okapi-relay.jar}), configured
 * as {@link Settings} says.
 */
public final class Main {

    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {
    }

    /**
     * Starts the relay and returns once it listens; or, with {@code --help}, {@code --version} or
     * {@code token …}, does that instead and exits. A start that cannot work ends with one line
     * naming the setting and the fix, and exit code 2.
     *
     * @param args nothing to start the relay; {@code --help}, {@code --version} or {@code token …}
     */
    public static void main(String[] args) {
        if (args.length > 0) {
            switch (args[0]) {
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    System.exit(0);
                }
                case "--version", "-V" -> {
                    System.out.println("okapi-relay " + FrontPage.version());
                    System.exit(0);
                }
                case "token" -> System.exit(token(Arrays.copyOfRange(args, 1, args.length)));
                default -> {
                    System.err.println("okapi: unknown argument '" + args[0] + "' (try --help)");
                    System.exit(2);
                }
            }
            return;
        }
        LogConfig.configureRuntime();
        try {
            LogFormat.install();
        } catch (IllegalArgumentException e) {
            System.err.println("okapi: " + e.getMessage());
            System.exit(2);
            return;
        }
        WebServer server;
        Config config;
        try {
            config = Settings.load();
            Settings.warnings(config, System.getenv()).forEach(LOG::warning);
            List<String> changed = Settings.nonDefaults(config);
            LOG.info(changed.isEmpty() ? "settings: the embedded defaults"
                    : "settings other than the defaults: " + String.join(", ", changed));
            Preflight.check(config);
            WebServerConfig.Builder builder = WebServer.builder();
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
        } catch (RuntimeException e) {
            LOG.severe(Preflight.describe(e));
            System.exit(2);
            return;
        }
        Optional<String> unbound = Sockets.unbound(server);
        if (unbound.isPresent()) {
            // Helidon 4.3.0 logs a failed bind and starts anyway; Preflight makes this rare (a race).
            LOG.severe("could not listen on " + unbound.get() + ": see the lines above; stop what uses the port or"
                    + " choose another one");
            System.exit(2);
            return;
        }
        Sockets.describe(server, config.get("server")).forEach(LOG::info);
    }

    private static final String USAGE = """
            Usage: okapi                  start the relay (Ctrl-C or SIGTERM stops it, draining transfers)
                   okapi token --help     create, list and revoke access tokens in the token store
                   okapi --version        print the version
                   okapi --help           print this help

            Configuration, highest priority first: system properties (-Drelay.max-wait-seconds=60),
            environment variables (RELAY_MAX_WAIT_SECONDS=60, SERVER_PORT=9000), the YAML file named
            by -Dokapi.config=FILE or OKAPI_CONFIG, then the embedded defaults. Every setting is listed
            in docs/configuration.md. JSON log lines: -Dokapi.log.format=json or OKAPI_LOG_FORMAT=json.
            """;

    /** {@code token …}: the operator's command line (issue 3) against the token store. */
    private static int token(String[] args) {
        Config config;
        try {
            config = Settings.load();
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        return OperatorCli.run(args, config, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
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
        // One timer thread for the relay's own clocks: idle checks, drain bounds, request-head deadlines.
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("okapi-timer").factory());
        PublicUrl publicUrl = PublicUrl.from(config.get("relay"));
        Core core = new Core(relay, new AccessGate(auth.access(), TokenQuota.from(config.get("relay"))),
                new CoreMeters(auth.usage()), timer, publicUrl::of);
        EdgeConfig edgeConfig = EdgeConfig.from(config.get("relay"));
        Edge edge = new Edge(edgeConfig, timer);
        Consumer<HttpRouting.Builder> routing = r -> {
            auth.management().ifPresent(m -> r.register(Wire.API_PREFIX, m));
            r.addFilter(new AccessLog());
            r.addFilter(new RequestMetrics());
            r.addFilter(edge::filter); // before every route: Connection: close and the refusals hold for all, logged
            r.register(new FrontPage(publicUrl, () -> !auth.access().isOpen()));
            core.routing(r);
            r.error(RelayException.class, (req, res, e) -> e.answer(req, res));
            r.error(NotFoundException.class, (req, res, e) -> new RelayException(Wire.NOT_FOUND,
                    "no such endpoint: the Data API is at " + Wire.DATA_PREFIX + ", the Connect API at " + Wire.CONNECT_PREFIX)
                    .answer(req, res)); // Helidon's own 404 would send a HEAD its body
        };
        builder.config(config.get("server"));
        observe(builder, config.get("server"), auth.health());
        buildInfo();
        builder.routing(routing::accept);
        // HTTPS or admin ports: the same listener fix, and the relay unless observe-only.
        Sockets.configure(builder, config.get("server"), edgeConfig.receiveBufferSize(), routing,
                r -> r.addFilter(new AccessLog()).addFilter(edge::filter));
        // The HTTP edge on every listener (head timeout, connection limits, the core's connection
        // listener): after all sockets exist.
        edge.install(builder, Sockets.adminSockets(config.get("server")));
        return new Shutdown(core, Shutdown.grace(config.get("relay")), relay.drain().plusSeconds(1));
    }

    /**
     * The observe feature as configured under {@code server.features.observe}, with the token
     * store's check added to health: Helidon builds it from the configuration alone, so it is
     * built again here, from the same configuration, in its place.
     */
    private static void observe(WebServerConfig.Builder builder, Config server, HealthCheck check) {
        Config observe = server.get("features.observe");
        HealthObserver health = HealthObserver.builder().config(observe.get("observers.health")).addCheck(check).build();
        List<ServerFeature> features = new ArrayList<>(builder.features().stream().filter(f -> !(f instanceof ObserveFeature)).toList());
        features.add(ObserveFeature.builder().config(observe).addObserver(health).build());
        builder.features(features);
    }

    /** {@code okapi_build_info{version, java} 1}: which build runs where, for dashboards and alerts. */
    private static void buildInfo() {
        Metrics.globalRegistry().getOrCreate(Gauge.<Integer>builder("okapi.build.info", () -> 1)
                .description("The relay's build: version and Java runtime; always 1")
                .tags(List.of(Tag.create("version", FrontPage.version()), Tag.create("java", Runtime.version().toString()))));
    }
}
