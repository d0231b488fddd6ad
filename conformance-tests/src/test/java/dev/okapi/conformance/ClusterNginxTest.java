package dev.okapi.conformance;

import java.util.List;

/** The same cluster cases behind nginx (deploy/nginx.conf) instead of HAProxy. */
final class ClusterNginxTest extends ClusterCases {

    @Override
    String balancer() {
        return "nginx";
    }

    /**
     * What nginx 1.22 itself does differently from the relay (docs/cluster.md, "nginx"):
     * it answers {@code Expect: 100-continue} with its own {@code 100 Continue} as soon as it reads
     * the body, before the relay has paired the producer (data/1/7, data/2/5, data/4/6); it sends
     * a small chunked upload that it has read whole with a {@code Content-Length}, so the consumer's
     * response is not chunked (data/6/5); in data/9/2 the suite's next request starts only once the
     * relay has answered the waiting producer (cause not pinned down; the pairing key is the same,
     * the relay's access log shows both on one node). It serves HTTP/1.0 clients itself, speaking
     * HTTP/1.1 to the relay, instead of refusing them (http/3/7, HTTP-10).
     * data/4/4: nginx keeps the relay-side connection of a waiting producer open after its client
     * left (it answered the 100 Continue itself and does not watch the client while it waits for
     * the relay's response), so the relay sees nobody leave; http/4/1 fails through nginx only
     * (cause not pinned down); data/8/9: nginx answers the refused producer's Expect: 100-continue
     * itself before the relay's 415.
     * data/5/5 and data/5/7: once the producer's response has started ([STATE:CONNECTED]), nginx's
     * proxy module stops sending the upload to the node the first time a write to the node would
     * block (ngx_http_upstream_send_request_handler: header_sent and no preserve_output), so a
     * stream whose consumer is slower than its producer stalls for good: data/5/5's paused consumer
     * always, data/5/7 when the suite's consumer falls behind under load. All pass against the relay
     * directly and through HAProxy.
     */
    @Override
    List<String> balancerFailures() {
        return List.of("data/1/7", "data/2/5", "data/4/4", "data/4/6", "data/5/5", "data/5/7", "data/6/5", "data/8/9", "data/9/2", "http/3/7", "http/4/1");
    }

    /**
     * nginx 1.22 has passive checks only: a refused connection marks the node failed for 2 s and
     * the request goes on to the next node of the ring at once, so there is nothing to wait for.
     */
    @Override
    void awaitNodeOut(int node) {
    }
}
