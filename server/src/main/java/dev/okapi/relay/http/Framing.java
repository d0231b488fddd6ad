package dev.okapi.relay.http;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.okapi.protocol.Wire;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;

/**
 * The body framing a request may carry, on every route ([HTTP-13]; RFC 9112 sections 6.1 and 6.3).
 * Helidon 4.3.0 frames a body by chunks only when {@code Transfer-Encoding} is exactly
 * {@code chunked}, and reads any other value as no body at all: a producer's stream would reach
 * its consumer empty, with success to the producer, and the body's bytes would be parsed as the
 * connection's next request (request smuggling behind a proxy that frames them by chunks). What
 * Helidon would misread, and what could make the relay and a client disagree on where a request
 * ends, is refused before routing, and the connection closed after the answer.
 */
public final class Framing {

    /** A Content-Length value: up to 18 digits, so that it fits a long. */
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");

    /** Why a request's framing is refused: its status ({@code 400} or {@code 501}) and one line. */
    public record Refusal(int status, String reason) {
    }

    private Framing() {
    }

    /** The refusal of a request head whose framing the relay will not read, if it is one. */
    public static Optional<Refusal> refusal(Headers headers) {
        List<String> lengths = headers.values(HeaderNames.CONTENT_LENGTH);
        if (lengths.size() > 1 || lengths.stream().anyMatch(v -> !DIGITS.matcher(v).matches())) {
            return Optional.of(new Refusal(Wire.BAD_REQUEST, "malformed Content-Length"));
        }
        if (!headers.contains(HeaderNames.TRANSFER_ENCODING)) {
            return Optional.empty();
        }
        if (!lengths.isEmpty()) {
            return Optional.of(new Refusal(Wire.BAD_REQUEST, "Content-Length and Transfer-Encoding must not come together"));
        }
        List<String> fields = headers.values(HeaderNames.TRANSFER_ENCODING);
        if (fields.equals(List.of("chunked"))) {
            return Optional.empty(); // the one spelling Helidon frames by chunks
        }
        List<String> codings = fields.stream()
                .flatMap(v -> Arrays.stream(v.split(",", -1))).map(c -> c.strip().toLowerCase(Locale.ROOT)).toList();
        // RFC 9112: a body whose last coding is not chunked, once, has no knowable end (400); any
        // other list, or another spelling of chunked, is a coding this relay does not implement (501).
        return codings.indexOf("chunked") == codings.size() - 1
                ? Optional.of(new Refusal(Wire.NOT_IMPLEMENTED,
                        "Transfer-Encoding other than chunked is not supported: send Transfer-Encoding: chunked alone, or Content-Length"))
                : Optional.of(new Refusal(Wire.BAD_REQUEST, "malformed Transfer-Encoding: chunked must be its last coding, once"));
    }
}
