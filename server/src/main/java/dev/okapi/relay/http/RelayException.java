package dev.okapi.relay.http;

import java.nio.charset.StandardCharsets;

import dev.okapi.protocol.Wire;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * A request the relay refuses, with the status and the one-line reason the client gets.
 *
 * <p>Thrown anywhere before a response has started; the routing's error handler answers it as
 * {@code text/plain} without a stack trace, because these are the client's mistakes, not the relay's.
 */
public final class RelayException extends RuntimeException {

    private final int status;

    public RelayException(int status, String reason) {
        super(reason, null, false, false);
        this.status = status;
    }

    /** A 405 for a method the route does not take; {@code allow} lists those it does. */
    public static RelayException notAllowed(ServerResponse res, String allow, String reason) {
        res.header(HeaderNames.ALLOW, allow);
        return new RelayException(Wire.METHOD_NOT_ALLOWED, reason);
    }

    /** Answers the refused request: the status and the reason as one line of plain text. */
    public void answer(ServerRequest req, ServerResponse res) {
        res.status(status)
                .header(HeaderNames.CONTENT_TYPE, Wire.TEXT_PLAIN)
                .header(HeaderNames.CACHE_CONTROL, "no-store");
        Answers.send(req, res, (getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Answers with {@code Connection: close} and returns what closes the connection afterwards, for
     * a request whose connection cannot serve another: its body unread, or its watch still reading.
     */
    public CloseConnectionException answerAndClose(ServerRequest req, ServerResponse res) {
        try {
            res.header(HeaderValues.CONNECTION_CLOSE);
            answer(req, res);
        } catch (RuntimeException e) {
            // the client has gone already: nobody to answer, the connection closes all the same
        }
        return new CloseConnectionException("refused: " + getMessage());
    }
}
