package dev.okapi.relay;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.Framing;
import dev.okapi.relay.http.RelayException;
import dev.okapi.relay.http.Watch;

import com.sun.management.UnixOperatingSystemMXBean;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Headers;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ProtocolConfig;

/**
 * The relay's HTTP edge (issue 12), below the Data and Connect APIs and the same for every route
 * and every listener: the request-head timeout, {@code Connection: close}, Helidon's own answers
 * made one line each ({@link DirectAnswers}), and the refusals that keep the process alive under abuse (per-address and per-port connection
 * limits, a heap that is nearly full). Each refusal is a {@code 503} with a one-line reason, after
 * which the connection is closed.
 *
 * <p>Helidon 4.3.0 does none of this itself: it has no head timeout, answers HTTP/1.0 with an empty
 * 505, keeps a connection open after {@code Connection: close}, and its listener stops for good
 * when {@code accept} fails at the file-descriptor limit. The last is avoided by giving every
 * listener a connection limit below the process's descriptor limit ({@link #install}).
 */
final class Edge {

    private static final Logger LOG = Logger.getLogger(Edge.class.getName());

    /** Heap bytes counted per connection when the heap sets the connection limit (measured: about 20 KiB). */
    static final long CONNECTION_HEAP = 24 * 1024;
    /** Connections of an admin port (observe only), when the relay derives the limits. */
    static final int ADMIN_CONNECTIONS = 64;

