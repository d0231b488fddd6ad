package dev.okapi.relay.access;

import java.util.Objects;
import java.util.Optional;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.core.Gate;
import dev.okapi.relay.core.StreamPath;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Access control as the core sees it: the token check of {@link AccessControl} and the per-token
 * limits of {@link TokenQuota}, behind the core's own {@link Gate}.
 */
public final class AccessGate implements Gate {

    private final AccessControl access;
    private final TokenQuota quota;

    public AccessGate(AccessControl access, TokenQuota quota) {
        this.access = Objects.requireNonNull(access, "access required");
        this.quota = Objects.requireNonNull(quota, "quota required");
    }

    @Override
    public Pass admit(ServerRequest req, ServerResponse res, StreamPath path, Wire.Access need, Api api) {
        Optional<String> token = access.require(req, res, path, need,
                api == Api.CONNECT ? AuthMetrics.Api.CONNECT : AuthMetrics.Api.DATA);
        return new Pass() {
            @Override
            public Slot waiting() {
                return quota.enter(token)::close;
            }

            @Override
            public void pace(int bytes) throws InterruptedException {
                quota.pace(token, bytes);
            }

            @Override
            public String holder() {
                return token.orElse("-");
            }
        };
    }
}
