package dev.okapi.relay;

import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.Target;

import io.helidon.common.socket.PeerInfo;
import io.helidon.security.SecurityContext;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * The access log: one line per request once it has ended (a stream's line comes at the end of
 * the stream), on the logger {@code dev.okapi.relay.AccessLog} at {@code INFO}, to be turned off
 * with {@code dev.okapi.relay.AccessLog.level=OFF} in the logging configuration ({@code /observe/*}
 * requests at {@code FINE}); {@code bytes} is what the response wrote, its head included, and
 * {@code status} 499 for a request that got no answer at all (see {@link RequestMetrics#status}):
 *
 * <pre>access client=192.0.2.7:50412 method=GET path=/data/a/b status=200 bytes=1048576 millis=5023 token=key_…</pre>
 *
 * <p>Never the query: a token may be sent as {@code ?accesstoken=}, so only the raw path is
 * written; and for the token only its id ({@code -} in open mode or when none was accepted),
 * which access control puts into the request's context.
 */
final class AccessLog implements Filter {

    private static final Logger LOG = Logger.getLogger(AccessLog.class.getName());

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        // Health probes and metric scrapes come every few seconds: FINE, not to drown the rest.
        String path = Target.rawPath(req);
        Level level = path.startsWith(Wire.OBSERVE_PREFIX + "/") ? Level.FINE : Level.INFO;
        if (!LOG.isLoggable(level)) {
            chain.proceed();
            return;
        }
        long start = System.nanoTime();
        try {
            chain.proceed();
        } finally {
            LOG.log(level, line(req.remotePeer(), req.prologue().method().text(), path,
                    RequestMetrics.status(res), res.bytesWritten(), (System.nanoTime() - start) / 1_000_000,
                    req.context().get(SecurityContext.class).flatMap(SecurityContext::user)
                            .map(s -> s.principal().getName()).orElse("-")));
        }
    }

    static String line(PeerInfo peer, String method, String path, int status, long bytes, long millis, String token) {
        return String.format(Locale.ROOT, "access client=%s method=%s path=%s status=%d bytes=%d millis=%d token=%s",
                peer.host() + ":" + peer.port(), method, path, status, bytes, millis, token);
    }
}
