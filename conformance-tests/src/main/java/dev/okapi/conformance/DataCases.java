package dev.okapi.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import dev.okapi.protocol.Wire;
import dev.okapi.protocol.Wire.ControlLine;

import static dev.okapi.conformance.Ctx.expect;

/**
 * Spec section 5: the Data API. Over 300 lines on purpose: one case per requirement of the
 * section's core (40), each a few lines, in the spec's order, as h2spec keeps a section's cases
 * together; the edges of HTTP continue in {@link DataEdgeCases}.
 */
final class DataCases {

    /** The age-rt v0.2 known-answer stream (spec appendix B): 217 opaque bytes. */
    static final byte[] AGE_RT_KAT = HexFormat.of().parseHex(
            "6167652d656e6372797074696f6e2e6f72672f76310a2d3e2073637279707420416749434167494341674943416749434167494341673d3d2031380a4e78344570414c6b76676c6d6c3946555a745558647669594a34337a55414371654d5a633536702b7474556b77336279794334444a785337327735303330706b0a2d2d2d0a0303030303030303030303030303030300000016c6afa6a3994f5b3df041cc78fb16c0951d3fda611fba0000001637c882cc0f29da20a45baaf6b5e33de8bc95ceeb92b50000001012ec58bb5997802b14e7a1addbaa4e99");

    private static final Producer.Framing CHUNKED = Producer.Framing.CHUNKED;

    /**
     * How soon a relay should notice a side that left while waiting ([DATA-8]): shorter than any
     * sensible wait limit, so that a relay which only drops it when its wait expires fails.
     */
    private static final Duration NOTICE = Duration.ofMillis(1500);

    private DataCases() {
    }

    /**
     * What a proxy between the suite and the relay ({@code --through-proxy}) may hold of a stream
     * besides the relay's own buffers, for [DATA-14]: its receive buffer from the relay (Linux grows
     * it up to {@code net.ipv4.tcp_rmem}'s maximum: 6 MiB by default, 32 MiB on some systems), its
     * send buffer to the consumer ({@code tcp_wmem}'s maximum, 4 MiB) and its own buffers (HAProxy
     * 16 KiB, nginx's proxy buffer). 64 MiB is more than all of them together.
     */
    static final int PROXY_BUFFERS = 64 << 20;

    /** How long an unpaired producer is watched for bytes it must not get ([DATA-3]): long enough for a late 100. */
    static final Duration UNPAIRED_WATCH = Duration.ofSeconds(2);

