package dev.okapi.relay.access;

import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire;
import dev.okapi.protocol.Wire.Access;
import dev.okapi.relay.core.StreamPath;
import dev.okapi.relay.http.RelayException;
import dev.okapi.relay.http.Target;

import io.helidon.http.HeaderNames;
import io.helidon.security.AuthenticationResponse;
import io.helidon.security.AuthorizationResponse;
import io.helidon.security.Security;
import io.helidon.security.SecurityContext;
import io.helidon.security.SecurityEnvironment;
import io.helidon.security.SecurityResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Who may do what: token mode or open mode (spec section 7), decided once at start, and the check
 * that the Connect and Data APIs make once they have validated a request and before it waits.
 *
 * <p>The decisions are Helidon Security's: {@link TokenAuthenticator} turns the bearer token into
 * a subject carrying its scope, {@link ScopeAuthorizer} checks the scope against the request, and
 * {@link ManagementKeyAuthenticator} checks the Management API's key; Security's audit (the
 * {@code AUDIT} logger, at {@code FINER}) records each one, and {@link AuthMetrics} counts them.
 * The check runs inside the services rather than as the webserver integration's
 * {@code SecurityHandler} on the routes, for three reasons: that handler answers {@code 401} and
 * {@code 403} with an empty body (the spec wants one line, [HTTP-4]); as a route in front of the
 * service it would answer before the service's own {@code 400} checks (the spec's precedence is
 * {@code 400} first, section 10); and its context filter puts the whole request URI, a query
 * token included, into the security environment that the audit log prints. Here the environment
 * holds the stream path and the token as an {@code Authorization} header only. None of this
 * touches the request body, so {@code 100 Continue} and full duplex are as without it.
 */
public final class AccessControl {

    private static final Logger LOG = Logger.getLogger(AccessControl.class.getName());

    private final boolean open;
    private final Security security;
    private final AuthMetrics metrics = new AuthMetrics();
    private final AtomicLong contexts = new AtomicLong();

    private AccessControl(boolean open, Security security) {
        this.open = open;
        this.security = security;
    }

    /**
     * Decides the mode. In {@code auto} mode, a relay with no management key and no token starts
     * open only when every listener is on a loopback address; bound elsewhere it refuses to start.
     *
     * @throws StartupRefusedException when open mode would expose the relay
     */
    public static AccessControl create(AuthConfig config, List<String> hosts, TokenStore store, Clock clock) {
        List<String> exposed = hosts.stream().filter(h -> !AuthConfig.isLoopback(h)).toList();
        boolean open = switch (config.mode()) {
            case OPEN -> true;
            case TOKEN -> false;
            // A shared store means several nodes: never open by accident (nor a database query here).
            case AUTO -> config.managementKey().isEmpty() && config.store() == AuthConfig.Store.FILE && store.isEmpty();
        };
        if (open && config.mode() == AuthConfig.Mode.AUTO && !exposed.isEmpty()) {
            throw new StartupRefusedException("refusing to start in open mode on " + String.join(", ", exposed)
                    + ": no management key and no token, so anyone who can reach the relay could write and read every"
                    + " stream. Set auth.management-key (or AUTH_MANAGEMENT_KEY), or auth.mode=token and create tokens with"
                    + " the 'token create' command, or bind server.host to 127.0.0.1, or set auth.mode=open if you mean it.");
        }
        if (open) {
            LOG.warning("OPEN MODE: access tokens are neither required nor checked; anyone who can reach "
                    + String.join(", ", hosts) + " can write and read every stream"
                    + (config.mode() == AuthConfig.Mode.AUTO ? " (no management key and no token: set auth.management-key"
                    + " or create a token with 'token create', then restart, for token mode)" : " (auth.mode=open)"));
        } else {
            // Said at every start: a relay in token mode with no way shown to get a token looks broken.
            // The command as this installation runs it: the image sets OKAPI_COMMAND (no bin/okapi there).
            String howTo = System.getenv().getOrDefault("OKAPI_COMMAND", "bin/okapi")
                    + " token create --path /demo --mode write (and --mode read for the reader; store "
                    + config.postgres().map(PostgresSettings::where).orElse(config.dataDir().toAbsolutePath().normalize().toString()) + ")"
                    + (config.managementKey().isPresent() ? ", or POST " + Wire.API_PREFIX + Wire.MGMT_CREATE : "");
            LOG.info("token mode: every Connect and Data request needs an access token"
                    + (config.managementKey().isPresent() ? "; Management API at " + Wire.API_PREFIX
                    : "; no Management API (no auth.management-key)")
                    + (store.isEmpty() ? "; there is no token yet, create the first with: " : "; create tokens with: ") + howTo);
        }
        Security.Builder b = Security.builder().disableTracing()
                .addAuthenticationProvider(new TokenAuthenticator(store, clock), TokenAuthenticator.NAME)
                .addAuthorizationProvider(new ScopeAuthorizer(), ScopeAuthorizer.NAME);
        config.managementKey().ifPresent(k -> b.addAuthenticationProvider(new ManagementKeyAuthenticator(k),
                ManagementKeyAuthenticator.NAME));
        return new AccessControl(open, b.build());
    }

    public boolean isOpen() {
        return open;
    }

