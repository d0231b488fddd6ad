package dev.okapi.relay.http;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The pinned Helidon version still keeps a connection's socket where {@link ConnectionSocket}
 * reaches it. In production a miss is a warning and a fallback (no head clock, Helidon's 8 KiB
 * reads); here it must fail the build.
 */
class ConnectionSocketTest {

    @Test
    void helidonsConnectionSocketsAreReachable() {
        assertThat(ConnectionSocket.reachable(), is(true));
    }
}