    static void register(Registry r) {
        r.section("data");

        r.group("pairing (5.1)");
        r.must("DATA-1", "producer first, then consumer: the stream flows",
                c -> Flows.clean(c, c.path(), Text.random(1000), Flows.Order.PRODUCER_FIRST));
        r.must("DATA-1", "consumer first, then producer: the stream flows",
                c -> Flows.clean(c, c.path(), Text.random(1000), Flows.Order.CONSUMER_FIRST));
        r.must("DATA-2", "streams of 0, 1, 65537 bytes and 3 MiB arrive byte for byte (chunked upload)", c -> {
            for (int n : new int[] {0, 1, 65537, 3 << 20}) {
                Flows.clean(c, c.path(), Text.random(n), Flows.Order.CONSUMER_FIRST);
            }
        });
        r.must("DATA-2", "a 1 MiB Content-Length upload arrives byte for byte", c -> {
            byte[] data = Text.random(1 << 20);
            Flows.run(c, c.path(), data, Producer.Framing.length(data.length), Flows.Order.PRODUCER_FIRST)
                    .expectClean(data, "Content-Length upload");
        });
        r.must("DATA-2", "all 256 byte values, CRLFs and chunk-like sequences inside the payload pass unchanged", c -> {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int i = 0; i < 256; i++) {
                b.write(i);
            }
            b.writeBytes(Text.ascii("\r\n0\r\n\r\n[STATE:TRANSFER_SUCCESSFUL]\nHTTP/1.1 200 OK\r\n\r\n"));
            Flows.clean(c, c.path(), b.toByteArray(), Flows.Order.CONSUMER_FIRST);
        });
        r.must("DATA-2", "the age-rt v0.2 known-answer stream passes unchanged (the relay treats it as opaque bytes)",
                c -> Flows.clean(c, c.path(), AGE_RT_KAT, Flows.Order.PRODUCER_FIRST));
        r.must("DATA-3", "a waiting producer that sent Expect: 100-continue receives no byte before pairing", c -> {
            String path = c.path();
            Producer p = c.producer(path, CHUNKED, true);
            c.awaitPresent(path, Ctx.Side.PRODUCER);
            expect(!p.conn.anyBytesWithin(UNPAIRED_WATCH), "the unpaired producer's connection",
                    "no byte (no 100 Continue, no status) in " + UNPAIRED_WATCH.toMillis() + " ms before a consumer arrives",
                    () -> "bytes arrived: " + peek(p.conn));
            Consumer cons = c.consumer(path);
            p.paired();
            p.expectLine(ControlLine.CONNECTED, "first line once paired");
            byte[] data = Text.random(100);
            p.send(data).end();
            cons.expectStream(data, "after pairing");
        });
        r.must("DATA-3", "a waiting producer that sent its whole body receives no answer before pairing", c -> {
            String path = c.path();
            byte[] data = Text.ascii("hello");
            Producer p = c.producer(path, Producer.Framing.length(data.length), false);
            p.send(data);
            c.awaitPresent(path, Ctx.Side.PRODUCER);
            expect(!p.conn.anyBytesWithin(UNPAIRED_WATCH), "the unpaired producer's connection",
                    "no answer in " + UNPAIRED_WATCH.toMillis() + " ms before a consumer arrives (it would tell the producer its stream was taken)",
                    () -> "bytes arrived: " + peek(p.conn));
            Consumer cons = c.consumer(path);
            cons.expectStream(data, "after pairing");
            Producer.Control ctl = p.finish();
            expect(ctl.last().equals(ControlLine.TRANSFER_SUCCESSFUL.text()), "the producer's final line",
                    ControlLine.TRANSFER_SUCCESSFUL.text(), ctl::describe);
        });
        r.must("DATA-4", "once paired, an Expect: 100-continue producer gets 100 Continue before sending any body byte", c -> {
            String path = c.path();
            Producer p = c.producer(path, CHUNKED, true);
            c.awaitPresent(path, Ctx.Side.PRODUCER);
            Consumer cons = c.consumer(path);
            Head interim;
            try {
                interim = p.conn.readAnyHead();
            } catch (SocketTimeoutException e) {
                throw new Failure("the paired producer's first response", "HTTP/1.1 100 Continue", "nothing within 5 s");
            }
            Head first = interim;
            expect(first.status() == 100, "the paired producer's first response", "100 Continue", first::describe);
            byte[] data = Text.random(5000);
            p.send(data).end();
            cons.expectStream(data, "after 100 Continue");
            Producer.Control ctl = p.finish();
            Producer.validate(ctl, "control channel");
            expect(ctl.last().equals(ControlLine.TRANSFER_SUCCESSFUL.text()), "the producer's final line",
                    ControlLine.TRANSFER_SUCCESSFUL.text(), ctl::describe);
        });

        r.group("exclusivity (5.2)");
        r.must("DATA-5", "a second producer on a path with a waiting producer gets 409 at once; the first still streams", c -> {
            String path = c.path();
            Producer p1 = c.producer(path, CHUNKED, true);
            c.awaitPresent(path, Ctx.Side.PRODUCER);
            Ctx.Reply second = refusedPut(c, path, false);
            Ctx.status(second, Wire.BUSY, "second producer");
            Ctx.oneLine(second, "409 answer");
            Consumer cons = c.consumer(path);
            p1.paired();
            byte[] data = Text.random(3000);
            p1.send(data).end();
            cons.expectStream(data, "the first producer's stream");
        });
        r.must("DATA-5", "a second consumer on a path with a waiting consumer gets 409 at once; the first still streams", c -> {
            String path = c.path();
            Consumer c1 = c.consumer(path);
            c.awaitPresent(path, Ctx.Side.CONSUMER);
            Ctx.Reply second = c.get(Wire0.data(path), Ctx.Side.CONSUMER);
            Ctx.status(second, Wire.BUSY, "second consumer");
            Ctx.oneLine(second, "409 answer");
            byte[] data = Text.random(3000);
            Producer p = c.producer(path, Producer.Framing.length(data.length), false);
            p.send(data);
            c1.expectStream(data, "the first consumer's stream");
        });
        r.must("DATA-5", "a second producer while a transfer runs gets 409; the transfer completes intact", c -> {
            String path = c.path();
            byte[] a = Text.random(20000);
            byte[] b = Text.random(20000);
            Flows.Streaming s = Flows.streaming(c, path, a, CHUNKED);
            Ctx.Reply second = refusedPut(c, path, false);
            Ctx.status(second, Wire.BUSY, "producer on a busy path");
            s.producer().send(b).end();
            Conn.Body rest = s.consumer().rest();
            expect(rest.end() == Conn.End.CLEAN && Arrays.equals(rest.bytes(), b), "the running transfer",
                    "the rest of its stream, clean end", rest::describe);
        });
        r.must("DATA-5", "a second consumer while a transfer runs gets 409; the transfer completes intact", c -> {
            String path = c.path();
            byte[] a = Text.random(20000);
            byte[] b = Text.random(20000);
            Flows.Streaming s = Flows.streaming(c, path, a, CHUNKED);
            Ctx.Reply second = c.get(Wire0.data(path), Ctx.Side.CONSUMER);
            Ctx.status(second, Wire.BUSY, "consumer on a busy path");
            Ctx.oneLine(second, "409 answer");
            s.producer().send(b).end();
            Conn.Body rest = s.consumer().rest();
            expect(rest.end() == Conn.End.CLEAN && Arrays.equals(rest.bytes(), b), "the running transfer",
                    "the rest of its stream, clean end", rest::describe);
        });
        r.must("DATA-10", "a refused producer that sent Expect: 100-continue gets 409 without a 100 Continue", c -> {
            String path = c.path();
            c.producer(path, CHUNKED, true);
            c.awaitPresent(path, Ctx.Side.PRODUCER);
            Conn p2 = c.open();
            p2.send(c.head("PUT", Wire0.data(path), Ctx.Side.PRODUCER, "Transfer-Encoding: chunked", "Expect: 100-continue"));
            Head h = c.readHead(p2, "the refused producer");
            expect(h.status() == Wire.BUSY && !p2.sawContinue(), "the refused producer's answer",
                    "409 with no 100 Continue before it", () -> (p2.sawContinue() ? "100 Continue, then " : "") + h.describe());
        });

