package dev.okapi.conformance;

import java.io.IOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;

import dev.okapi.protocol.Wire;

import static dev.okapi.conformance.Ctx.expect;
import static dev.okapi.conformance.Producer.Framing.CHUNKED;

/**
 * Spec section 5, the requirements of spec version 1 on the edges of HTTP: pairing at the same
 * instant, a producer's early bytes, query strings, the upload's framing (chunk extensions,
 * trailers, bytes past {@code Content-Length}, {@code Content-Encoding}), the consumer's response
 * headers (no content coding, no redirect, the browser-origin headers), streaming without delay,
 * a long transfer, and the end of a producer that leaves before its first byte. They continue the
 * {@code data} section of {@link DataCases}.
 */
final class DataEdgeCases {

    private DataEdgeCases() {
    }

    static void register(Registry r) {
        r.group("pairing and the upload (5.1, 5.4)");
        r.must("DATA-27", "a producer and a consumer arriving at the same instant pair with each other (20 paths)", c -> {
            for (int i = 0; i < 20; i++) {
                String p = c.path();
                CountDownLatch go = new CountDownLatch(1);
                byte[] data = Text.random(64);
                Future<Producer> prod = c.async(() -> {
                    go.await();
                    Producer pr = c.producer(p, Producer.Framing.length(data.length), false);
                    pr.send(data);
                    return pr;
                });
                Future<Consumer> cons = c.async(() -> {
                    go.await();
                    return c.consumer(p);
                });
                go.countDown();
                Consumer co = c.await(cons, Ctx.QUICK, "the consumer's request");
                co.expectStream(data, "simultaneous arrival #" + (i + 1));
                Producer.Control ctl = c.await(prod, Ctx.QUICK, "the producer's request").finish();
                expect(ctl.last().equals(Wire.ControlLine.TRANSFER_SUCCESSFUL.text()), "simultaneous arrival #" + (i + 1)
                        + ": the producer's final line", Wire.ControlLine.TRANSFER_SUCCESSFUL.text(), ctl::describe);
            }
        });
        r.must("DATA-25", "a producer's body sent before pairing (no Expect) reaches the consumer whole, 1.5 s later", c -> {
            String p = c.path();
            byte[] early = Text.random(3000);
            byte[] late = Text.random(3000);
            Producer pr = c.producer(p, CHUNKED, false);
            pr.send(Arrays.copyOfRange(early, 0, 1000)).send(Arrays.copyOfRange(early, 1000, 3000));
            c.awaitPresent(p, Ctx.Side.PRODUCER);
            // Time is the subject: past the departure bound D, a relay that watches by reading has read these bytes.
            Thread.sleep(1500);
            Consumer cons = c.consumer(p);
            pr.paired();
            pr.send(late).end();
            byte[] all = new byte[6000];
            System.arraycopy(early, 0, all, 0, 3000);
            System.arraycopy(late, 0, all, 3000, 3000);
            cons.expectStream(all, "the early bytes, then the rest");
        });
        r.should("DATA-26", "a waiting consumer or producer that leaves is no longer reported present within D (1 s) + 1.5 s", c -> {
            String p = c.path();
            Consumer cons = c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            cons.conn.close();
            Departures.expectGone(c, p, Ctx.Side.CONSUMER, "a waiting consumer that closed its connection");
            String q = c.path();
            Producer pr = c.producer(q, CHUNKED, false);
            pr.send(Text.random(100));
            c.awaitPresent(q, Ctx.Side.PRODUCER);
            pr.conn.reset();
            Departures.expectGone(c, q, Ctx.Side.PRODUCER, "a waiting producer (body bytes sent) that reset its connection");
        });
        r.must("DATA-33", "query strings on Data URLs are ignored: PUT ?x=1 and GET ?y=2 pair on the path", c -> {
            String p = c.path();
            Conn cc = c.open();
            cc.send(c.head("GET", Wire0.data(p) + "?y=2&mode=await-writer", Ctx.Side.CONSUMER));
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            byte[] data = Text.random(500);
            Conn pc = c.open();
            pc.send(c.head("PUT", Wire0.data(p) + "?x=1&timeout=0", Ctx.Side.PRODUCER, "Content-Length: " + data.length));
            pc.send(data);
            new Consumer(c, cc).expectStream(data, "a stream whose URLs carry query strings");
        });
        r.must("DATA-30", "chunk extensions are ignored: the stream arrives intact and ends cleanly", c ->
                Flows.rawChunks(c, "5;ext=1\r\nhello\r\n6;a=\"b\";c\r\n world\r\n0;last=yes\r\n\r\n"));
        r.must("DATA-31", "an upload that ends with trailer fields is a clean end", c ->
                Flows.rawChunks(c, "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n"));
        r.must("DATA-32", "the producer's trailer fields do not reach the consumer", c -> {
            String p = c.path();
            Consumer cons = c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            Producer pr = c.producer(p, CHUNKED, false, "Trailer: X-Secret-Trailer");
            pr.conn.send("5\r\nhello\r\n0\r\nX-Secret-Trailer: s3cr3t\r\n\r\n");
            Head h = cons.head();
            cons.expectStream(Text.ascii("hello"), "the stream");
            List<String> seen = new ArrayList<>(cons.conn.trailers());
            h.headers().forEach(e -> seen.add(e.getKey() + ": " + e.getValue()));
            expect(seen.stream().noneMatch(l -> l.toLowerCase(Locale.ROOT).contains("x-secret-trailer") || l.contains("s3cr3t")),
                    "the consumer's header and trailer fields", "no X-Secret-Trailer", seen::toString);
        });
        r.must("DATA-34", "bytes past Content-Length never reach the consumer", c -> {
            String p = c.path();
            Consumer cons = c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            Producer pr = c.producer(p, Producer.Framing.length(10), false);
            pr.conn.send(Text.ascii("0123456789EXTRA-BYTES-PAST-THE-LENGTH\r\n\r\n"));
            cons.expectStream(Text.ascii("0123456789"), "a 10-byte upload followed by more bytes");
        });
        r.must("DATA-29", "a PUT with Content-Encoding gets 415 or 400 before pairing; the waiting consumer is untouched", c -> {
            String p = c.path();
            Consumer cons = c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            Conn x = c.open();
            x.send(c.head("PUT", Wire0.data(p), Ctx.Side.PRODUCER, "Content-Encoding: gzip", "Content-Length: 20",
                    "Expect: 100-continue"));
            Head h = c.readHead(x, "a PUT with Content-Encoding: gzip");
            Ctx.Reply rep = new Ctx.Reply(h, x.readBody(h, 1 << 16));
            expect(!x.sawContinue(), "the refused producer", "no 100 Continue", rep::describe);
            expect(Ctx.oneOf(h.status(), Wire0.UNSUPPORTED_MEDIA_TYPE, Wire.BAD_REQUEST), "a PUT with Content-Encoding: gzip",
                    "415 (or 400), before pairing", rep::describe);
            Ctx.oneLine(rep, "the refusal");
            expect(!cons.conn.anyBytesWithin(Duration.ofMillis(200)), "the waiting consumer", "untouched: still waiting",
                    () -> "it got an answer");
            Flows.Transfer t = Flows.pairWithWaitingConsumer(c, p, cons, Text.random(100));
            expect(t.body().end() == Conn.End.CLEAN, "the consumer then pairs with a plain producer", "a clean stream",
                    t.body()::describe);
        });

        r.group("the consumer's response (5.5)");
        r.must("DATA-35", "no content coding towards a consumer that sends Accept-Encoding: gzip, deflate, br", c -> {
            String p = c.path();
            Consumer cons = c.consumer(p, "Accept-Encoding: gzip, deflate, br");
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            byte[] data = Text.ascii("compressible text ".repeat(5000));
            Producer pr = c.producer(p, CHUNKED, false, "Content-Type: text/plain");
            pr.send(data).end();
            Head h = cons.head();
            String enc = h.first("Content-Encoding").orElse("identity").strip().toLowerCase(Locale.ROOT);
            expect(enc.equals("identity"), "the consumer's Content-Encoding", "none", h::describe);
            cons.expectStream(data, "the stream");
        });
        r.must("DATA-36", "no redirection on the Data API: a trailing-slash path waits as its own stream", c -> {
            String p = c.path() + "/";
            String q = c.path() + "/";
            Consumer cons = c.consumer(p);
            Producer pr = c.producer(q, CHUNKED, true);
            for (Conn x : new Conn[] {cons.conn, pr.conn}) {
                if (x.anyBytesWithin(Duration.ofMillis(500))) {
                    Head h = c.readHead(x, "a Data request on a path with a trailing slash");
                    expect(h.status() < 300 || h.status() >= 400, "a Data request on a path with a trailing slash",
                            "no 3xx (it waits)", h::describe);
                }
            }
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            c.awaitPresent(q, Ctx.Side.PRODUCER);
        });
        r.must("DATA-37", "the consumer's response carries Content-Security-Policy: sandbox (no allow-scripts, allow-same-origin)", c -> {
            Head h = htmlStream(c);
            String csp = String.join(";", h.all("Content-Security-Policy")).toLowerCase(Locale.ROOT);
            boolean sandbox = Arrays.stream(csp.split(";")).map(String::strip)
                    .anyMatch(d -> d.equals("sandbox") || d.startsWith("sandbox ") && !d.contains("allow-scripts")
                            && !d.contains("allow-same-origin"));
            expect(sandbox, "the consumer's Content-Security-Policy", "sandbox", h::describe);
        });
        r.should("DATA-38", "the consumer's response carries X-Robots-Tag: none", c -> {
            Head h = htmlStream(c);
            String tag = String.join(",", h.all("X-Robots-Tag")).toLowerCase(Locale.ROOT);
            expect(tag.contains("none") || tag.contains("noindex") && tag.contains("nofollow"), "the consumer's X-Robots-Tag",
                    "none", h::describe);
        });

        r.group("flow and ends (5.6)");
        r.must("DATA-28", "a producer that leaves before its first byte: the consumer never gets another producer's bytes after its head", c -> {
            String p = c.path();
            Consumer cons = c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            Producer first = c.producer(p, CHUNKED, false, "Content-Type: application/x-first");
            first.paired();
            first.expectLine(Wire.ControlLine.CONNECTED, "the first producer's first line");
            boolean headSent = cons.conn.anyBytesWithin(Duration.ofMillis(300));
            first.conn.reset();
            byte[] second = Text.random(2000);
            Producer next = retryWhileBusy(c, p);
            if (next != null) {
                c.async(() -> {
                    next.send(second).end();
                    return null;
                });
            }
            Head h;
            try {
                h = cons.conn.readHead();
            } catch (IOException e) {
                c.info("the consumer was cut before its head (allowed)");
                return;
            }
            Conn.Body b = cons.conn.readBody(h, 1 << 20);
            boolean secondsBytes = Text.sha256(b.bytes()).equals(Text.sha256(second));
            if (headSent || h.first("Content-Type").orElse("").contains("x-first")) {
                expect(b.end() == Conn.End.CUT && b.bytes().length == 0, "the consumer whose head carried the first producer's headers",
                        "a cut with no payload (never the next producer's stream)", () -> b.describe() + (secondsBytes ? " = the next producer's stream" : ""));
                c.info("the consumer's head went out at pairing; it was cut");
            } else {
                expect(b.end() == Conn.End.CLEAN && secondsBytes, "the consumer that had no head yet",
                        "the next producer's stream, whole, or a cut", b::describe);
                c.info("the consumer had no head yet and got the next producer's stream (allowed)");
            }
        });
        r.must("DATA-39", "byte by byte: each byte reaches the consumer before the producer sends the next", c -> {
            String p = c.path();
            Consumer cons = c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            Producer pr = c.producer(p, CHUNKED, false);
            byte[] data = Text.random(40);
            long worst = 0;
            for (int i = 0; i < data.length; i++) {
                long t0 = System.nanoTime();
                pr.send(new byte[] {data[i]});
                byte[] got = cons.readExactly(1, "byte " + i + " (sent alone, the producer waiting for it)");
                worst = Math.max(worst, (System.nanoTime() - t0) / 1_000_000);
                int at = i;
                expect(got[0] == data[at], "byte " + i, Integer.toString(data[at] & 0xff), () -> Integer.toString(got[0] & 0xff));
            }
            pr.end();
            c.info("slowest byte: " + worst + " ms from the producer's write to the consumer's read");
        });
        r.needs(Need.LONG_TRANSFER).must("DATA-2", "a long, slow transfer (--long-transfer S at --long-rate B/s) arrives whole", c -> {
            String p = c.path();
            Consumer cons = c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            Producer pr = c.producer(p, CHUNKED, false);
            int rate = c.opt.longRate();
            long seconds = c.opt.longTransfer().toSeconds();
            int tick = Math.max(1, rate / 10);
            long total = (long) rate * seconds;
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            Future<Void> up = c.async(() -> {
                long start = System.nanoTime();
                for (long off = 0; off < total; off += tick) {
                    byte[] b = Text.random((int) Math.min(tick, total - off));
                    sent.update(b);
                    pr.send(b);
                    long due = start + (off + b.length) * 1_000_000_000L / rate;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // the producer's pace is the subject
                    }
                }
                pr.end();
                return null;
            });
            Conn.Body b = cons.conn.readBody(cons.head(), Integer.MAX_VALUE - 16);
            c.await(up, Duration.ofSeconds(seconds + 30), "the slow upload");
            byte[] want = sent.digest();
            expect(b.end() == Conn.End.CLEAN && b.bytes().length == total
                            && Arrays.equals(MessageDigest.getInstance("SHA-256").digest(b.bytes()), want),
                    "a " + seconds + " s transfer of " + total + " bytes", "all bytes, clean end", b::describe);
            Producer.Control ctl = pr.finish();
            expect(ctl.last().equals(Wire.ControlLine.TRANSFER_SUCCESSFUL.text()), "the producer's final line",
                    Wire.ControlLine.TRANSFER_SUCCESSFUL.text(), ctl::describe);
            c.info(total + " bytes in " + seconds + " s at " + rate + " B/s");
        });
    }

    /** A short text/html stream; returns the consumer's head. */
    private static Head htmlStream(Ctx c) throws Exception {
        String p = c.path();
        byte[] page = Text.ascii("<html><script>alert(document.domain)</script></html>");
        Flows.Transfer t = Flows.run(c, p, page, Producer.Framing.length(page.length), Flows.Order.CONSUMER_FIRST,
                "Content-Type: text/html");
        t.expectClean(page, "a text/html stream");
        return t.consumerHead();
    }

    /** A second producer on {@code path}, retried while the relay still answers 409 for the one that left; null if never admitted. */
    private static Producer retryWhileBusy(Ctx c, String path) throws Exception {
        long end = System.nanoTime() + Ctx.QUICK.toNanos();
        while (System.nanoTime() < end) {
            Producer pr = c.producer(path, CHUNKED, true, "Content-Type: application/x-second");
            if (!pr.conn.anyBytesWithin(Duration.ofMillis(300))) {
                return pr; // waiting or paired-and-waiting for 100: admitted
            }
            Head h = pr.head();
            if (h.status() != Wire.BUSY) {
                return h.status() == Wire.OK ? pr : null;
            }
            Thread.sleep(100); // retrying: being admitted is the only sign that the relay let the other go
        }
        return null;
    }
}
