package dev.okapi.client;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The status line and header fields of one HTTP/1.1 response.
 *
 * @param status  the status code
 * @param reason  the reason phrase, possibly empty
 * @param headers field values by lower-case field name, in arrival order
 */
record ResponseHead(int status, String reason, Map<String, List<String>> headers) {

    ResponseHead {
        headers = Map.copyOf(headers);
    }

    /** The first value of a field, if present. */
    Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** All values of a field, in arrival order. */
    List<String> headerValues(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /** An interim (1xx) response, such as {@code 100 Continue}. */
    boolean informational() {
        return status >= 100 && status < 200;
    }
}
