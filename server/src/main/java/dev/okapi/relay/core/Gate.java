package dev.okapi.relay.core;

import dev.okapi.protocol.Wire;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * What the core asks of access control before a client may wait or stream. The core owns this
 * interface and access control implements it, so that the core knows nothing of tokens, stores or
 * quotas: it only learns whether a request may go on, and gets a {@link Pass} that carries the
 * per-holder limits.
 */
public interface Gate {

    /** Lets everything through, with no per-holder limits: a relay without access control. */
    Gate OPEN = (req, res, path, need, api) -> Pass.UNLIMITED;

    /**
     * Lets a validated request through, or throws the client's answer (401, 403 or 503) with any
     * headers it needs already set on {@code res}.
     */
    Pass admit(ServerRequest req, ServerResponse res, StreamPath path, Wire.Access need, Api api);

    /** Which API a request came through, for access control's own accounting. */
    enum Api {
        DATA, CONNECT
    }

    /** What one admitted request may use: its holder's share of the waiting room and of bandwidth. */
    interface Pass {

        Pass UNLIMITED = new Pass() {
        };

        /** Counts one more waiting request of this holder until the slot is closed; 503 if it has its most waiting. */
        default Slot waiting() {
            return () -> { };
        }

        /** Blocks until this holder may forward {@code bytes} more (a bandwidth cap). */
        default void pace(int bytes) throws InterruptedException {
        }

        /** Who holds the pass, for the transfer log (a token id, never a secret); "-" without one. */
        default String holder() {
            return "-";
        }
    }

    /** A place held in a count, given back by {@link #close()}. */
    @FunctionalInterface
    interface Slot extends AutoCloseable {
        @Override
        void close();
    }
}
