package dev.okapi.relay.core;

import java.time.Duration;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.Drain;
import dev.okapi.relay.http.RelayException;
import dev.okapi.relay.http.Target;
import dev.okapi.relay.http.Upload;
import dev.okapi.relay.http.Watch;

import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The Data API: a consumer's {@code GET /data{path}} offers its end on the path's
 * {@link SynchronousQueue} until a producer's {@code PUT /data{path}} takes it; the producer's
 * thread then copies its body into the consumer's response ({@link Transfer}) and answers the
 * producer with control lines. The queue's own timeouts are the waiting limits.
 *
 * <p>Each waiting client is watched ({@link Watch}): one that leaves is taken out of the waiting
 * room and off its path at once, and a producer never pairs with a consumer that left. A request
 * that waited and is refused (504, 503) has its connection closed, as its watch may still read it.
 */
final class DataService implements HttpService {

    /** A pairing's wait for the consumer's watch to look again; what it misses, {@link #replace} catches. */
    private static final Duration SETTLE_PAIRING = Duration.ofMillis(20);

    private final Core core;

    DataService(Core core) {
        this.core = core;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.put(Core::refuseServiceWorkers, this::produce).get(Core::refuseServiceWorkers, this::consume)
                .any((req, res) -> {
                    throw RelayException.notAllowed(res, "GET, PUT", "method " + req.prologue().method().text()
                            + " not allowed on the Data API: PUT to write, GET to read");
                });
    }

    private void consume(ServerRequest req, ServerResponse res) throws InterruptedException {
        StreamPath path = StreamPath.below(Wire.DATA_PREFIX, Target.rawPath(req));
        Gate.Pass pass = core.gate.admit(req, res, path, Wire.Access.READ, Gate.Api.DATA); // before waiting: refused learn nothing
        long deadline = System.nanoTime() + core.config.maxWait().toNanos();
        Outcome outcome;
        try (Gate.Slot slot = pass.waiting(); Waiter me = core.room.waiter(RelayMetrics.Waiting.CONSUMER)) {
            SynchronousQueue<ConsumerEnd> handoff = hold(path, Side.CONSUMER, me);
            Watch watch = me.watch(0);
            try {
                outcome = awaitTransfer(handoff, new ConsumerEnd(res, me), deadline);
                while (outcome == Outcome.PRODUCER_VANISHED && me.rewait()) {
                    core.lanes.waitsAgain(path, Side.CONSUMER, me);
                    outcome = awaitTransfer(handoff, new ConsumerEnd(res, me), deadline);
                }
            } catch (RuntimeException e) { // refused, or its client left: the path is free before anyone hears
                core.lanes.free(path, Side.CONSUMER);
                throw e instanceof RelayException refused ? refused.answerAndClose(req, res) : e;
            }
            if (outcome == Outcome.PRODUCER_VANISHED) {
                core.lanes.free(path, Side.CONSUMER); // its own client left while it was being paired
            }
            if (outcome != Outcome.COMPLETED) {
                throw closed(path, outcome); // returning would let Helidon send the terminating chunk
            }
            Watch.handBack(req, watch, core.config.idleBound());
        }
    }

    /** Offers the consumer's end until a producer takes it, then waits for the transfer's outcome. */
    private Outcome awaitTransfer(SynchronousQueue<ConsumerEnd> handoff, ConsumerEnd end, long deadline) {
        Waiter me = end.waiter();
        try {
            if (!handoff.offer(end)) { // no producer there yet: it waits, with a place in the waiting room
                core.room.admit(me);
                while (!handoff.offer(end, deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                    if (System.nanoTime() >= deadline) {
                        throw me.ended(Side.PRODUCER);
                    }
                }
            }
            return end.awaitOutcome();
        } catch (InterruptedException e) {
            if (me.state() == Waiter.State.PAIRED) {
                throw new CloseConnectionException("interrupted while streaming"); // the server stops
            }
            me.refuse(); // its client left, or the relay stops
            throw me.ended(Side.PRODUCER);
        }
    }

    private void produce(ServerRequest req, ServerResponse res) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + core.config.maxWait().toNanos();
        StreamPath path = null;
        Watch watch = null;
        Transfer transfer;
        try {
            path = StreamPath.below(Wire.DATA_PREFIX, Target.rawPath(req));
            Gate.Pass pass = core.gate.admit(req, res, path, Wire.Access.WRITE, Gate.Api.DATA);
            long announced = req.headers().contentLength().orElse(0);
            long max = core.config.maxStreamBytes();
            if (max > 0 && announced > max) {
                throw new RelayException(Wire.TOO_LARGE, "stream of " + announced + " bytes is over this relay's limit of " + max);
            }
            SynchronousQueue<ConsumerEnd> handoff;
            ConsumerEnd end;
            try (Gate.Slot slot = pass.waiting(); Waiter me = core.room.waiter(RelayMetrics.Waiting.PRODUCER)) {
                handoff = hold(path, Side.PRODUCER, me);
                try {
                    watch = me.watch(Upload.watchKeep(req));
                    end = awaitConsumer(handoff, me, deadline);
                } catch (RuntimeException e) {
                    core.lanes.free(path, Side.PRODUCER);
                    throw e;
                }
            }
            end.waiter().leaveRoom(); // the consumer streams now, no longer waits
            core.metrics.paired(System.nanoTime() - Math.min(start, end.since()));
            StreamPath streamed = path;
            transfer = new Transfer(core, req, res, end, pass, () -> core.lanes.free(streamed, Side.PRODUCER, Side.CONSUMER),
                    gone -> replace(gone, streamed, handoff, deadline));
            try {
                core.transfers.start(transfer);
            } catch (RelayException e) {
                vanished(path, end); // the consumer waits for the next producer
                throw e;
            }
        } catch (RelayException e) {
            CloseConnectionException close = e.answerAndClose(req, res);
            Drain.refused(req, watch, core.config.drain(), core.timer); // unread bytes at the close would reset the answer
            throw close;
        }
        Outcome outcome;
        try {
            outcome = transfer.run(watch);
        } finally {
            core.transfers.end(transfer);
        }
        if (outcome == Outcome.PRODUCER_VANISHED) {
            vanished(path, transfer.consumer());
            throw closed(path, outcome);
        }
        transfer.log(outcome); // before either side hears the end: a client that saw it finds the line
        transfer.consumer().finish(outcome);
        if (!transfer.tellProducer(outcome)) {
            throw closed(path, outcome);
        }
        Watch.handBack(req, watch, core.config.idleBound());
    }

