package dev.okapi.relay.http;

import java.util.Locale;

import io.helidon.webserver.http.ServerRequest;

/**
 * A request's path as written, for every route. A server must accept a target in absolute-form,
 * {@code GET http://host/data/a} (RFC 9112 section 3.2.2); Helidon 4.3.0 routes it by its path but
 * keeps the scheme and authority in the raw path, where a stream path or an endpoint would not be
 * found.
 */
public final class Target {

    private Target() {
    }

    /** The raw (undecoded) path of {@code req}'s target, without the scheme and authority of an absolute-form. */
    public static String rawPath(ServerRequest req) {
        String raw = req.prologue().uriPath().rawPath();
        String lower = raw.toLowerCase(Locale.ROOT);
        if (raw.startsWith("/") || !(lower.startsWith("http://") || lower.startsWith("https://"))) {
            return raw;
        }
        int path = raw.indexOf('/', raw.indexOf("://") + 3);
        return path < 0 ? "/" : raw.substring(path);
    }
}