        r.group("reuse (5.2)");
        r.must("DATA-6", "after a clean end the path pairs again at once (three rounds, alternating order)", c -> {
            String path = c.path();
            for (int i = 0; i < 3; i++) {
                Flows.clean(c, path, Text.random(777 + i), i % 2 == 0 ? Flows.Order.CONSUMER_FIRST : Flows.Order.PRODUCER_FIRST);
            }
        });
        r.must("DATA-6", "after a producer abort the path pairs again", c -> {
            String path = c.path();
            Flows.Streaming s = Flows.streaming(c, path, Text.random(1000), CHUNKED);
            s.producer().conn.close();
            s.consumer().rest();
            Flows.clean(c, path, Text.random(500), Flows.Order.PRODUCER_FIRST);
        });
        r.must("DATA-6", "after a consumer abort the path pairs again", c -> {
            String path = c.path();
            Flows.Streaming s = Flows.streaming(c, path, Text.random(1000), CHUNKED);
            // The relay learns of a consumer's departure on its next write: keep the bytes coming.
            Future<Void> pump = c.async(() -> pump(s.producer(), new AtomicLong(), 1L << 30));
            s.consumer().conn.close();
            consumerGone(c, s.producer());
            pump.cancel(true);
            s.producer().conn.close();
            Flows.clean(c, path, Text.random(500), Flows.Order.CONSUMER_FIRST);
        });
        r.needs(Need.WAIT_LIMIT).must("DATA-6", "after an expired wait the path pairs again", c -> {
            String path = c.path();
            Ctx.Reply expired = c.exchange("GET", Wire0.data(path), Ctx.Side.CONSUMER, c.waitLimit().plusSeconds(5));
            Ctx.status(expired, Wire.WAIT_EXPIRED, "a consumer that waited out the limit");
            Flows.clean(c, path, Text.random(500), Flows.Order.PRODUCER_FIRST);
        });

