package dev.okapi.conformance;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A response head as it came off the wire: status line and header fields in order, names as
 * sent (lookups ignore case, as HTTP does).
 *
 * @param version   e.g. {@code HTTP/1.1}
 * @param status    the status code
 * @param reason    the reason phrase, possibly empty
 * @param headers   the header fields in order
 */
record Head(String version, int status, String reason, List<Map.Entry<String, String>> headers) {

    Head {
        Objects.requireNonNull(version, "version required");
        Objects.requireNonNull(reason, "reason required");
        headers = List.copyOf(headers);
    }

    /** The first value of a header field. */
    Optional<String> first(String name) {
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return Optional.of(h.getValue());
            }
        }
        return Optional.empty();
    }

    /** Every value of a header field, in order. */
    List<String> all(String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }

    boolean has(String name) {
        return first(name).isPresent();
    }

    /** Whether the body is chunked ({@code Transfer-Encoding} ends in {@code chunked}). */
    boolean chunked() {
        return first("Transfer-Encoding").map(v -> v.toLowerCase(Locale.ROOT).strip().endsWith("chunked")).orElse(false);
    }

    /** The media type of {@code Content-Type} without parameters, lower case. */
    Optional<String> mediaType() {
        return first("Content-Type").map(v -> v.split(";", 2)[0].strip().toLowerCase(Locale.ROOT));
    }

    /** The status line and headers, for failure messages. */
    String describe() {
        StringBuilder sb = new StringBuilder(version).append(' ').append(status).append(' ').append(reason);
        for (Map.Entry<String, String> h : headers) {
            if (!h.getKey().equalsIgnoreCase("Date")) {
                sb.append(" | ").append(h.getKey()).append(": ").append(Text.clip(h.getValue(), 120));
            }
        }
        return sb.toString();
    }
}
