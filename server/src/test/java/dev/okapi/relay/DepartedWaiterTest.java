package dev.okapi.relay;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import dev.okapi.relay.core.Side;

/**
 * A waiter that left is never paired with: Okapi's own choice where the conformance suite allows
 * more (data/4/1 lets a relay cut the consumer of a producer that left, data/4/2 lets it pair a
 * producer with a consumer that left as long as it does not report success). Here the other side
 * waits on for a live peer and gets the whole stream.
 */
@ExtendWith(SharedRelay.class)
class DepartedWaiterTest {

    private final TestRelay relay;

    DepartedWaiterTest(TestRelay relay) {
        this.relay = relay;
    }

    @Test
    void aProducerThatLeftWhileWaitingIsReplacedByTheNextOne() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp ghost = new RawHttp(relay.port())) {
            ghost.head("PUT", "/data" + path, "Transfer-Encoding: chunked", "Expect: 100-continue");
            relay.awaitWaiting(Side.PRODUCER, 1);
        }
        // Whether or not the relay has noticed the ghost yet, the consumer waits for the next producer.
        CompletableFuture<HttpResponse<String>> consumer = relay.readAsync(path);
        relay.awaitWaiting(Side.CONSUMER, 1);
        HttpResponse<String> producer = relay.write(path, "the real stream");
        assertThat(producer.statusCode(), is(200));
        assertThat(consumer.get().statusCode(), is(200));
        assertThat(consumer.get().body(), is("the real stream"));
    }

    @Test
    void aConsumerThatLeftWhileWaitingNeverSwallowsTheProducersData() throws Exception {
        String path = TestRelay.freshPath();
        try (RawHttp ghost = new RawHttp(relay.port())) {
            ghost.head("GET", "/data" + path);
            relay.awaitWaiting(Side.CONSUMER, 1);
        }
        // The producer finds the ghost gone before writing a byte and waits for a live consumer.
        CompletableFuture<HttpResponse<String>> producer = relay.writeAsync(path, "ten bytes!");
        relay.awaitWaiting(Side.PRODUCER, 1);
        HttpResponse<String> consumer = relay.get("/data" + path);
        assertThat(consumer.body(), is("ten bytes!"));
        assertThat(producer.get().body(), is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
    }

    @Test
    void aConsumerThatWaitedAgainAfterItsProducerVanishedAndThenLeftDoesNotKeepTheNextConsumerOut() throws Exception {
        // The newcomer races the departed consumer's thread for the path. It lost with a 409 in 8 of 40
        // tries while that thread's wait counted as ended at the pairing, and in about 1 of 300 (under
        // load) while a path freed between the newcomer's two looks went unnoticed: twenty tries.
        for (int i = 0; i < 20; i++) {
            String path = TestRelay.freshPath();
            RawHttp ghost = new RawHttp(relay.port());
            ghost.head("GET", "/data" + path);
            relay.awaitWaiting(Side.CONSUMER, 1);
            double vanished = relay.metric("okapi_transfers_total", "producer_vanished");
            try (RawHttp producer = new RawHttp(relay.port())) {
                producer.head("PUT", "/data" + path, "Content-Length: 10", "Expect: 100-continue");
                assertThat("paired: told to send", producer.response().status(), is(100));
            } // and gone before its first byte
            relay.await("okapi_transfers_total", "producer_vanished", vanished + 1);
            relay.awaitWaiting(Side.CONSUMER, 1); // the ghost-to-be waits again
            ghost.close();
            try (RawHttp next = new RawHttp(relay.port()); RawHttp producer = new RawHttp(relay.port())) {
                next.head("GET", "/data" + path);
                producer.head("PUT", "/data" + path, "Content-Length: 10");
                producer.out.write("ten bytes!".getBytes(StandardCharsets.US_ASCII));
                assertThat("the next consumer's answer", next.response().status(), is(200));
                assertThat(new String(next.in.readNBytes(10), StandardCharsets.US_ASCII), is("ten bytes!"));
                assertThat(producer.response().status(), is(200));
                InputStream control = producer.chunkedBody();
                assertThat(RawHttp.controlLine(control), is("[STATE:CONNECTED]"));
                assertThat(RawHttp.controlLine(control), is("[STATE:TRANSFER_SUCCESSFUL]"));
            }
        }
    }

    @Test
    void aConsumerThatWaitsAgainAfterItsProducerVanishedIsAReaderPresentToConnect() throws Exception {
        String path = TestRelay.freshPath();
        CompletableFuture<HttpResponse<String>> consumer = relay.readAsync(path);
        relay.awaitWaiting(Side.CONSUMER, 1);
        CompletableFuture<HttpResponse<String>> writer;
        try (RawHttp producer = new RawHttp(relay.port())) {
            producer.head("PUT", "/data" + path, "Content-Length: 10", "Expect: 100-continue");
            assertThat("paired: told to send", producer.response().status(), is(100));
            // A streaming consumer is no waiting reader: a writer asking for one now waits.
            writer = relay.http.sendAsync(HttpRequest.newBuilder(relay.uri("/connect/v0" + path + "?mode=await-reader")).build(),
                    HttpResponse.BodyHandlers.ofString());
            relay.awaitConnectWaiting(1);
        } // and the producer goes before its first byte: the consumer waits again, a reader present
        assertThat(writer.get(5, TimeUnit.SECONDS).statusCode(), is(200));
        assertThat(relay.write(path, "the real stream").statusCode(), is(200));
        assertThat(consumer.get().body(), is("the real stream"));
    }

    @Test
    void aConsumerThatLeftAfterThePairingButBeforeTheFirstByteIsReplacedByTheNextOne() throws Exception {
        String path = TestRelay.freshPath();
        RawHttp.Pair pair = producerWaitingAgainWithTenBytes(path);
        try (RawHttp producer = pair.producer()) {
            HttpResponse<String> consumer = relay.readAsync(path).get(20, TimeUnit.SECONDS);
            assertThat(consumer.statusCode(), is(200));
            assertThat(consumer.body(), is("ten bytes!"));
            assertThat(RawHttp.controlLine(pair.control()), is("[STATE:TRANSFER_SUCCESSFUL]"));
        }
    }

    @Test
    void aProducerThatWaitsAgainForALiveConsumerIsAWriterPresentToConnect() throws Exception {
        String path = TestRelay.freshPath();
        RawHttp.Pair pair = producerWaitingAgainWithTenBytes(path);
        try (RawHttp producer = pair.producer()) {
            HttpResponse<String> reader = relay.get("/connect/v0" + path + "?mode=await-writer&timeout=0"); // present now, or 504
            assertThat(reader.statusCode(), is(200));
            assertThat(relay.readAsync(path).get(20, TimeUnit.SECONDS).body(), is("ten bytes!"));
        }
    }

    /**
     * A producer paired with a consumer whose client then left, before any byte reached it: once the
     * producer has sent its stream, the relay finds the consumer gone and the producer waits again.
     */
    private RawHttp.Pair producerWaitingAgainWithTenBytes(String path) throws Exception {
        RawHttp.Pair pair = RawHttp.Pair.open(relay.port(), path);
        pair.consumer().close();
        // Nothing outside the relay shows when it has noticed a paired consumer's close (its
        // watch, a virtual thread woken by the close, takes microseconds): a pause stands in.
        Thread.sleep(300);
        pair.producer().chunk("ten bytes!");
        pair.producer().lastChunk();
        relay.awaitWaiting(Side.PRODUCER, 1); // the producer waits for a live consumer again
        return pair;
    }
}