        r.group("sides that leave while waiting (5.2)");
        r.must("DATA-7", "a producer that leaves while waiting never ends the next consumer's stream cleanly", c -> {
            String path = c.path();
            Producer gone = c.producer(path, CHUNKED, true);
            c.awaitPresent(path, Ctx.Side.PRODUCER);
            gone.conn.reset();
            Consumer cons = c.consumer(path);
            // The relay may let the consumer wait for the next producer (Okapi) or cut it; either
            // way it must never see a clean end of a stream nobody wrote.
            long end = System.nanoTime() + Ctx.QUICK.toNanos();
            boolean waiting = false;
            while (System.nanoTime() < end) {
                if (cons.conn.anyBytesWithin(Duration.ofMillis(20))) {
                    break;
                }
                if (c.connect(path, Wire.Mode.AWAIT_READER, "timeout=0", Ctx.QUICK).status() == Wire.OK) {
                    waiting = true;
                    break;
                }
            }
            if (waiting) {
                byte[] data = Text.random(2000);
                Producer p2 = c.producer(path, Producer.Framing.length(data.length), false);
                p2.send(data);
                cons.expectStream(data, "the next producer's stream");
                return;
            }
            Head h;
            try {
                h = cons.conn.readHead();
            } catch (IOException e) {
                return; // cut before any response: an error, as allowed
            }
            Conn.Body b = cons.conn.readBody(h, 1 << 20);
            expect(h.status() != Wire.OK || b.end() != Conn.End.CLEAN, "the consumer after its producer left",
                    "the next producer's stream, or a cut", () -> h.describe() + " " + b.describe());
        });
        r.must("DATA-7", "a producer paired with a consumer that left while waiting is never told TRANSFER_SUCCESSFUL", c -> {
            String path = c.path();
            Consumer gone = c.consumer(path);
            c.awaitPresent(path, Ctx.Side.CONSUMER);
            gone.conn.close();
            // A second, live consumer: a relay that noticed the first one leave pairs the producer
            // with it; one that did not pairs it with the dead one and must not report success.
            Consumer live = c.consumer(path);
            byte[] data = Text.random(10);
            Producer p = c.producer(path, Producer.Framing.length(data.length), false);
            p.send(data);
            Producer.Control ctl = p.finish();
            boolean success = ctl.lines().contains(ControlLine.TRANSFER_SUCCESSFUL.text());
            Head lh = live.conn.anyBytesWithin(success ? Ctx.QUICK : Duration.ofMillis(500)) ? live.head() : null;
            Conn.Body lb = lh != null && lh.status() == Wire.OK ? live.conn.readBody(lh, 1 << 20) : null;
            boolean delivered = lb != null && lb.end() == Conn.End.CLEAN && Arrays.equals(lb.bytes(), data);
            expect(!success || delivered, "TRANSFER_SUCCESSFUL after the waiting consumer had left",
                    "no TRANSFER_SUCCESSFUL unless a live consumer got the stream",
                    () -> "producer lines " + ctl.lines() + "; the live consumer got "
                            + (lh == null ? "nothing" : lh.status() + (lb == null ? "" : " " + lb.describe())));
            // The other way round (DATA-13): a stream the live consumer got whole is reported as delivered.
            expect(success || !delivered, "the producer whose stream the live consumer got whole",
                    ControlLine.TRANSFER_SUCCESSFUL.text() + " as its final line", ctl::describe);
            expect(ctl.end() != Conn.End.TIMEOUT && !ctl.lines().isEmpty() && (success || ctl.last().startsWith("[ERROR:")),
                    "the producer's control channel", "a final line (success, or an ERROR for the consumer that had left), then its end",
                    ctl::describe);
        });
        r.should("DATA-8", "a consumer that left while waiting does not keep the next consumer out (no 409)", c -> {
            String path = c.path();
            Consumer gone = c.consumer(path);
            c.awaitPresent(path, Ctx.Side.CONSUMER);
            gone.conn.close();
            Consumer next = admitted(c, path, () -> c.consumer(path).conn);
            byte[] data = Text.random(100);
            c.producer(path, Producer.Framing.length(data.length), false).send(data);
            next.expectStream(data, "the next consumer's stream");
        });
        r.should("DATA-8", "a producer that left while waiting does not keep the next producer out (no 409)", c -> {
            String path = c.path();
            Producer gone = c.producer(path, CHUNKED, true);
            c.awaitPresent(path, Ctx.Side.PRODUCER);
            gone.conn.close();
            long end = System.nanoTime() + NOTICE.toNanos();
            String last = "";
            while (System.nanoTime() < end) {
                Producer p = c.producer(path, CHUNKED, true);
                if (!p.conn.anyBytesWithin(Duration.ofMillis(300))) {
                    Consumer cons = c.consumer(path);
                    p.paired();
                    byte[] data = Text.random(100);
                    p.send(data).end();
                    cons.expectStream(data, "the next producer's stream");
                    return;
                }
                last = p.head().describe();
                p.conn.close();
                Thread.sleep(100); // retrying: being admitted is the only sign that the relay let the other go
            }
            throw new Failure("the next producer after one left while waiting", "admitted to wait within " + NOTICE.toMillis() + " ms", last);
        });
        r.needs(Need.WAIT_LIMIT).must("OPS-1", "a waiting consumer is answered 504 within the wait limit, in one line", c -> {
            long start = System.nanoTime();
            Ctx.Reply r1 = c.exchange("GET", Wire0.data(c.path()), Ctx.Side.CONSUMER, c.waitLimit().plusSeconds(5));
            long ms = (System.nanoTime() - start) / 1_000_000;
            Ctx.status(r1, Wire.WAIT_EXPIRED, "a consumer with no producer");
            Ctx.oneLine(r1, "504 answer");
            expect(ms <= c.waitLimit().toMillis() + 3000, "time to 504", "at most the wait limit (+3 s)", () -> ms + " ms");
            c.info("504 after " + ms + " ms (wait limit " + c.waitLimit().toMillis() + " ms)");
        });
        r.needs(Need.WAIT_LIMIT).must("DATA-9", "a waiting Expect: 100-continue producer gets 504 after the wait limit, without 100 Continue", c -> {
            Conn p = c.open(c.waitLimit().plusSeconds(5));
            p.send(c.head("PUT", Wire0.data(c.path()), Ctx.Side.PRODUCER, "Transfer-Encoding: chunked", "Expect: 100-continue"));
            Head h = c.readHead(p, "the producer with no consumer");
            expect(h.status() == Wire.WAIT_EXPIRED && !p.sawContinue(), "the unpaired producer's answer",
                    "504 with no 100 Continue before it", () -> (p.sawContinue() ? "100 Continue, then " : "") + h.describe());
        });

