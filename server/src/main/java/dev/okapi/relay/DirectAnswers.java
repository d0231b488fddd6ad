package dev.okapi.relay;

import dev.okapi.protocol.Wire;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.ErrorHandling;
import io.helidon.webserver.http.DirectHandlers;

/**
 * Helidon's own answers, given before any route, each with one line that says what was wrong or
 * what to do: HTTP/1.0 (spec [HTTP-10]); a {@code Content-Encoding}, which Helidon 4.3.0 refuses
 * with a bare 400 where the spec wants 415 ([DATA-29]); a request it cannot parse (no {@code Host},
 * two of them, a malformed request line or header); and an error the relay did not foresee, whose
 * stack trace Helidon logs. Each closes its connection.
 *
 * <p>Helidon 4.3.0 hands these handlers its reason only when a listener's error handling includes
 * the entity ({@link #ERROR_HANDLING}); otherwise each would be an empty 400. A reason it marks as
 * unsafe (one that may echo the request) comes as "see server log", a log that has nothing at the
 * relay's level: that one gets a line of our own.
 */
final class DirectAnswers {

    /** For every listener: Helidon's reasons reach the handlers. */
    static final ErrorHandling ERROR_HANDLING = ErrorHandling.builder().includeEntity(true).build();

    private static final String HIDDEN = "Bad request, see server log for more information";
    private static final int MAX_REASON = 200;

    private DirectAnswers() {
    }

    static DirectHandlers handlers() {
        return DirectHandlers.builder()
                .addHandler(DirectHandler.EventType.HTTP_VERSION_NOT_SUPPORTED, (request, type, status, headers, message) ->
                        line(status, headers, "HTTP/1.0 is not supported: use HTTP/1.1 (behind nginx: proxy_http_version 1.1;)"))
                .addHandler(DirectHandler.EventType.BAD_REQUEST, (request, type, status, headers, message) ->
                        request.headers().contains(HeaderNames.CONTENT_ENCODING)
                                ? line(Status.UNSUPPORTED_MEDIA_TYPE_415, headers,
                                        "Content-Encoding is not supported: send the stream as it is (identity)")
                                : line(status, headers, reason(message)))
                .addHandler(DirectHandler.EventType.INTERNAL_ERROR, (request, type, status, headers, message) ->
                        line(status, headers, "internal error in the relay; its log has the details"))
                .build();
    }

    /**
     * Helidon's reason for a 400 as one line, or ours where it has none to give. Only its first line:
     * some reasons go on with a hex dump of the connection's buffer.
     */
    static String reason(String helidons) {
        String first = helidons == null || helidons.equals(HIDDEN) ? "" : helidons.strip().lines().findFirst().orElse("");
        first = first.replaceAll("\\p{Cntrl}+", " ").replaceAll("[:\\s]+$", "");
        if (first.isEmpty()) {
            return "malformed request: not HTTP/1.1 as RFC 9112 writes it (request line, headers or body framing)";
        }
        return first.length() > MAX_REASON ? first.substring(0, MAX_REASON) + "..." : first;
    }

    /** An answer of one line of text, after which the connection closes. */
    private static DirectHandler.TransportResponse line(Status status, ServerResponseHeaders headers, String text) {
        return DirectHandler.TransportResponse.builder()
                .status(status)
                .headers(headers)
                .header(HeaderNames.CONTENT_TYPE, Wire.TEXT_PLAIN)
                .header(HeaderNames.CACHE_CONTROL, "no-store")
                .header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff") // a reason may echo the request
                .entity(text + "\n")
                .keepAlive(false)
                .build();
    }
}
