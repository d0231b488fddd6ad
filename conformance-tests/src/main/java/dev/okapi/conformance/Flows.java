package dev.okapi.conformance;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Future;

import dev.okapi.protocol.Wire;

/** Whole transfers, the building block of most Data and Connect cases. */
final class Flows {

    private Flows() {
    }

    /**
     * What both sides saw.
     *
     * @param control      the producer's control channel
     * @param body         the consumer's body
     * @param consumerHead the consumer's response head
     */
    record Transfer(Producer.Control control, Conn.Body body, Head consumerHead) {

        /** [DATA-2], [DATA-12], [DATA-13], [DATA-20]: everything arrived and both sides ended cleanly. */
        Transfer expectClean(byte[] payload, String what) {
            Ctx.status(consumerHead, Wire.OK, what + ": consumer status");
            Ctx.expect(consumerHead.chunked() || consumerHead.has("Content-Length"), what + ": consumer framing",
                    "Content-Length or chunked", consumerHead::describe);
            Ctx.expect(body.end() == Conn.End.CLEAN, what + ": consumer end", "clean end", body::describe);
            Ctx.expect(Arrays.equals(body.bytes(), payload), what + ": consumer bytes", Text.digest(payload), body::describe);
            Producer.validate(control, what);
            Ctx.expect(control.last().equals(Wire.ControlLine.TRANSFER_SUCCESSFUL.text()), what + ": producer's final line",
                    Wire.ControlLine.TRANSFER_SUCCESSFUL.text(), control::describe);
            Ctx.expect(control.end() == Conn.End.CLEAN, what + ": producer's response end", "clean end (terminating chunk)",
                    control::describe);
            return this;
        }
    }

    /** Producer first or consumer first. */
    enum Order { PRODUCER_FIRST, CONSUMER_FIRST }

    static Transfer run(Ctx c, String path, byte[] payload, Producer.Framing f, Order order, String... producerHeaders)
            throws Exception {
        Consumer cons;
        Producer p;
        if (order == Order.CONSUMER_FIRST) {
            cons = c.consumer(path);
            c.awaitPresent(path, Ctx.Side.CONSUMER);
            p = c.producer(path, f, false, producerHeaders);
        } else {
            p = c.producer(path, f, false, producerHeaders);
            c.awaitPresent(path, Ctx.Side.PRODUCER);
            cons = c.consumer(path);
        }
        return uploadAndRead(c, p, cons, payload);
    }

    /** A consumer for a producer already waiting on {@code path}, which then sends {@code payload} and ends. */
    static Transfer pairWithWaiting(Ctx c, String path, Producer p, byte[] payload) throws Exception {
        Consumer cons = c.consumer(path);
        p.paired();
        return uploadAndRead(c, p, cons, payload);
    }

    /** A producer for a consumer already waiting on {@code path}: sends {@code payload} and ends. */
    static Transfer pairWithWaitingConsumer(Ctx c, String path, Consumer cons, byte[] payload) throws Exception {
        return uploadAndRead(c, c.producer(path, Producer.Framing.length(payload.length), false), cons, payload);
    }

    /** The producer uploads {@code payload} and ends while the consumer reads its whole response; what both saw. */
    private static Transfer uploadAndRead(Ctx c, Producer p, Consumer cons, byte[] payload) throws Exception {
        Future<Void> sender = c.async(() -> {
            sendAll(p, payload, 65536);
            p.end();
            return null;
        });
        Head ch = cons.head();
        Conn.Body b = ch.status() == Wire.OK ? cons.conn.readBody(ch, Integer.MAX_VALUE - 16) : new Conn.Body(new byte[0], Conn.End.CLEAN, null);
        c.await(sender, Duration.ofSeconds(30), "the producer's upload");
        return new Transfer(p.finish(), b, ch);
    }

    /** A chunked upload written as the raw bytes {@code body}, which frame {@code hello world}: a clean transfer. */
    static void rawChunks(Ctx c, String body) throws Exception {
        String p = c.path();
        Consumer cons = c.consumer(p);
        c.awaitPresent(p, Ctx.Side.CONSUMER);
        Producer pr = c.producer(p, Producer.Framing.CHUNKED, false);
        pr.conn.send(body);
        cons.expectStream(Text.ascii("hello world"), "the stream '" + body.replace("\r\n", "\\r\\n") + "'");
        Producer.Control ctl = pr.finish();
        Ctx.expect(ctl.last().equals(Wire.ControlLine.TRANSFER_SUCCESSFUL.text()), "the producer's final line",
                Wire.ControlLine.TRANSFER_SUCCESSFUL.text(), ctl::describe);
    }

    /** A clean transfer on a fresh path, checked. */
    static void clean(Ctx c, String path, byte[] payload, Order order) throws Exception {
        run(c, path, payload, Producer.Framing.CHUNKED, order).expectClean(payload, "transfer on " + path);
    }

    static void sendAll(Producer p, byte[] payload, int piece) throws IOException {
        for (int off = 0; off < payload.length; off += piece) {
            p.send(Arrays.copyOfRange(payload, off, Math.min(payload.length, off + piece)));
        }
    }

    /** Producer and consumer paired and streaming: the consumer has read the first {@code first.length} bytes. */
    record Streaming(Producer producer, Consumer consumer) {
    }

    static Streaming streaming(Ctx c, String path, byte[] first, Producer.Framing f) throws Exception {
        Consumer cons = c.consumer(path);
        c.awaitPresent(path, Ctx.Side.CONSUMER);
        Producer p = c.producer(path, f, false);
        p.send(first);
        byte[] got = cons.readExactly(first.length, "the consumer's first bytes");
        Ctx.expect(Arrays.equals(got, first), "the consumer's first bytes", Text.digest(first), () -> Text.digest(got));
        return new Streaming(p, cons);
    }

    /** Whether {@code prefix} is a prefix of {@code all}. */
    static boolean isPrefix(byte[] prefix, byte[] all) {
        return prefix.length <= all.length && Arrays.equals(prefix, 0, prefix.length, all, 0, prefix.length);
    }
}