        r.group("control channel (5.3)");
        r.must("DATA-11", "once paired the producer gets 200, text/plain, chunked, and [STATE:CONNECTED] before sending a body byte", c -> {
            String path = c.path();
            Producer p = c.producer(path, CHUNKED, false);
            c.awaitPresent(path, Ctx.Side.PRODUCER);
            Consumer cons = c.consumer(path);
            Head h = p.paired();
            expect(h.mediaType().orElse("").equals("text/plain"), "the control channel's Content-Type", "text/plain", h::describe);
            expect(h.chunked() && !h.has("Content-Length"), "the control channel's framing", "chunked, no Content-Length", h::describe);
            p.expectLine(ControlLine.CONNECTED, "the first control line, before any body byte");
            byte[] data = Text.random(100);
            p.send(data).end();
            cons.expectStream(data, "the stream");
        });
        r.must("DATA-12", "control lines match the grammar: [STATE:CONNECTED] first, one final line, nothing after", c -> {
            String path = c.path();
            Flows.Transfer t = Flows.run(c, path, Text.random(70000), CHUNKED, Flows.Order.CONSUMER_FIRST);
            Producer.validate(t.control(), "control channel");
        });
        r.must("DATA-13", "after a clean chunked end: last line [STATE:TRANSFER_SUCCESSFUL], then the terminating chunk", c -> {
            byte[] data = Text.random(4096);
            Flows.run(c, c.path(), data, CHUNKED, Flows.Order.PRODUCER_FIRST).expectClean(data, "chunked upload");
        });
        r.must("DATA-13", "after a complete Content-Length upload: last line [STATE:TRANSFER_SUCCESSFUL], clean end", c -> {
            byte[] data = Text.random(4096);
            Flows.run(c, c.path(), data, Producer.Framing.length(data.length), Flows.Order.CONSUMER_FIRST)
                    .expectClean(data, "Content-Length upload");
        });
        r.must("DATA-14", "[STATE:TRANSFER_SUCCESSFUL] comes only once the consumer has read the whole stream", c -> {
            String path = c.path();
            // The consumer's receive buffer is pinned small (no autotuning): the consumer's side of the
            // connection then holds at most the relay's send buffer (4 MiB on default Linux) plus
            // 16 KiB, so a relay that has read the producer's end of 16 MiB cannot have written it.
            // A proxy in between holds more (PROXY_BUFFERS): the stream then outgrows that too.
            byte[] data = Text.random((16 << 20) + (c.opt.throughProxy() ? PROXY_BUFFERS : 0));
            c.info("a stream of " + (data.length >> 20) + " MiB");
            Conn small = c.open(Ctx.QUICK, 16 << 10);
            small.send(c.head("GET", Wire0.data(path), Ctx.Side.CONSUMER));
            Consumer cons = new Consumer(c, small);
            c.awaitPresent(path, Ctx.Side.CONSUMER);
            Producer p = c.producer(path, CHUNKED, false);
            Future<Void> sender = c.async(() -> {
                Flows.sendAll(p, data, 65536);
                p.end();
                return null;
            });
            byte[] first = cons.readExactly(1000, "the consumer's first bytes");
            p.expectLine(ControlLine.CONNECTED, "first control line");
            // The consumer now reads nothing: 16 MiB cannot all sit in the consumer side's socket
            // buffers, so the relay cannot have written the stream's end, and must not claim success.
            String early;
            try {
                early = p.lineWithin(Duration.ofMillis(1500));
            } catch (Failure e) {
                early = null;
            }
            String got = early;
            expect(got == null, "the producer's control channel while the consumer has not read the stream",
                    "no line yet", () -> got);
            Conn.Body rest = cons.rest();
            byte[] tail = rest.bytes();
            boolean whole = rest.end() == Conn.End.CLEAN && first.length + tail.length == data.length
                    && Arrays.equals(first, 0, first.length, data, 0, first.length)
                    && Arrays.equals(tail, 0, tail.length, data, first.length, data.length);
            expect(whole, "the consumer's stream", Text.digest(data), () -> Text.digest(concat(first, tail)) + " " + rest.end());
            c.await(sender, Duration.ofSeconds(30), "the upload");
            Producer.Control ctl = p.finish();
            expect(ctl.last().equals(ControlLine.TRANSFER_SUCCESSFUL.text()), "the final line once the consumer has all",
                    ControlLine.TRANSFER_SUCCESSFUL.text(), ctl::describe);
        });
        r.must("DATA-15", "a consumer that closes mid-stream: the still-uploading producer gets [ERROR:RECEIVER_PREMATURE_DISCONNECT]",
                c -> consumerLeaves(c, false));
        r.must("DATA-15", "a consumer that resets mid-stream: the still-uploading producer gets [ERROR:RECEIVER_PREMATURE_DISCONNECT]",
                c -> consumerLeaves(c, true));
        r.must("DATA-16", "after an ERROR line the relay closes the producer's connection within 5 s although it keeps sending", c -> {
            String path = c.path();
            Flows.Streaming s = Flows.streaming(c, path, Text.random(1000), CHUNKED);
            Producer p = s.producer();
            AtomicLong sent = new AtomicLong();
            Future<Void> pump = c.async(() -> pump(p, sent, 1L << 30));
            s.consumer().conn.reset();
            consumerGone(c, p);
            long t0 = System.nanoTime();
            boolean closed = p.conn.closedWithin(Duration.ofSeconds(5));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            expect(closed, "the producer's connection after the error line", "closed by the relay within 5 s",
                    () -> "still open after " + ms + " ms; " + sent.get() + " bytes sent");
            pump.cancel(true);
        });

