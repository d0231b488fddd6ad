package dev.okapi.relay.http;

import java.lang.reflect.Field;
import java.net.Socket;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.helidon.webserver.ConnectionContext;

/**
 * The socket under a Helidon 4.3.0 connection: the relay's one reach into Helidon's private fields
 * ({@code ConnectionHandler.socket}, an {@code SSLSocket} under TLS). The edge needs it for its
 * head clock and TCP_NODELAY on producers' connections, {@link DirectBody} to read an upload itself
 * (a large one without Helidon's 8 KiB reads; a short one begun before pairing and not yet whole);
 * Helidon offers neither. If another Helidon version moves the field, this says so once, as a
 * warning, and both fall back (no head clock; Helidon's reads), and {@code ConnectionSocketTest}
 * fails on the pinned version.
 */
public final class ConnectionSocket {

    private static final Logger LOG = Logger.getLogger(ConnectionSocket.class.getName());
    private static final Field SOCKET = field();

    private ConnectionSocket() {
    }

    /** Whether sockets can be reached on this Helidon version. */
    public static boolean reachable() {
        return SOCKET != null;
    }

    /** The socket of {@code ctx}, or null if it cannot be reached. */
    public static Socket of(ConnectionContext ctx) {
        Objects.requireNonNull(ctx, "ctx required");
        if (SOCKET == null || !SOCKET.getDeclaringClass().isInstance(ctx)) {
            return null;
        }
        try {
            return (Socket) SOCKET.get(ctx);
        } catch (IllegalAccessException | RuntimeException e) {
            return null;
        }
    }

    private static Field field() {
        try {
            Field f = Class.forName("io.helidon.webserver.ConnectionHandler").getDeclaredField("socket");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot reach Helidon's connection sockets (" + e + "): no request-head timeout,"
                    + " no TCP_NODELAY for producers, and large uploads are read through Helidon's 8 KiB reads");
            return null;
        }
    }
}
