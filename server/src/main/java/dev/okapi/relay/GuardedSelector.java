package dev.okapi.relay;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.ConnectionSocket;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.task.InterruptableTask;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

/**
 * The connection selector of one listener: HTTP/1.1 as Helidon's own selector serves it, each
 * connection wrapped in a {@link GuardedConnection}. The only selector on its listener, so that
 * Helidon does not read a byte before choosing one: it is called on the connection's own thread,
 * the one hook Helidon 4.3.0 has when a connection opens. Here a connection starts its head clock,
 * takes its share of the listener's count (refused when it takes the last slot), and is closed
 * with a one-line 400 when its first byte cannot begin an HTTP request ([HTTP-7]).
 */
final class GuardedSelector implements ServerConnectionSelector {

    private final ServerConnectionSelector http1;
    private final Edge edge;
    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();

    /**
     * @param maxConnections this listener's connection limit (Helidon's max-tcp-connections), or -1;
     *                       the connection that takes its last slot is refused with 503, so that
     *                       clients beyond the limit get an answer instead of a silent queue
     */
    GuardedSelector(ServerConnectionSelector http1, Edge edge, int maxConnections) {
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
        Socket socket = ConnectionSocket.of(ctx);
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

    /** A connection of this listener ended: its slot is free. */
    void release() {
        open.decrementAndGet();
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

    /** One of {@link ServerConnection}'s two ways to serve a connection. */
    private interface Handling {
        void run() throws InterruptedException;
    }

    /** Helidon's HTTP/1.1 connection; ends the guard when the connection ends. */
    private record Wrapped(ServerConnection delegate, GuardedConnection conn) implements ServerConnection, InterruptableTask<Void> {

        @Override
        public void handle(Limit limit) throws InterruptedException {
            closing(() -> delegate.handle(limit));
        }

        @Override
        @SuppressWarnings("removal")
        public void handle(Semaphore requestSemaphore) throws InterruptedException {
            closing(() -> delegate.handle(requestSemaphore));
        }

        /** Whichever of Helidon's two entries serves the connection, the guard ends with it. */
        private void closing(Handling handling) throws InterruptedException {
            try {
                handling.run();
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
}
