package dev.okapi.relay;

import java.net.http.HttpResponse;
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
    void aConsumerThatLeftAfterThePairingButBeforeTheFirstByteIsReplacedByTheNextOne() throws Exception {
        String path = TestRelay.freshPath();
        RawHttp.Pair pair = RawHttp.Pair.open(relay.port(), path);
        try (RawHttp producer = pair.producer()) {
            pair.consumer().close();
            // Nothing outside the relay shows when it has noticed a paired consumer's close (its
            // watch, a virtual thread woken by the close, takes microseconds): a pause stands in.
            Thread.sleep(300);
            producer.chunk("ten bytes!");
            producer.lastChunk();
            relay.awaitWaiting(Side.PRODUCER, 1); // the producer waits for a live consumer again
            HttpResponse<String> consumer = relay.readAsync(path).get(20, TimeUnit.SECONDS);
            assertThat(consumer.statusCode(), is(200));
            assertThat(consumer.body(), is("ten bytes!"));
            assertThat(RawHttp.controlLine(pair.control()), is("[STATE:TRANSFER_SUCCESSFUL]"));
        }
    }
}
