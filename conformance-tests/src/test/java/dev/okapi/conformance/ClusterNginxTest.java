package dev.okapi.conformance;

import java.util.List;

/** The same cluster cases behind nginx (deploy/nginx.conf) instead of HAProxy. */
final class ClusterNginxTest extends ClusterCases {

    @Override
    String balancer() {
        return "nginx";
    }

    @Override
    List<String> balancerFailures() {
        return List.of();
    }

    /**
     * nginx 1.22 has passive checks only: a refused connection marks the node failed for 2 s and
     * the request goes on to the next node of the ring at once, so there is nothing to wait for.
     */
    @Override
    void awaitNodeOut(int node) {
    }
}
