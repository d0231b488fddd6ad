package dev.okapi.relay;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import dev.okapi.relay.core.Side;

/**
 * A {@code Content-Length} body that a producer sends while it still waits, as curl does with a file
 * after one second without {@code 100 Continue}: its watch reads on past it, so the producer's
 * departure is still seen; once paired, what it sent is forwarded at once, and its connection is
 * kept for a next request when the whole body had come.
 */
@ExtendWith(SharedRelay.class)
class EarlyBodyTest {

    private final TestRelay relay;

    EarlyBodyTest(TestRelay relay) {
        this.relay = relay;
    }

    private RawHttp waitingProducer(String path, int length, String early) throws Exception {
        RawHttp producer = new RawHttp(relay.port());
        producer.head("PUT", "/data" + path, "Content-Length: " + length);
        producer.out.write(early.getBytes(StandardCharsets.US_ASCII));
        producer.out.flush();
        relay.awaitWaiting(Side.PRODUCER, 1);
        return producer;
    }

    @Test
    void aProducerThatSentItsWholeBodyAndLeftIsLetGoAtOnce() throws Exception {
        String path = TestRelay.freshPath();
        waitingProducer(path, 10, "ghost body").close();
        relay.awaitWaiting(Side.PRODUCER, 0); // not at the wait limit
        CompletableFuture<HttpResponse<String>> consumer = relay.readAsync(path);
        relay.awaitWaiting(Side.CONSUMER, 1);
        assertThat(relay.write(path, "the real stream").statusCode(), is(200));
        assertThat(consumer.get().body(), is("the real stream"));
    }

    @Test
    void aProducerWhoseWholeBodyCameEarlyKeepsItsConnectionForItsNextRequest() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp producer = waitingProducer(path, 10, "early body")) {
            assertThat(relay.get("/data" + path).body(), is("early body"));
            assertThat(producer.response().status(), is(200));
            assertThat(new String(producer.chunkedBody().readAllBytes(), StandardCharsets.US_ASCII),
                    is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
            producer.head("GET", "/observe/health");
            assertThat(producer.response().status(), is(200));
        }
    }

    /** [DATA-39]: what came early is forwarded at once, though the rest of the body has not come. */
    @Test
    void thePartOfABodyThatCameEarlyReachesTheConsumerBeforeTheRest() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp producer = waitingProducer(path, 10, "early");
             RawHttp consumer = new RawHttp(relay.port())) {
            consumer.head("GET", "/data" + path);
            assertThat(consumer.response().status(), is(200));
            assertThat(new String(consumer.in.readNBytes(5), StandardCharsets.US_ASCII), is("early"));
            producer.out.write("later".getBytes(StandardCharsets.US_ASCII));
            producer.out.flush();
            assertThat(new String(consumer.in.readNBytes(5), StandardCharsets.US_ASCII), is("later"));
            RawHttp.Response head = producer.response();
            assertThat(head.status(), is(200));
            InputStream control = producer.chunkedBody();
            assertThat(new String(control.readAllBytes(), StandardCharsets.US_ASCII),
                    is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
        }
    }
}