        r.group("the consumer's response (5.4)");
        r.must("DATA-17", "the producer's Content-Type reaches the consumer", c -> {
            byte[] data = Text.random(10);
            String type = "text/x-conformance; charset=utf-8";
            Flows.Transfer t = Flows.run(c, c.path(), data, CHUNKED, Flows.Order.CONSUMER_FIRST, "Content-Type: " + type)
                    .expectClean(data, "typed stream");
            expect(t.consumerHead().first("Content-Type").orElse("").equalsIgnoreCase(type), "the consumer's Content-Type",
                    type, () -> t.consumerHead().first("Content-Type").orElse("(none)"));
        });
        r.must("DATA-17", "without a producer Content-Type the consumer gets application/octet-stream", c -> {
            byte[] data = Text.random(10);
            Flows.Transfer t = Flows.run(c, c.path(), data, CHUNKED, Flows.Order.PRODUCER_FIRST).expectClean(data, "untyped stream");
            expect(t.consumerHead().mediaType().orElse("").equals(Wire.DEFAULT_CONTENT_TYPE), "the consumer's Content-Type",
                    Wire.DEFAULT_CONTENT_TYPE, () -> t.consumerHead().first("Content-Type").orElse("(none)"));
        });
        r.must("DATA-18", "the producer's Content-Length reaches the consumer", c -> {
            byte[] data = Text.random(12345);
            Flows.Transfer t = Flows.run(c, c.path(), data, Producer.Framing.length(data.length), Flows.Order.CONSUMER_FIRST)
                    .expectClean(data, "Content-Length stream");
            expect(t.consumerHead().first("Content-Length").orElse("").equals("12345") && !t.consumerHead().chunked(),
                    "the consumer's Content-Length", "Content-Length: 12345, not chunked", t.consumerHead()::describe);
        });
        r.must("DATA-19", "Content-Disposition and X-Meta-* pass unchanged; Authorization and other headers do not", c -> {
            byte[] data = Text.random(10);
            String disposition = "attachment; filename=\"conformance data.bin\"";
            String[] headers = c.creds().tokens()
                    ? new String[] {"Content-Disposition: " + disposition, "X-Meta-Origin: suite/1", "X-Meta-Origin: second",
                        "x-meta-lower: Mixed Case", "X-Conformance-Other: no"}
                    : new String[] {"Content-Disposition: " + disposition, "X-Meta-Origin: suite/1", "X-Meta-Origin: second",
                        "x-meta-lower: Mixed Case", "X-Conformance-Other: no", "Authorization: Bearer conformance-not-a-token"};
            Flows.Transfer t = Flows.run(c, c.path(), data, CHUNKED, Flows.Order.CONSUMER_FIRST, headers).expectClean(data, "stream");
            Head h = t.consumerHead();
            expect(h.first("Content-Disposition").orElse("").equals(disposition), "Content-Disposition", disposition, h::describe);
            List<String> origin = h.all("X-Meta-Origin").stream()
                    .flatMap(v -> Arrays.stream(v.split(",")).map(String::strip)).toList();
            expect(origin.equals(List.of("suite/1", "second")), "X-Meta-Origin (twice)", "suite/1, second", h::describe);
            expect(h.first("X-Meta-Lower").orElse("").equals("Mixed Case"), "x-meta-lower", "Mixed Case", h::describe);
            expect(!h.has("X-Conformance-Other") && !h.has("Authorization"), "headers that are not passed on",
                    "no X-Conformance-Other, no Authorization", h::describe);
        });
        r.must("DATA-20", "for a chunked upload the consumer's response is chunked (never delimited by closing)", c -> {
            byte[] data = Text.random(3000);
            Flows.Transfer t = Flows.run(c, c.path(), data, CHUNKED, Flows.Order.CONSUMER_FIRST);
            expect(t.consumerHead().chunked(), "the consumer's framing", "Transfer-Encoding: chunked", t.consumerHead()::describe);
            t.expectClean(data, "stream");
        });