    /** Takes the first waiting consumer's end whose client is still there; 504 at the wait limit, 503 at shutdown. */
    private ConsumerEnd awaitConsumer(SynchronousQueue<ConsumerEnd> handoff, Waiter me, long deadline) {
        try {
            ConsumerEnd end = handoff.poll(); // a consumer there already: no wait, no place in the waiting room
            while (end == null || !pairs(end, me)) {
                if (me.state() != Waiter.State.WAITING || end == null && System.nanoTime() >= deadline) {
                    throw me.ended(Side.CONSUMER);
                }
                core.room.admit(me); // counted from its first miss on
                end = handoff.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            }
            return end;
        } catch (InterruptedException e) {
            me.refuse(); // its client left, or the relay stops
            throw me.ended(Side.CONSUMER);
        }
    }

    /** Pairs the producer {@code me} with a consumer taken from the queue, unless either has left. */
    private static boolean pairs(ConsumerEnd end, Waiter me) {
        if (end.waiter().gone(SETTLE_PAIRING) || !end.waiter().pair()) {
            return false;
        }
        if (me.pair()) {
            return true;
        }
        end.finish(Outcome.PRODUCER_VANISHED); // this producer left just now: the consumer waits on
        return false;
    }

    /**
     * Ends a paired consumer whose client had left before the first byte (its watch saw it only
     * after the pairing), and waits within the producer's own limit for the next one, as a waiting
     * producer again; a 504 or 503 then ends the transfer as the consumer's going.
     */
    private ConsumerEnd replace(ConsumerEnd gone, StreamPath path, SynchronousQueue<ConsumerEnd> handoff, long deadline) {
        gone.finish(Outcome.CONSUMER_GONE); // its thread closes its connection
        core.metrics.left(RelayMetrics.Waiting.CONSUMER);
        core.lanes.free(path, Side.CONSUMER);
        try (Waiter me = core.room.waiter(RelayMetrics.Waiting.PRODUCER)) {
            core.lanes.waitsAgain(path, Side.PRODUCER, me);
            ConsumerEnd next = awaitConsumer(handoff, me, deadline);
            next.waiter().leaveRoom();
            return next;
        }
    }

    /**
     * Takes {@code side} of {@code path} for {@code me}, or 409 if a live client or a stream holds
     * it. A holder whose close came an instant before us gives its place up first, so that we are
     * not refused because of a ghost.
     */
    private SynchronousQueue<ConsumerEnd> hold(StreamPath path, Side side, Waiter me) throws InterruptedException {
        Waiter holder = core.lanes.holder(path, side);
        if (holder != null && holder.gone(core.config.drain())) {
            holder.awaitClosed(core.config.drain()); // its thread frees the path, or the hold below is refused
        }
        return core.lanes.hold(path, side, me);
    }

    /** The consumer of a pairing that came to nothing waits again; the producer's side is free. */
    private void vanished(StreamPath path, ConsumerEnd end) {
        core.lanes.free(path, Side.PRODUCER);
        end.finish(Outcome.PRODUCER_VANISHED);
    }

    private static CloseConnectionException closed(StreamPath path, Outcome outcome) {
        return new CloseConnectionException("transfer on " + path + " ended: " + outcome.label());
    }
}