    /**
     * Lets a validated Connect or Data request through, or refuses it: {@code 401} with
     * {@code WWW-Authenticate: Bearer} for no token or an unknown, expired or revoked one,
     * {@code 403} for a token of the wrong mode or scope. Open mode lets everything through.
     *
     * @return the id of the token that was let through; empty in open mode
     * @throws RelayException the refusal, to be answered as one line
     */
    public Optional<String> require(ServerRequest req, ServerResponse res, StreamPath path, Access need, AuthMetrics.Api api) {
        if (open) {
            return Optional.empty();
        }
        Optional<String> token = req.headers().first(HeaderNames.AUTHORIZATION).flatMap(TokenAuthenticator::bearer)
                .or(() -> req.query().first(Wire.PARAM_ACCESS_TOKEN).asOptional().filter(t -> !t.isEmpty()));
        String prefix = api == AuthMetrics.Api.CONNECT ? Wire.CONNECT_PREFIX : Wire.DATA_PREFIX;
        SecurityContext ctx = context(req, prefix + path.value(), token);
        AuthenticationResponse atn = ctx.atnClientBuilder().explicitProvider(TokenAuthenticator.NAME).submit();
        if (!atn.status().isSuccess() && atn.statusCode().orElse(0) == Wire.UNAVAILABLE) {
            throw new RelayException(Wire.UNAVAILABLE, atn.description().orElse(PostgresTokenStore.UNAVAILABLE));
        }
        if (!atn.status().isSuccess()) {
            String reason = atn.description().orElse(TokenAuthenticator.INVALID);
            metrics.count(api, reason.equals(TokenAuthenticator.MISSING) ? AuthMetrics.Reason.MISSING : AuthMetrics.Reason.INVALID);
            refused(req, Wire.UNAUTHORIZED, prefix + path.value(), "-", reason);
            headers(res, atn);
            throw new RelayException(Wire.UNAUTHORIZED, reason);
        }
        AuthorizationResponse atz = ctx.atzClientBuilder().explicitProvider(ScopeAuthorizer.NAME)
                .object(new ScopeAuthorizer.Target(path, need)).submit();
        if (!atz.isPermitted()) {
            String reason = atz.description().orElse(ScopeAuthorizer.OUT_OF_SCOPE);
            metrics.count(api, reason.equals(ScopeAuthorizer.OUT_OF_SCOPE) ? AuthMetrics.Reason.OUT_OF_SCOPE
                    : AuthMetrics.Reason.WRONG_MODE);
            refused(req, Wire.FORBIDDEN, prefix + path.value(), ctx.user().map(s -> s.principal().getName()).orElse("-"), reason);
            throw new RelayException(Wire.FORBIDDEN, reason);
        }
        metrics.count(api, AuthMetrics.Reason.GRANTED);
        req.context().register(ctx); // the subject (token id, never the secret) for whoever handles it next
        return ctx.user().map(subject -> subject.principal().getName());
    }

    /** The refusal's log line: who (client address, token id if known) was refused what, and why. */
    private static void refused(ServerRequest req, int status, String target, String tokenId, String reason) {
        LOG.info(() -> "refused status=" + status + " client=" + req.remotePeer().host() + ":" + req.remotePeer().port()
                + " target=" + target + " token=" + tokenId + " reason=" + reason);
    }

    /**
     * Whether a Management API request carries the management key; if not, the {@code 401}
     * headers are set on {@code res} and the reason is returned for the caller's JSON answer.
     */
    public Optional<String> refuseManagement(ServerRequest req, ServerResponse res) {
        Optional<String> key = req.headers().first(HeaderNames.AUTHORIZATION).flatMap(TokenAuthenticator::bearer);
        SecurityContext ctx = context(req, Target.rawPath(req), key);
        AuthenticationResponse atn = ctx.atnClientBuilder().explicitProvider(ManagementKeyAuthenticator.NAME).submit();
        if (atn.status().isSuccess()) {
            metrics.count(AuthMetrics.Api.MANAGEMENT, AuthMetrics.Reason.GRANTED);
            return Optional.empty();
        }
        metrics.count(AuthMetrics.Api.MANAGEMENT, key.isEmpty() ? AuthMetrics.Reason.MISSING : AuthMetrics.Reason.INVALID);
        headers(res, atn);
        return Optional.of(ManagementKeyAuthenticator.REFUSED);
    }

    /**
     * A security context for one request. Its environment has the path without the query and the
     * token only as an {@code Authorization} header: what the audit log may print holds no secret.
     */
    private SecurityContext context(ServerRequest req, String targetPath, Optional<String> token) {
        SecurityEnvironment.Builder env = security.environmentBuilder()
                .method(req.prologue().method().text())
                .transport(req.isSecure() ? "https" : "http")
                .path(targetPath)
                .targetUri(URI.create(targetPath));
        token.ifPresent(t -> env.header(HeaderNames.AUTHORIZATION.defaultCase(), Wire.BEARER + " " + t));
        return security.contextBuilder(Long.toString(contexts.incrementAndGet())).env(env.build()).build();
    }

    private static void headers(ServerResponse res, SecurityResponse response) {
        for (Map.Entry<String, List<String>> h : response.responseHeaders().entrySet()) {
            res.header(h.getKey(), h.getValue().toArray(String[]::new));
        }
    }
}
