package dev.okapi.relay.access;

import dev.okapi.protocol.Wire.Access;
import dev.okapi.protocol.Wire;
import dev.okapi.relay.core.StreamPath;

import io.helidon.security.AuthorizationResponse;
import io.helidon.security.ProviderRequest;
import io.helidon.security.SecurityResponse.SecurityStatus;
import io.helidon.security.spi.AuthorizationProvider;

/**
 * Helidon Security authorisation of a stream request: the authenticated token must grant the
 * access the request needs ([AUTH-4]) on its stream path ([AUTH-5]). The resource is the
 * {@link Target} that {@link AccessControl} passes as the security request's object.
 */
final class ScopeAuthorizer implements AuthorizationProvider {

    static final String NAME = "okapi-scope";
    static final String OUT_OF_SCOPE = "access token not valid for this stream path";

    /**
     * What a request asks for.
     *
     * @param path the validated stream path
     * @param need read for consumers, write for producers
     */
    record Target(StreamPath path, Access need) {
    }

    @Override
    public AuthorizationResponse authorize(ProviderRequest request) {
        Target target = request.getObject().filter(Target.class::isInstance).map(Target.class::cast).orElse(null);
        Token token = request.subject().flatMap(s -> s.publicCredential(Token.class)).orElse(null);
        if (target == null || token == null) {
            return deny("no access token"); // not reachable through AccessControl: authentication comes first
        }
        if (token.access() != target.need()) {
            return deny("access token not valid for " + (target.need() == Access.WRITE ? "writing" : "reading"));
        }
        if (!token.covers(target.path().value())) {
            return deny(OUT_OF_SCOPE);
        }
        return AuthorizationResponse.permit();
    }

    private static AuthorizationResponse deny(String reason) {
        return AuthorizationResponse.builder()
                .status(SecurityStatus.FAILURE)
                .statusCode(Wire.FORBIDDEN)
                .description(reason)
                .build();
    }
}
