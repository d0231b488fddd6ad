package dev.okapi.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

import dev.okapi.protocol.Wire;

/**
 * The Connect API call both sides make first (protocol-spec/README.md, section 6): one long-held
 * {@code GET {connect-base}{path}?mode=…} that returns the Data API URL once the peer is present.
 *
 * <p>With a connect timeout of S seconds the relay is asked to wait S ({@code timeout=S}) and the
 * client itself gives up only at S + {@link #BACKSTOP}. The Python client does the opposite (asks
 * S + 1, fires first at S); letting the relay answer first means the relay has removed this
 * waiter when the client gives up, so no abandoned waiter can make a peer believe for a moment
 * that someone is there. The client's own timer remains for a relay that ignores {@code timeout}.
 */
final class ConnectApi {

    /** How much longer than the relay the client waits for a Connect answer. */
    static final Duration BACKSTOP = Duration.ofSeconds(2);
    private static final int MAX_URL_BYTES = 8192;

    private ConnectApi() {
    }

    /**
     * Waits until the peer that {@code mode} awaits is present on the stream path.
     *
     * @return the absolute Data API URL to PUT or GET
     * @throws ConnectTimeoutException if the relay answers 504 or the client's own limit passes
     * @throws AuthenticationException on 401 / 403
     */
    static URI awaitPeer(ZebraStream stream, Wire.Mode mode) throws IOException {
        StringBuilder query = new StringBuilder().append(Wire.PARAM_MODE).append('=').append(mode.word());
        stream.connectTimeout().ifPresent(t -> query.append('&').append(Wire.PARAM_TIMEOUT).append('=').append(t.toSeconds()));
        URI url = URI.create(stream.connectUrl() + stream.path() + "?" + query);
        String what = "Connect API GET " + url.getRawPath() + "?" + url.getRawQuery();

        try (HttpConnection connection = HttpConnection.open(url, stream.sslContext().orElse(null))) {
            connection.sendHead("GET", url, stream.requestFields());
            connection.readTimeout(stream.connectTimeout().map(t -> t.plus(BACKSTOP)).orElse(Duration.ZERO));
            ResponseHead head;
            try {
                head = connection.readFinalHead();
            } catch (SocketTimeoutException e) {
                throw new ConnectTimeoutException("no " + peer(mode) + " arrived on " + stream.path() + " within "
                        + stream.connectTimeout().orElseThrow().toSeconds() + " s (" + what + ")", e);
            }
            if (head.status() != Wire.OK) {
                String detail = connection.readErrorText(head, 2048);
                if (head.status() == Wire.NOT_FOUND && !stream.connectUrl().endsWith(Wire.CONNECT_PREFIX)) {
                    detail = (detail.isEmpty() ? "" : detail + "; ") + "is the Connect URL " + stream.connectUrl()
                            + " complete? It usually ends in " + Wire.CONNECT_PREFIX + ", e.g. "
                            + URI.create(stream.connectUrl()).resolve(Wire.CONNECT_PREFIX);
                }
                throw Refusals.of(head.status(), detail, what);
            }
            connection.readTimeout(Duration.ofSeconds(30)); // the answer is one short line, sent at once
            InputStream body = connection.body(head);
            byte[] bytes = body.readNBytes(MAX_URL_BYTES + 1);
            if (bytes.length > MAX_URL_BYTES) {
                throw new ProtocolViolationException(what + " answered with a body longer than a URL");
            }
            return dataUrl(new String(bytes, StandardCharsets.UTF_8).strip(), what);
        }
    }

    private static URI dataUrl(String text, String what) throws ProtocolViolationException {
        try {
            URI url = new URI(text);
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && url.getHost() != null) {
                return url;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new ProtocolViolationException(what + " answered '" + (text.length() > 80 ? text.substring(0, 80) + "…" : text)
                + "', which is not an absolute http(s) Data API URL");
    }

    private static String peer(Wire.Mode mode) {
        return mode == Wire.Mode.AWAIT_READER ? "reader" : "writer";
    }
}
