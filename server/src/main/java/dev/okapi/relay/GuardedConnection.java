package dev.okapi.relay;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.task.InterruptableTask;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

/**
 * One accepted connection under the relay's edge rules: its request-head clock, the reason it is
 * refused (if it is), and its share of the per-address and per-listener counts.
 *
 * <p>Helidon 4.3.0 has no request-head timeout and no hook when a connection opens, so the relay
 * installs {@link Selector} as the only connection selector of every listener: Helidon calls it
 * on the connection's own thread before the first byte is read. From there:
 * <ul>
 *   <li>the socket gets a read timeout of {@code relay.head-timeout-seconds} (a client that sends
 *       nothing) and a timer closes it when the whole head is not in by then (a client that
 *       dribbles bytes); both are lifted once the head is complete ({@link #headComplete}), so
 *       waiting for a peer and transfers run with no read timeout (SO_TIMEOUT 0) and no timer,
 *       exactly as before; they are set again when the exchange ends ({@link #exchangeEnded}),
 *       for the next request on a kept-alive connection;</li>
 *   <li>a first byte that cannot begin an HTTP request (a TLS ClientHello starts with 0x16) is
 *       answered with a one-line 400 and the connection closed at once.</li>
 * </ul>
 * These are the protocol's rules [HTTP-6] and [HTTP-7] (protocol-spec, section 3.1).
 * Helidon keeps the socket in a private field; it is read by reflection once per connection. If
 * that fails (another Helidon version), the timer cannot close anything and the relay runs without
 * a head timeout: logged once as a warning.
 *
 * <p>One file (a little over 300 lines): the selector, Helidon's connection wrapped, and the
 * per-connection clock share this class's private state.
 */
final class GuardedConnection {

    private static final Logger LOG = Logger.getLogger(GuardedConnection.class.getName());
    private static final Field HANDLER_SOCKET = field("io.helidon.webserver.ConnectionHandler", "socket");
    private static final Field REQUEST_CONTEXT = field("io.helidon.webserver.http1.Http1ServerRequest", "ctx");

    private final Edge edge;
    private final ConnectionContext ctx;
    private final Socket socket;
    private final InetAddress address;
    private final Selector selector;
    private final Object lock = new Object();
    private ScheduledFuture<?> deadline; // guarded by lock: the head clock, null while no head is due
    private volatile String refusal;     // why requests on this connection are refused, or null

    private GuardedConnection(Edge edge, Selector selector, ConnectionContext ctx, Socket socket, InetAddress address) {
        this.edge = edge;
        this.ctx = ctx;
        this.selector = selector;
        this.socket = socket;
        this.address = address;
    }

    /** The connection of a request, if it is a guarded one. */
    static Optional<GuardedConnection> of(Edge edge, ServerRequest req) {
        if (REQUEST_CONTEXT == null || !REQUEST_CONTEXT.getDeclaringClass().isInstance(req)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(edge.connection((ConnectionContext) REQUEST_CONTEXT.get(req)));
        } catch (IllegalAccessException | RuntimeException e) {
            return Optional.empty();
        }
    }

    ConnectionContext context() {
        return ctx;
    }

    InetAddress address() {
        return address;
    }

    Optional<String> refusal() {
        return Optional.ofNullable(refusal);
    }

    void refuse(String reason) {
        refusal = reason;
    }