        r.group("ends (5.5)");
        r.must("DATA-21", "producer closes mid-stream: the consumer's response is cut after a prefix of the bytes sent", c -> {
            producerAborts(c, CHUNKED, Conn::close);
        });
        r.must("DATA-21", "producer resets mid-stream: the consumer's response is cut", c -> {
            producerAborts(c, CHUNKED, Conn::reset);
        });
        r.must("DATA-21", "producer stops short of its Content-Length: the consumer gets that length and fewer bytes", c -> {
            Conn.Body b = producerAborts(c, Producer.Framing.length(100000), Conn::close);
            expect(b.bytes().length < 100000, "the consumer's bytes", "fewer than 100000", b::describe);
        });
        r.must("DATA-21", "broken chunk framing mid-stream: the consumer's response is cut, never a clean end", c -> {
            producerAborts(c, CHUNKED, conn -> {
                try {
                    conn.send("zz-not-a-chunk-size\r\nrubbish\r\n");
                } catch (IOException e) {
                    // the relay may have closed already
                }
            });
        });
        r.must("DATA-22", "a consumer that stops reading stops the producer after a bounded number of bytes", c -> {
            String path = c.path();
            Flows.Streaming s = Flows.streaming(c, path, Text.random(1000), CHUNKED);
            AtomicLong sent = new AtomicLong();
            long cap = 80L << 20;
            Future<Void> pump = c.async(() -> pump(s.producer(), sent, cap));
            // Wait until the producer's writes stall: no progress for 1.5 s.
            long last = -1;
            long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            while (System.nanoTime() < deadline && sent.get() != last) {
                last = sent.get();
                Thread.sleep(1500);
            }
            long stalled = sent.get();
            expect(stalled < 64L << 20, "bytes the relay accepted while its consumer read nothing",
                    "a bounded amount (< 64 MiB: socket buffers and a small relay buffer)",
                    () -> (stalled >> 20) + " MiB" + (stalled >= cap ? " and still accepting" : ""));
            c.info("the producer stalled after " + (stalled >> 10) + " KiB while the consumer read nothing (all buffers on the way)");
            pump.cancel(true);
        });
        r.must("DATA-23", "other methods on the Data API get 405 with Allow: GET, PUT", c -> {
            for (String m : new String[] {"POST", "DELETE", "PATCH", "OPTIONS", "HEAD"}) {
                Ctx.Reply rep = c.exchange(m, Wire0.data(c.path()), Ctx.Side.PRODUCER, Ctx.QUICK);
                Ctx.status(rep, Wire.METHOD_NOT_ALLOWED, m + " on the Data API");
                String allow = rep.head().first("Allow").orElse("").toUpperCase(Locale.ROOT);
                expect(allow.contains("GET") && allow.contains("PUT"), m + ": Allow", "GET, PUT", rep::describe);
                if (!m.equals("HEAD")) {
                    Ctx.oneLine(rep, m + " 405 answer");
                }
            }
        });

