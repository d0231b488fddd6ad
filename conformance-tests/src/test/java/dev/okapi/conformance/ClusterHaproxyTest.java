package dev.okapi.conformance;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster behind HAProxy (deploy/haproxy.cfg), and what the nodes share through PostgreSQL:
 * a token made through one node works on every node, and one revoked through a node is refused by
 * all within the documented bound (auth.max-staleness-seconds, 5 s).
 */
final class ClusterHaproxyTest extends ClusterCases {

    /** The documented bound on a revocation reaching every node. */
    private static final long BOUND_MILLIS = 5_000;

    @Override
    String balancer() {
        return "haproxy";
    }

    /**
     * data/1/9 [DATA-4]: HAProxy 2.6.12 ends the response of a request with {@code Expect:
     * 100-continue} right after the first chunk when the relay's {@code 100 Continue} and its
     * {@code 200} head arrive before the request body (a paired producer): the producer reads
     * {@code [STATE:CONNECTED]}, then a terminating chunk, and never its success line, although
     * the transfer completes. See docs/cluster.md ("HAProxy and Expect: 100-continue").
     */
    @Override
    List<String> balancerFailures() {
        return List.of("data/1/9");
    }

    /** HAProxy's health checks (1 s, 2 failures) take the node out; its stats socket says when. */
    @Override
    void awaitNodeOut(int node) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!downIn(cluster.haproxyState(), "relay" + node)) {
            assertTrue(System.nanoTime() < deadline, "HAProxy marked relay" + node + " down within 30 s:\n" + cluster.haproxyState());
            Thread.sleep(100); // polling HAProxy's own state: nothing to wait on
        }
    }

    /** Whether {@code show servers state} gives the server operational state 0 (stopped). */
    private static boolean downIn(String state, String server) {
        return state.lines().map(l -> l.split(" ")).anyMatch(f -> f.length > 5 && f[3].equals(server) && f[5].equals("0"));
    }

    @Test
    @Order(2)
    void aTokenWorksOnEveryNodeAndItsRevocationReachesAllWithinTheBound() throws Exception {
        HttpResponse<String> created = cluster.mgmt(1, "/accesstoken.create", HttpRequest.BodyPublishers.ofString(
                "path=/shared/a&access_mode=write&expires=" + (System.currentTimeMillis() / 1000 + 3600)));
        assertEquals(200, created.statusCode(), created.body());
        String secret = Cluster.field(created.body(), "token");
        String id = Cluster.field(created.body(), "token_id");
        // A write token on a consumer's GET: 403 (wrong mode) proves the node knows the token, at once.
        for (int node = 1; node <= 3; node++) {
            assertEquals(403, cluster.consumerStatus(cluster.nodeUrl(node), "/shared/a", secret), "node " + node + " knows the token");
        }
        HttpResponse<String> deleted = cluster.mgmt(2, "/accesstoken.delete", HttpRequest.BodyPublishers.ofString("token_id=" + id));
        assertEquals(200, deleted.statusCode(), deleted.body());
        long revoked = System.nanoTime();
        assertEquals(401, cluster.consumerStatus(cluster.nodeUrl(2), "/shared/a", secret), "the revoking node refuses at once");
        for (int node = 1; node <= 3; node++) {
            while (cluster.consumerStatus(cluster.nodeUrl(node), "/shared/a", secret) != 401) {
                long millis = (System.nanoTime() - revoked) / 1_000_000;
                assertTrue(millis <= BOUND_MILLIS, "node " + node + " still accepts the revoked token after " + millis + " ms");
                Thread.sleep(50); // polling the node: the revocation gives no signal to wait on
            }
        }
        long millis = (System.nanoTime() - revoked) / 1_000_000;
        System.out.println("revocation refused by all 3 nodes after " + millis + " ms (bound " + BOUND_MILLIS + " ms)");
    }
}
