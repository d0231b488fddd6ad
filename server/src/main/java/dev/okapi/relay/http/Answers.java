package dev.okapi.relay.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * An answer's body as HTTP wants it sent. Helidon 4.3.0 sends a body to a {@code HEAD} request
 * too, where RFC 9110 (9.3.2) allows none: a client that keeps the connection reads that body as
 * the start of its next answer.
 */
public final class Answers {

    private Answers() {
    }

    /** Sends {@code body}; to a {@code HEAD}, only its length. */
    public static void send(ServerRequest req, ServerResponse res, byte[] body) {
        if (req.prologue().method() == Method.HEAD) {
            res.header(HeaderNames.CONTENT_LENGTH, Integer.toString(body.length)).send();
        } else {
            res.send(body);
        }
    }
}
