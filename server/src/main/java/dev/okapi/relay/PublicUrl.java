package dev.okapi.relay;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.RelayException;

import io.helidon.config.Config;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

/**
 * The relay's public base URL ({@code https://relay.example.org}, no trailing slash), as the
 * Connect API's Data URLs and the front page's examples use it: {@code relay.public-url} if
 * configured, or else what the client used to reach the relay.
 *
 * <p>Forwarded headers are taken as they come, because the URL only ever goes back to the client
 * that sent them; but they are validated, since that URL is written into text and HTML answers.
 * The core gets this as a function, so that it knows nothing of deployments and proxies.
 *
 * @param configured {@code relay.public-url} without a trailing slash, if set
 */
record PublicUrl(Optional<String> configured) {

    /** A Host value: a DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
    private static final Pattern HOST = Pattern.compile("([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+])(:[0-9]{1,5})?");

    /** @throws IllegalArgumentException if the configured URL is not an absolute http(s) URL with a host */
    PublicUrl {
        configured = configured.filter(s -> !s.isBlank()).map(PublicUrl::checked)
                .map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    }

    /**
     * A configured URL as clients will be sent it: a missing scheme or a typo would otherwise only
     * show when a client follows a Data URL such as {@code relay.example.org/data/a}.
     */
    private static String checked(String url) {
        try {
            URI u = new URI(url);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null && u.getRawUserInfo() == null
                    && u.getRawQuery() == null && u.getRawFragment() == null) {
                return url;
            }
        } catch (URISyntaxException e) {
            // refused below, with the rest
        }
        throw new IllegalArgumentException("relay.public-url must be an absolute http or https URL without a user, query or "
                + "fragment, such as https://relay.example.org, not '" + Settings.withoutCredentials(url) + "'");
    }

    static PublicUrl from(Config relay) {
        return new PublicUrl(relay.get("public-url").asString().asOptional());
    }

    /**
     * The base URL for {@code req}.
     *
     * @throws RelayException 400 for a missing or malformed Host, or a forwarded protocol other than http(s)
     */
    String of(ServerRequest req) {
        if (configured.isPresent()) {
            return configured.get();
        }
        String proto = req.headers().first(HeaderNames.X_FORWARDED_PROTO)
                .map(p -> p.split(",")[0].trim().toLowerCase(Locale.ROOT))
                .orElse(req.isSecure() ? "https" : "http");
        if (!proto.equals("http") && !proto.equals("https")) {
            throw new RelayException(Wire.BAD_REQUEST, "X-Forwarded-Proto must be http or https");
        }
        String host = req.headers().first(HeaderNames.X_FORWARDED_HOST)
                .map(h -> h.split(",")[0].trim())
                .or(() -> req.headers().first(HeaderNames.HOST))
                .orElseThrow(() -> new RelayException(Wire.BAD_REQUEST, "missing Host header"));
        if (!HOST.matcher(host).matches()) {
            throw new RelayException(Wire.BAD_REQUEST, "malformed Host header");
        }
        return proto + "://" + host;
    }
}
