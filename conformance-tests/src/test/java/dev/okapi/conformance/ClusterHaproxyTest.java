package dev.okapi.conformance;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
     * Nothing: the whole suite runs through HAProxy. data/1/9 [DATA-4] runs since the relay holds
     * its {@code 200} head after a {@code 100 Continue} until the producer's next byte (HAProxy 2.6
     * read the two in one read and ended the response; docs/cluster.md, "HAProxy and Expect:
     * 100-continue"); data/5/5 and data/5/7 since the suite's --through-proxy sizes data/5/5's
     * stream beyond HAProxy's socket buffers and the nodes keep the default relay.drain-millis.
     */
    @Override
    List<String> balancerFailures() {
        return List.of();
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
        return opState(state, server).equals("0");
    }

    private static String opState(String state, String server) {
        return state.lines().map(l -> l.split(" ")).filter(f -> f.length > 5 && f[3].equals(server)).map(f -> f[5])
                .findFirst().orElse("?");
    }

    /**
     * A node that returns takes its paths back: a consumer that started waiting on another node
     * before the balancer took the node back does not meet a producer that now lands on the
     * returned node, but it is not held forever: it gets the wait limit's answer (3 s here), and a
     * retry pairs on the returned node.
     */
    @Test
    @Order(10) // after the kill: node 3 is down and killedPaths holds its paths
    void aReturningNodeTakesItsPathsBackAndWaitersElsewhereEndAtTheWaitLimit() throws Exception {
        assumeFalse(killedPaths.isEmpty(), "the kill case ran first");
        String path = killedPaths.getFirst();
        Tokens tokens = tokens("/kill");
        String write = tokens.write();
        String read = tokens.read();
        cluster.startNode(KILLED, NODE_OPTS); // healthy itself; HAProxy needs 2 good checks more
        CompletableFuture<Integer> early = CompletableFuture.supplyAsync(() -> status(() -> cluster.consumerStatus(cluster.url(), path, read)));
        assumeTrue(opState(cluster.haproxyState(), "relay" + KILLED).equals("0"),
                "the consumer reached the balancer before it took the node back (else this case proves nothing)");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!opState(cluster.haproxyState(), "relay" + KILLED).equals("2")) {
            assertTrue(System.nanoTime() < deadline, "HAProxy took relay" + KILLED + " back within 30 s:\n" + cluster.haproxyState());
            Thread.sleep(100); // polling HAProxy's own state: nothing to wait on
        }
        CompletableFuture<Integer> producer = CompletableFuture.supplyAsync(() -> status(() -> cluster.producerStatus(path, write)));
        int earlyStatus = early.get(60, TimeUnit.SECONDS);
        assertEquals(504, earlyStatus, "the consumer waiting on the fallback node gets the wait limit's answer, not the producer");
        assertEquals(504, (int) producer.get(60, TimeUnit.SECONDS), "the producer on the returned node did not meet it either");
        byte[] payload = payload(100_000, 14);
        RawStream.Result r = new RawStream(path, payload, payload.length, 0).run(cluster.port, write, read, new CountDownLatch(1));
        assertTrue(r.completed(), "a retry pairs on the returned node: " + r);
        assertTrue(cluster.nodeLog(KILLED).contains("transfer path=" + path + " "), "the returned node carried it");
    }

    /** The operator's command line works against PostgreSQL: its tokens work on every node, its revoke reaches all. */
    @Test
    @Order(3)
    void theOperatorCommandLineWorksAgainstTheSharedStore() throws Exception {
        String[] created = cluster.tokenCli("create", "--path", "/cli/a", "--mode", "write", "--expires", "1h", "--json");
        assertEquals("0", created[1], created[0]);
        String json = created[0].lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() -> new AssertionError(created[0]));
        String secret = Cluster.field(json, "token");
        for (int node = 1; node <= 3; node++) {
            assertEquals(403, cluster.consumerStatus(cluster.nodeUrl(node), "/cli/a", secret), "node " + node + " knows the token");
        }
        String[] revoked = cluster.tokenCli("revoke", Cluster.field(json, "token_id"));
        assertEquals("0", revoked[1], revoked[0]);
        for (int node = 1; node <= 3; node++) {
            assertEquals(401, cluster.consumerStatus(cluster.nodeUrl(node), "/cli/a", secret), "node " + node + " refuses it once revoke returned");
        }
    }

    /**
     * The database goes away while a stream runs: the stream completes, health says why, and new
     * requests get 503 with one line once the nodes' copies are older than the bound (5 s).
     */
    @Test
    @Order(20) // last: the database stays down
    void aDatabaseOutageLeavesRunningStreamsAloneAndRefusesNewRequestsWith503() throws Exception {
        Tokens tokens = tokens("/outage");
        String write = tokens.write();
        String read = tokens.read();
        byte[] payload = payload(1 << 20, 20);
        CountDownLatch receiving = new CountDownLatch(1);
        CompletableFuture<RawStream.Result> running = CompletableFuture.supplyAsync(() -> {
            try {
                return new RawStream("/outage/running", payload, 32 << 10, 100).run(cluster.port, write, read, receiving);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(receiving.await(60, TimeUnit.SECONDS), "the stream runs");
        cluster.stopDatabase();
        long stopped = System.nanoTime();
        // A write token on a consumer's GET: 403 while the node trusts its copy, 503 after.
        while (cluster.consumerStatus(cluster.nodeUrl(1), "/outage/x", write) != 503) {
            long millis = (System.nanoTime() - stopped) / 1_000_000;
            assertTrue(millis < BOUND_MILLIS + 5_000, "node 1 refuses with 503 within the bound; after " + millis + " ms it does not");
            Thread.sleep(100); // polling the node: the outage gives no signal to wait on
        }
        HttpResponse<String> refused = cluster.get(1, "/data/outage/y?accesstoken=" + read);
        assertEquals(503, refused.statusCode());
        assertEquals("token store unavailable: retry later\n", refused.body(), "one line, no stack trace");
        HttpResponse<String> health = cluster.get(1, "/observe/health");
        assertEquals(503, health.statusCode(), health.body());
        assertTrue(health.body().contains("token-store") && health.body().contains("PostgreSQL"), health.body());
        assertEquals(200, cluster.get(1, "/observe/health/live").statusCode(), "liveness stays up: the balancer keeps the node");
        RawStream.Result r = running.get(60, TimeUnit.SECONDS);
        assertTrue(r.completed(), "the running stream completed: " + r);
        String log = cluster.nodeLog(1) + cluster.nodeLog(2) + cluster.nodeLog(3);
        assertTrue(log.lines().anyMatch(l -> l.contains("SEVERE") && l.contains("unreachable")), "one clear log line");
        assertFalse(log.contains("\tat org.postgresql") || log.contains("\tat com.zaxxer"), "no stack trace in the nodes' logs");
    }

    private interface Call {
        int status() throws Exception;
    }

    private static int status(Call call) {
        try {
            return call.status();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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
        // Timed from the request: the delete answers once every live node refuses the token.
        long revoked = System.nanoTime();
        HttpResponse<String> deleted = cluster.mgmt(2, "/accesstoken.delete", HttpRequest.BodyPublishers.ofString("token_id=" + id));
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertEquals(401, cluster.consumerStatus(cluster.nodeUrl(2), "/shared/a", secret), "the revoking node refuses at once");
        for (int node = 1; node <= 3; node++) {
            while (cluster.consumerStatus(cluster.nodeUrl(node), "/shared/a", secret) != 401) {
                long millis = (System.nanoTime() - revoked) / 1_000_000;
                assertTrue(millis <= BOUND_MILLIS, "node " + node + " still accepts the revoked token after " + millis + " ms");
                Thread.sleep(50); // polling the node: the revocation gives no signal to wait on
            }
        }
        long millis = (System.nanoTime() - revoked) / 1_000_000;
        System.out.println("revocation refused by all 3 nodes " + millis + " ms after the delete request (bound " + BOUND_MILLIS + " ms)");
    }
}
