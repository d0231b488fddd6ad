package dev.okapi.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import dev.okapi.relay.http.ConnectionSocket;

import io.helidon.webserver.ConnectionContext;

/**
 * One accepted connection under the relay's edge rules: its request-head clock, the reason it is
 * refused (if it is), and its share of the per-address and per-listener counts.
 *
 * <p>Helidon 4.3.0 has no request-head timeout and no hook when a connection opens, so the relay
 * installs {@link GuardedSelector} as the only connection selector of every listener: Helidon calls
 * it on the connection's own thread before the first byte is read. From there:
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
 * Helidon keeps the socket in a private field, reached once per connection by
 * {@link ConnectionSocket}; without it (another Helidon version) the timer cannot close anything and
 * the relay runs without a head timeout.
 *
 * <p>This class is one connection's state (its clock, its refusal, its place in the counts); the
 * selector is where connections come in.
 */
final class GuardedConnection {

    private static final Logger LOG = Logger.getLogger(GuardedConnection.class.getName());

    private final Edge edge;
    private final ConnectionContext ctx;
    private final Socket socket;
    private final InetAddress address;
    private final GuardedSelector selector;
    private final Object lock = new Object();
    private ScheduledFuture<?> deadline; // guarded by lock: the head clock, null while no head is due
    private boolean noDelay;             // TCP_NODELAY as last set; requests on a connection come one at a time
    private volatile String refusal;     // why requests on this connection are refused, or null

    /** @param socket Helidon's socket ({@link ConnectionSocket#of}), or null: then no clock can close it */
    GuardedConnection(Edge edge, GuardedSelector selector, ConnectionContext ctx, Socket socket, InetAddress address) {
        this.edge = Objects.requireNonNull(edge, "edge required");
        this.selector = Objects.requireNonNull(selector, "selector required");
        this.ctx = Objects.requireNonNull(ctx, "ctx required");
        this.socket = socket;
        this.address = Objects.requireNonNull(address, "address required");
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

    /**
     * Turns Nagle's algorithm off for a producer's request and back on for any other: a producer's
     * response carries only control lines, and the success line and the terminating chunk are two
     * small writes, the second of which would otherwise wait for the client's delayed ACK (40 ms,
     * the 1 KiB benchmark's p99). A consumer's bulk writes keep Nagle, which coalesces them.
     */
    void controlChannel(boolean control) {
        if (socket == null || noDelay == control) {
            return; // unchanged since the connection's previous request: no system call
        }
        try {
            socket.setTcpNoDelay(control);
            noDelay = control;
        } catch (SocketException e) {
            // a closed socket: its connection is ending anyway
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

    /** The connection ended (or failed to start): no clock, and out of the counts. */
    void closed() {
        synchronized (lock) {
            cancel();
        }
        selector.release();
        edge.forget(this);
    }
}
