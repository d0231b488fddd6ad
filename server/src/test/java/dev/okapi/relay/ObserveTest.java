package dev.okapi.relay;

import java.net.StandardSocketOptions;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

import dev.okapi.relay.core.Side;

/** Health, metrics, and the listener setting that keeps TCP window scaling on. */
@ExtendWith(SharedRelay.class)
class ObserveTest {

    private final TestRelay relay;

    ObserveTest(TestRelay relay) {
        this.relay = relay;
    }

    @Test
    void healthIsUp() throws Exception {
        HttpResponse<String> r = relay.get("/observe/health");
        assertThat(r.statusCode(), is(200));
        assertThat(r.body(), containsString("UP"));
    }

    @Test
    void metricsCountBytesAndOutcomes() throws Exception {
        double bytesBefore = relay.metric("okapi_bytes_relayed_total", "");
        double completedBefore = relay.metric("okapi_transfers_total", "outcome=\"completed\"");
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> producer = relay.http.sendAsync(HttpRequest.newBuilder(relay.uri("/data" + path))
                .PUT(HttpRequest.BodyPublishers.ofString("twelve bytes")).build(), HttpResponse.BodyHandlers.ofString());
        relay.awaitWaiting(Side.PRODUCER, 1);
        relay.get("/data" + path);
        producer.get();
        assertThat(relay.metric("okapi_bytes_relayed_total", "") - bytesBefore, is(12.0));
        assertThat(relay.metric("okapi_transfers_total", "outcome=\"completed\"") - completedBefore, is(1.0));
        String text = relay.get("/observe/metrics").body();
        for (String name : new String[] {"okapi_waiting", "okapi_connect_waiting", "okapi_transfers_active",
                "okapi_pairing_wait_seconds"}) {
            assertThat(text, containsString(name));
        }
    }

    /**
     * Helidon 4.3.0 forces SO_RCVBUF=4096 on the listener unless told otherwise, which caps
     * loopback throughput near 100 MB/s; bench/ measures the effect, this guards the setting.
     */
    @Test
    void listenerKeepsALargeReceiveBuffer() {
        Object rcvbuf = relay.server.prototype().listenerSocketOptions().get(StandardSocketOptions.SO_RCVBUF);
        assertThat((Integer) rcvbuf, greaterThanOrEqualTo(1024 * 1024));
    }
}
