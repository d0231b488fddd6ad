package dev.okapi.relay.access;

import java.util.Objects;
import java.util.Optional;

import io.helidon.security.AuthenticationResponse;
import io.helidon.security.Principal;
import io.helidon.security.ProviderRequest;
import io.helidon.security.spi.AuthenticationProvider;

/**
 * Helidon Security authentication of the Management API's bearer key ([MGMT-1]). The comparison
 * is of SHA-256 digests with {@link java.security.MessageDigest#isEqual}, so its time says
 * nothing about how much of a guess was right. An access token is never a management key.
 */
final class ManagementKeyAuthenticator implements AuthenticationProvider {

    static final String NAME = "okapi-management-key";
    static final String REFUSED = "management key required: send Authorization: Bearer KEY";

    private final String key;

    ManagementKeyAuthenticator(String key) {
        this.key = Objects.requireNonNull(key, "key required");
    }

    @Override
    public AuthenticationResponse authenticate(ProviderRequest request) {
        Optional<String> given = TokenAuthenticator.bearer(request.env().headers());
        if (given.isEmpty() || !Secrets.constantTimeEquals(given.get(), key)) {
            return TokenAuthenticator.failed(REFUSED);
        }
        return AuthenticationResponse.success(Principal.create("management"));
    }
}
