package dev.okapi.relay.access;

import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.okapi.protocol.Wire;

import io.helidon.http.HeaderNames;
import io.helidon.security.AuthenticationResponse;
import io.helidon.security.Principal;
import io.helidon.security.ProviderRequest;
import io.helidon.security.SecurityResponse.SecurityStatus;
import io.helidon.security.Subject;
import io.helidon.security.spi.AuthenticationProvider;

/**
 * Helidon Security authentication of access tokens: the bearer token of the request's security
 * environment (an {@code accesstoken} query parameter is moved there by {@link AccessControl})
 * becomes a subject whose principal is the token's id and whose public credential is the
 * {@link Token}: its path scope and mode, which {@link ScopeAuthorizer} checks.
 *
 * <p>A failure says only "missing" or "unknown, expired or revoked", never which: the difference
 * would tell a guesser that a stolen token once worked.
 */
final class TokenAuthenticator implements AuthenticationProvider {

    static final String NAME = "okapi-token";
    static final String MISSING = "access token required: send Authorization: Bearer TOKEN or the accesstoken query parameter";
    static final String INVALID = "access token unknown, expired or revoked";

    private final TokenStore store;
    private final Clock clock;

    TokenAuthenticator(TokenStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store required");
        this.clock = Objects.requireNonNull(clock, "clock required");
    }

    @Override
    public AuthenticationResponse authenticate(ProviderRequest request) {
        Optional<String> secret = bearer(request.env().headers());
        if (secret.isEmpty()) {
            return failed(MISSING);
        }
        byte[] digest = Secrets.sha256(secret.get());
        Optional<Token> found;
        try {
            found = store.findByHash(digest);
        } catch (TokenStoreException e) {
            // Neither a yes nor a no: the client may retry; the store has logged why.
            return AuthenticationResponse.builder().status(SecurityStatus.FAILURE).statusCode(Wire.UNAVAILABLE)
                    .description(PostgresTokenStore.UNAVAILABLE).build();
        }
        Optional<Token> token = found
                // The map lookup found it by its hash; this re-check of the digest is constant-time.
                .filter(t -> MessageDigest.isEqual(HexFormat.of().parseHex(t.hash()), digest))
                .filter(t -> !t.expiredAt(clock.instant().getEpochSecond()));
        if (token.isEmpty()) {
            return failed(INVALID);
        }
        Subject subject = Subject.builder()
                .principal(Principal.create(token.get().id()))
                .addPublicCredential(Token.class, token.get())
                .build();
        return AuthenticationResponse.success(subject);
    }

    static AuthenticationResponse failed(String reason) {
        return AuthenticationResponse.builder()
                .status(SecurityStatus.FAILURE)
                .statusCode(Wire.UNAUTHORIZED)
                .responseHeader(HeaderNames.WWW_AUTHENTICATE.defaultCase(), Wire.BEARER + " realm=\"okapi\"")
                .description(reason)
                .build();
    }

    /** The token of an {@code Authorization: Bearer …} header, if there is one. */
    static Optional<String> bearer(Map<String, List<String>> headers) {
        for (Map.Entry<String, List<String>> h : headers.entrySet()) {
            if (h.getKey().equalsIgnoreCase(HeaderNames.AUTHORIZATION.defaultCase()) && !h.getValue().isEmpty()) {
                return bearer(h.getValue().getFirst());
            }
        }
        return Optional.empty();
    }

    /** The token of one {@code Authorization} value: scheme {@code Bearer} (any case), then the token. */
    static Optional<String> bearer(String authorization) {
        String v = authorization.strip();
        int sp = v.indexOf(' ');
        if (sp < 0 || !v.substring(0, sp).equalsIgnoreCase(Wire.BEARER)) {
            return Optional.empty();
        }
        String token = v.substring(sp + 1).strip();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }
}