    /** Starts the head clock: the socket read timeout and the whole-head deadline. */
    void headDue() {
        Duration timeout = edge.config().headTimeout();
        synchronized (lock) {
            cancel();
            setReadTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            deadline = edge.timer().schedule(this::expire, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The head is complete: no read timeout and no timer while the request waits or transfers.
     * The core's waiters and transfers find the socket exactly as Helidon left it (SO_TIMEOUT 0).
     */
    void headComplete() {
        synchronized (lock) {
            cancel();
            setReadTimeout(0);
        }
    }

    /** The exchange ended and the connection stays open: the next head is due within the timeout. */
    void exchangeEnded() {
        headDue();
    }

    private void expire() {
        synchronized (lock) {
            if (deadline == null) {
                return; // the head completed meanwhile
            }
            deadline = null;
        }
        LOG.fine(() -> "closing a connection from " + address.getHostAddress() + ": no complete request head within "
                + edge.config().headTimeout().toSeconds() + " s");
        edge.metrics().headTimeout();
        try {
            socket.close(); // the connection's blocked read fails and Helidon ends it quietly
        } catch (IOException e) {
            // closing a socket that is already gone
        }
    }

    private void cancel() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void setReadTimeout(int millis) {
        if (socket == null) {
            return;
        }
        try {
            socket.setSoTimeout(millis);
        } catch (SocketException e) {
            // a closed socket: its connection is ending anyway
        }
    }

    private void closed() {
        synchronized (lock) {
            cancel();
        }
        selector.open.decrementAndGet();
        edge.forget(this);
    }

    /**
     * The connection selector of one listener: HTTP/1.1 as Helidon's own selector serves it, each
     * connection wrapped in a {@link GuardedConnection}. The only selector on its listener, so
     * that Helidon does not read a byte before choosing one.
     */
    static final class Selector implements ServerConnectionSelector {

        private final ServerConnectionSelector http1;
        private final Edge edge;
        private final int maxConnections;
        private final AtomicInteger open = new AtomicInteger();

        /**
         * @param maxConnections this listener's connection limit (Helidon's max-tcp-connections), or -1;
         *                       the connection that takes its last slot is refused with 503, so that
         *                       clients beyond the limit get an answer instead of a silent queue
         */
        Selector(ServerConnectionSelector http1, Edge edge, int maxConnections) {
            this.http1 = Objects.requireNonNull(http1, "http1 required");
            this.edge = Objects.requireNonNull(edge, "edge required");
            this.maxConnections = maxConnections;
        }

        @Override
        public int bytesToIdentifyConnection() {
            return http1.bytesToIdentifyConnection();
        }

        @Override
        public Support supports(BufferData request) {
            return http1.supports(request);
        }

        @Override
        public Set<String> supportedApplicationProtocols() {
            return http1.supportedApplicationProtocols();
        }

        @Override
        public ServerConnection connection(ConnectionContext ctx) {
            Socket socket = socketOf(ctx);
            InetAddress address = ((InetSocketAddress) ctx.remotePeer().address()).getAddress();
            GuardedConnection conn = new GuardedConnection(edge, this, ctx, socket, address);
            int count = open.incrementAndGet();
            edge.register(conn);
            try {
                conn.headDue();
                if (maxConnections > 0 && count >= maxConnections) {
                    conn.refuse("relay at its connection limit (" + maxConnections + " on this port); retry later");
                }
                rejectNonHttp(ctx);
                return new Wrapped(http1.connection(ctx), conn);
            } catch (RuntimeException | Error e) {
                conn.closed();
                throw e;
            }
        }
    }

    /**
     * Answers bytes that cannot begin an HTTP/1.1 request (a request line starts with a method,
     * letters) with a one-line 400 and closes at once: a TLS ClientHello on the plain port is the
     * usual case. Waits for the first byte under the head clock.
     */
    private static void rejectNonHttp(ConnectionContext ctx) {
        DataReader reader = ctx.dataReader();
        try {
            reader.ensureAvailable();
        } catch (DataReader.InsufficientDataAvailableException e) {
            throw new CloseConnectionException("closed before a request", e);
        }
        byte first = reader.lookup();
        if (first >= 'A' && first <= 'Z' || first >= 'a' && first <= 'z') {
            return;
        }
        String body = first == 0x16
                ? "this port speaks plain HTTP/1.1, not TLS: use http://, or the relay's HTTPS port\n"
                : "not an HTTP/1.1 request\n";
        String response = "HTTP/1.1 400 Bad Request\r\nContent-Type: " + Wire.TEXT_PLAIN + "\r\nCache-Control: no-store\r\n"
                + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body;
        ctx.dataWriter().writeNow(BufferData.create(response.getBytes(StandardCharsets.US_ASCII)));
        throw new CloseConnectionException("not HTTP: first byte 0x" + Integer.toHexString(first & 0xff));
    }

    /** Helidon's HTTP/1.1 connection; ends the guard when the connection ends. */
    private record Wrapped(ServerConnection delegate, GuardedConnection conn) implements ServerConnection, InterruptableTask<Void> {

        @Override
        public void handle(Limit limit) throws InterruptedException {
            try {
                delegate.handle(limit);
            } finally {
                conn.closed();
            }
        }

        @Override
        @SuppressWarnings("removal")
        public void handle(Semaphore requestSemaphore) throws InterruptedException {
            try {
                delegate.handle(requestSemaphore);
            } finally {
                conn.closed();
            }
        }

        @Override
        public Duration idleTime() {
            return delegate.idleTime();
        }

        @Override
        public void close(boolean interrupt) {
            delegate.close(interrupt);
        }

        @Override
        public boolean canInterrupt() {
            return delegate instanceof InterruptableTask<?> task && task.canInterrupt();
        }
    }

    private static Socket socketOf(ConnectionContext ctx) {
        if (HANDLER_SOCKET == null || !HANDLER_SOCKET.getDeclaringClass().isInstance(ctx)) {
            return null;
        }
        try {
            return (Socket) HANDLER_SOCKET.get(ctx);
        } catch (IllegalAccessException | RuntimeException e) {
            return null;
        }
    }

    private static Field field(String className, String name) {
        try {
            Field f = Class.forName(className).getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot reach Helidon's connection sockets (" + e + "): no request-head timeout,"
                    + " and no per-connection refusals");
            return null;
        }
    }
}