    private final EdgeConfig config;
    private final ScheduledExecutorService timer;
    private final EdgeMetrics metrics = new EdgeMetrics();
    private final Map<ConnectionContext, GuardedConnection> connections = new ConcurrentHashMap<>();
    private final Map<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).toList();

    Edge(EdgeConfig config, ScheduledExecutorService timer) {
        this.config = Objects.requireNonNull(config, "config required");
        this.timer = Objects.requireNonNull(timer, "timer required");
    }

    EdgeConfig config() {
        return config;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    EdgeMetrics metrics() {
        return metrics;
    }

    /**
     * Puts the edge on the default and every named listener: a guarded HTTP/1.1 selector as the
     * only one (Helidon's own, from the listener's {@code protocols.http_1_1} settings, plus the
     * head listener), Helidon's own answers with a line each ({@link DirectAnswers}), and a
     * connection limit within the descriptor limit and the heap, shared by the relay's ports (an
     * admin port takes at most {@link #ADMIN_CONNECTIONS}). Must run after the server configuration
     * is applied and the named sockets exist.
     */
    void install(WebServerConfig.Builder builder, Set<String> adminSockets) {
        int admin = (int) builder.sockets().keySet().stream().filter(adminSockets::contains).count();
        int relayPorts = 1 + builder.sockets().size() - admin;
        long total = derivedConnections(relayPorts + admin);
        // An admin port serves health and metrics: a few connections, not a share of thousands.
        int adminLimit = (int) Math.min(ADMIN_CONNECTIONS, total / (2L * (relayPorts + admin)));
        int relayLimit = (int) Math.min(Integer.MAX_VALUE, (total - (long) admin * adminLimit) / relayPorts);
        guard(builder.protocols(), builder.maxTcpConnections(), relayLimit,
                (protocols, limit, selector) -> builder.protocols(protocols).protocolsDiscoverServices(false)
                        .maxTcpConnections(limit).connectionSelectors(List.of(selector))
                        .directHandlers(DirectAnswers.handlers()).errorHandling(DirectAnswers.ERROR_HANDLING));
        for (Map.Entry<String, ListenerConfig> e : Map.copyOf(builder.sockets()).entrySet()) {
            ListenerConfig.Builder b = ListenerConfig.builder().from(e.getValue());
            guard(e.getValue().protocols(), e.getValue().maxTcpConnections(),
                    adminSockets.contains(e.getKey()) ? adminLimit : relayLimit,
                    (protocols, limit, selector) -> b.protocols(protocols).protocolsDiscoverServices(false)
                            .maxTcpConnections(limit).connectionSelectors(List.of(selector))
                            .directHandlers(DirectAnswers.handlers()).errorHandling(DirectAnswers.ERROR_HANDLING));
            builder.putSocket(e.getKey(), b.build());
        }
        LOG.fine(() -> "connections per relay port: " + relayLimit + ", per admin port: " + adminLimit
                + " (descriptor limit " + maxDescriptors() + ", heap " + Runtime.getRuntime().maxMemory() + ")");
    }

    private interface Apply {
        void apply(List<ProtocolConfig> others, int maxTcpConnections, GuardedSelector selector);
    }

    private void guard(List<ProtocolConfig> protocols, int configuredLimit, int derivedLimit, Apply apply) {
        Http1Config http1 = protocols.stream().filter(Http1Config.class::isInstance).map(Http1Config.class::cast)
                .findFirst().orElseGet(Http1Config::create);
        List<ProtocolConfig> others = new ArrayList<>(protocols.stream().filter(p -> !(p instanceof Http1Config)).toList());
        // The head listener must be the only receive listener: Helidon 4.3.0's composite of several
        // forwards no event at all, so its packet-logging listener (recv-log, TRACE only) goes, and
        // the head listener hands each request's connection to the core's listener itself.
        Http1Config guarded = Http1Config.builder().from(http1).receiveLog(false)
                .receiveListeners(List.of(headListener())).build();
        int limit = configuredLimit > 0 ? configuredLimit : derivedLimit;
        apply.apply(others, limit, new GuardedSelector(
                Http1ConnectionSelector.builder().config(guarded).build(), this, limit));
    }

    /**
     * Connections that the process can carry on all its ports together: below its descriptor limit
     * (Helidon's listener stops for good when {@code accept} fails) and within its heap (a waiting
     * client holds about 20 KiB of heap, measured with 2,000 parked GETs; {@link #CONNECTION_HEAP}
     * leaves a margin). A limit on accepted connections holds in a burst, where a check of the heap
     * after garbage collection would come too late.
     */
    long derivedConnections(int ports) {
        long heap = Runtime.getRuntime().maxMemory() * config.maxHeapPercent() / 100 - usedHeap();
        long total = heap / CONNECTION_HEAP;
        long max = maxDescriptors();
        long open = openDescriptors();
        if (max > 0 && open >= 0) {
            total = Math.min(total, max - open - config.fdReserve());
        }
        if (total < ports * 2L) {
            throw new IllegalArgumentException("no room for connections: the process may open " + max + " files (ulimit -n), "
                    + open + " are open and relay.fd-reserve keeps " + config.fdReserve() + "; its heap allows "
                    + heap / CONNECTION_HEAP + " connections (-Xmx, relay.max-heap-percent). Raise ulimit -n or -Xmx");
        }
        return total;
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    static long maxDescriptors() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
    }

    static long openDescriptors() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean unix ? unix.getOpenFileDescriptorCount() : -1;
    }

    /** Learns when a request head is complete: its clock stops until the exchange ends. */
    private Http1ConnectionListener headListener() {
        return new Http1ConnectionListener() {
            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                Watch.LISTENER.headers(ctx, headers); // the core's watch needs the connection too
                GuardedConnection conn = connections.get(ctx);
                if (conn != null) {
                    conn.headComplete();
                }
            }
        };
    }

    /**
     * The routing filter of every relay socket: refuses a body framing Helidon would misread
     * ({@link Framing}), refuses what the connection was marked for and new work while the heap is
     * nearly full, restarts the head clock after the exchange, and closes the connection after the
     * final response when the client asked for it.
     */
    void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Optional<Framing.Refusal> framing = Framing.refusal(req.headers());
        if (framing.isPresent()) { // its body unread: the connection cannot serve another request
            throw new RelayException(framing.get().status(), framing.get().reason()).answerAndClose(req, res);
        }
        Optional<GuardedConnection> conn = Optional.ofNullable(connections.get(Watch.context())); // this request's
        Optional<String> refusal = conn.flatMap(GuardedConnection::refusal).or(this::heapRefusal);
        if (refusal.isPresent()) {
            metrics.refused(refusal.get());
            throw new RelayException(Wire.UNAVAILABLE, refusal.get()).answerAndClose(req, res);
        }
        conn.ifPresent(c -> c.controlChannel(req.prologue().method() == Method.PUT));
        chain.proceed();
        // Helidon 4.3.0 answers "Connection: close" but keeps reading the connection (RFC 9112 9.6).
        if (req.headers().contains(HeaderValues.CONNECTION_CLOSE) || res.headers().contains(HeaderValues.CONNECTION_CLOSE)) {
            throw new CloseConnectionException("Connection: close");
        }
        conn.ifPresent(GuardedConnection::exchangeEnded);
    }

    private Optional<String> heapRefusal() {
        long used = 0;
        for (MemoryPoolMXBean pool : heapPools) {
            MemoryUsage after = pool.getCollectionUsage();
            if (after != null) {
                used += after.getUsed();
            }
        }
        long max = Runtime.getRuntime().maxMemory();
        return used * 100 > max * config.maxHeapPercent()
                ? Optional.of("relay is short of memory (heap over " + config.maxHeapPercent() + "% after collection); retry later")
                : Optional.empty();
    }

    /** A new connection: counted for its address, refused when that address holds too many. */
    void register(GuardedConnection conn) {
        connections.put(conn.context(), conn);
        int n = perAddress.computeIfAbsent(conn.address(), a -> new AtomicInteger()).incrementAndGet();
        int limit = config.maxConnectionsPerAddress();
        if (limit > 0 && n > limit && (config.limitLoopback() || !conn.address().isLoopbackAddress())) {
            conn.refuse("too many connections from your address (limit " + limit + ")");
        }
    }

    void forget(GuardedConnection conn) {
        connections.remove(conn.context(), conn);
        perAddress.computeIfPresent(conn.address(), (a, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /** Counters of what the edge refused or closed; labels are fixed words, never an address. */
    static final class EdgeMetrics {
        private final MeterRegistry registry = Metrics.globalRegistry();
        private final Counter headTimeouts = registry.getOrCreate(Counter.builder("okapi.head.timeouts")
                .description("Connections closed because their request head was not complete in time"));

        void headTimeout() {
            headTimeouts.increment();
        }

        void refused(String reason) {
            String kind = reason.startsWith("too many") ? "per_address" : reason.contains("memory") ? "memory" : "connections";
            registry.getOrCreate(Counter.builder("okapi.edge.refusals").description("Requests refused at the edge with 503")
                    .tags(List.of(Tag.create("reason", kind)))).increment();
        }
    }
}
