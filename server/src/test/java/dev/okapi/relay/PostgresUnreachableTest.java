package dev.okapi.relay;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import dev.okapi.relay.access.AuthConfig;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A relay whose PostgreSQL token store cannot be reached at start: it starts anyway, health says
 * why (readiness DOWN, liveness UP, so a balancer keeps it), and every request that needs the
 * store gets {@code 503} with one line, never a stack trace and never open access. The same
 * behaviour for an outage while running is covered through a real database in the cluster tests.
 * A relay of its own: that PostgreSQL store.
 */
class PostgresUnreachableTest {

    private static TestRelay relay;

    @BeforeAll
    static void start() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // nothing listens there once this is closed
        }
        relay = new TestRelay(Map.of("auth.store", "postgresql", "auth.jdbc-url", "jdbc:postgresql://127.0.0.1:" + closed + "/okapi",
                "auth.max-staleness-seconds", "1", "auth.management-key", "unreachable-test-key-0123"));
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static HttpResponse<String> get(String path, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(relay.uri(path)).GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return relay.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void streamRequestsGet503InOneLine() throws Exception {
        HttpResponse<String> r = get("/data/" + "any/path", "some-token-value");
        assertThat(r.statusCode(), is(503));
        assertThat(r.body(), is("token store unavailable: retry later\n"));
        // No token is still a 401: nothing needs the store to say so.
        assertThat(get("/data/any/path", null).statusCode(), is(401));
    }

    @Test
    void healthSaysWhyWhileLivenessStaysUp() throws Exception {
        HttpResponse<String> health = get("/observe/health", null);
        assertThat(health.statusCode(), is(503));
        assertThat(health.body(), containsString("token-store"));
        assertThat(health.body(), containsString("PostgreSQL"));
        assertThat(get("/observe/health/live", null).statusCode(), is(200));
    }

    @Test
    void theManagementApiGets503WithAJsonDetail() throws Exception {
        HttpResponse<String> r = get("/api/v0/accesstoken.list", "unreachable-test-key-0123");
        assertThat(r.statusCode(), is(503));
        assertThat(r.body(), containsString("\"detail\""));
        assertThat(r.body(), not(containsString("Exception")));
    }

    @Test
    void aMissingJdbcUrlIsAOneLineRefusal() {
        Config root = Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .sources(ConfigSources.create(Map.of("auth.store", "postgresql"))).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AuthConfig.from(root));
        assertThat(e.getMessage(), containsString("auth.jdbc-url"));
        Config wrong = Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .sources(ConfigSources.create(Map.of("auth.store", "mysql"))).build();
        assertThat(assertThrows(IllegalArgumentException.class, () -> AuthConfig.from(wrong)).getMessage(),
                is("auth.store must be file or postgresql, not mysql"));
    }
}
