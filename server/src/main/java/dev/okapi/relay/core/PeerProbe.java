package dev.okapi.relay.core;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.helidon.webserver.http.ServerRequest;

/**
 * Tells whether the client of a waiting consumer request has already gone.
 *
 * <p>A consumer parked on the Data API sends nothing more, so nobody reads its socket and its
 * departure goes unnoticed: a producer paired with it would write into a dead connection, the
 * kernel would take the first bytes, and the producer could even be told of success. A read with
 * a one-millisecond timeout answers the question: end of stream means gone, a timeout means
 * present. It is asked only of a consumer that waited, at the moment something else depends on
 * it (a producer pairing with it, or a second consumer finding the path taken).
 *
 * <p>Helidon 4.3.0 has no public way to reach a request's socket, so this one place reads it
 * through reflection on two private fields; if that ever fails (another Helidon version, a module
 * path), the probe says "present" and the relay behaves as it would without it.
 */
final class PeerProbe {

    private static final Logger LOG = Logger.getLogger(PeerProbe.class.getName());
    private static final Field REQUEST_CONTEXT = field("io.helidon.webserver.http1.Http1ServerRequest", "ctx");
    private static final Field CONTEXT_SOCKET = field("io.helidon.webserver.ConnectionHandler", "socket");

    private final Socket socket;

    private PeerProbe(Socket socket) {
        this.socket = socket;
    }

    /** A probe for the connection of {@code req}, or one that always answers "present". */
    static PeerProbe of(ServerRequest req) {
        return new PeerProbe(socketOf(req).orElse(null));
    }

    /**
     * Whether the client has closed its side. Must only be called while nobody else reads the
     * connection, i.e. while its request waits in the rendezvous.
     *
     * @return {@link State#GONE} on end of stream or a broken socket, {@link State#PRESENT} on a
     *         timeout, {@link State#SENT_MORE} if a byte of a next (pipelined) request was read,
     *         in which case the connection must be closed after this response
     */
    State state() {
        if (socket == null) {
            return State.PRESENT;
        }
        try {
            int old = socket.getSoTimeout();
            socket.setSoTimeout(1);
            try {
                return socket.getInputStream().read() < 0 ? State.GONE : State.SENT_MORE;
            } finally {
                socket.setSoTimeout(old);
            }
        } catch (SocketTimeoutException e) {
            return State.PRESENT;
        } catch (IOException e) {
            return State.GONE;
        }
    }

    /** What a probe found. */
    enum State {
        PRESENT, GONE, SENT_MORE
    }

    private static Optional<Socket> socketOf(ServerRequest req) {
        if (REQUEST_CONTEXT == null || CONTEXT_SOCKET == null || !REQUEST_CONTEXT.getDeclaringClass().isInstance(req)) {
            return Optional.empty();
        }
        try {
            Object ctx = REQUEST_CONTEXT.get(req);
            return CONTEXT_SOCKET.getDeclaringClass().isInstance(ctx)
                    ? Optional.of((Socket) CONTEXT_SOCKET.get(ctx))
                    : Optional.empty();
        } catch (IllegalAccessException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Field field(String className, String name) {
        try {
            Field f = Class.forName(className).getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot probe waiting consumers (" + e + "); a consumer that leaves while "
                    + "waiting is noticed only when written to");
            return null;
        }
    }
}