        DataEdgeCases.register(r);
    }

    /** A PUT that the relay refuses before pairing (no body sent: a refused producer never needs one). */
    static Ctx.Reply refusedPut(Ctx c, String path, boolean expect) throws IOException {
        Conn p = c.open();
        p.send(c.head("PUT", Wire0.data(path), Ctx.Side.PRODUCER, "Content-Length: 5", expect ? "Expect: 100-continue" : "X-Conformance: 1"));
        Head h = c.readHead(p, "second producer");
        Conn.Body b = p.readBody(h, 1 << 16);
        p.close();
        return new Ctx.Reply(h, b);
    }

    /** Waits for the producer's RECEIVER_PREMATURE_DISCONNECT after CONNECTED. */
    static void consumerGone(Ctx c, Producer p) throws IOException {
        Producer.Control ctl = p.finish();
        expect(ctl.lines().size() >= 2 && ctl.lines().get(0).equals(ControlLine.CONNECTED.text())
                        && ctl.last().equals(ControlLine.RECEIVER_PREMATURE_DISCONNECT.text()),
                "the producer's control channel after its consumer left",
                ControlLine.CONNECTED.text() + " … " + ControlLine.RECEIVER_PREMATURE_DISCONNECT.text(), ctl::describe);
    }

    private static void consumerLeaves(Ctx c, boolean reset) throws Exception {
        String path = c.path();
        Flows.Streaming s = Flows.streaming(c, path, Text.random(1000), CHUNKED);
        Producer p = s.producer();
        AtomicLong sent = new AtomicLong();
        Future<Void> pump = c.async(() -> pump(p, sent, 1L << 30));
        s.consumer().readExactly(100000, "the consumer's bytes before it leaves");
        if (reset) {
            s.consumer().conn.reset();
        } else {
            s.consumer().conn.close();
        }
        p.expectLine(ControlLine.CONNECTED, "first control line");
        String l;
        try {
            l = p.line();
        } catch (Conn.Cut e) {
            throw new Failure("the producer's control channel after its consumer left",
                    ControlLine.RECEIVER_PREMATURE_DISCONNECT.text(), "cut without it: " + e.getMessage());
        }
        String line = l;
        expect(ControlLine.RECEIVER_PREMATURE_DISCONNECT.text().equals(line), "the producer's next control line",
                ControlLine.RECEIVER_PREMATURE_DISCONNECT.text(), () -> line == null ? "clean end" : line);
        expect(!pump.isDone(), "the producer's upload when the error line came", "still running (full duplex)",
                () -> "already over after " + sent.get() + " bytes");
        pump.cancel(true);
    }

    /** Sends 64 KiB chunks until {@code cap}, a write fails, or the task is cancelled. */
    static Void pump(Producer p, AtomicLong sent, long cap) {
        byte[] block = Text.random(65536);
        try {
            while (sent.get() < cap && !Thread.currentThread().isInterrupted()) {
                p.send(block);
                sent.addAndGet(block.length);
            }
        } catch (IOException e) {
            // the relay closed: that is what some cases wait for
        }
        return null;
    }

    private interface ConnAction {
        void apply(Conn c) throws IOException;
    }

    /** Streams some bytes, then makes the producer end badly; the consumer must see a cut. */
    private static Conn.Body producerAborts(Ctx c, Producer.Framing f, ConnAction abort) throws Exception {
        String path = c.path();
        byte[] first = Text.random(5000);
        Flows.Streaming s = Flows.streaming(c, path, first, f);
        abort.apply(s.producer().conn);
        Conn.Body rest = s.consumer().rest();
        expect(rest.end() == Conn.End.CUT, "the consumer's response after the producer's abort",
                "a cut: no terminating chunk / short of Content-Length, connection closed", rest::describe);
        expect(rest.bytes().length == 0, "bytes after the abort", "none beyond those sent", rest::describe);
        return new Conn.Body(concat(first, rest.bytes()), rest.end(), rest.detail());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static String peek(Conn c) {
        try {
            Head h = c.readAnyHead();
            return h.describe();
        } catch (IOException e) {
            return "(" + e.getMessage() + ")";
        }
    }

    /** Retries a request on {@code path} while it is refused with 409; returns once one waits. */
    private static Consumer admitted(Ctx c, String path, IOSupplier<Conn> open) throws Exception {
        long end = System.nanoTime() + NOTICE.toNanos();
        String last = "";
        while (System.nanoTime() < end) {
            Conn conn = open.get();
            Consumer cons = new Consumer(c, conn);
            if (!conn.anyBytesWithin(Duration.ofMillis(300))) {
                return cons;
            }
            last = cons.head().describe();
            conn.close();
            Thread.sleep(100); // retrying: being admitted is the only sign that the relay let the other go
        }
        throw new Failure("the next consumer after one left while waiting", "admitted to wait within " + NOTICE.toMillis() + " ms", last);
    }

    private interface IOSupplier<T> {
        T get() throws IOException;
    }
}
