package dev.okapi.conformance;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;

import dev.okapi.protocol.Wire;

import static dev.okapi.conformance.Ctx.expect;

/**
 * Spec section 3.1 (connections: head timeout, non-HTTP bytes, {@code Connection: close},
 * keep-alive, HTTP/1.0) and the browser-origin rule of section 11 ([HTTP-11]). They continue the
 * {@code http} section of {@link HttpCases}.
 */
final class ConnectionCases {

    /** A TLS 1.2 ClientHello's first bytes: what a client that wants HTTPS sends to a plain port. */
    private static final byte[] CLIENT_HELLO = {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00, 0x00, (byte) 0xa1, 0x03, 0x03,
        0x5a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71, 0x00, 0x00, 0x20, (byte) 0xc0, 0x2f, 0x13, 0x01, 0x01, 0x00};

    private ConnectionCases() {
    }

    static void register(Registry r) {
        r.group("connections (3.1)");
        r.must("HTTP-6", "a request head that stops half-way is closed within the head timeout", c -> {
            Conn x = c.open(bound(c));
            x.send("GET " + Wire0.data(c.path()) + " HTTP/1.1\r\nHost: " + c.target.hostHeader() + "\r\nX-Half: y");
            closedWithin(c, x, bound(c), "a connection whose request head stopped after a header line");
        });
        r.must("HTTP-7", "a TLS ClientHello on a plain-HTTP port gets 400 or a close", c -> {
            if (c.target.tls()) {
                c.info("the target speaks TLS: the ClientHello is the handshake itself; checked with binary garbage instead");
            }
            Conn x = c.open(bound(c));
            x.send(c.target.tls() ? new byte[] {0, 1, 2, 3, (byte) 0xff, 0x7f, 0x16, 0x03} : CLIENT_HELLO);
            closedWithin(c, x, bound(c), "a connection that sent non-HTTP bytes");
        });
        r.must("HTTP-8", "Connection: close is honoured after Connect answers and error answers", c -> {
            String p = c.path();
            for (String t : new String[] {Wire0.connect(p, Wire.Mode.AWAIT_READER, "timeout=0"), Wire.DATA_PREFIX + "/Bad",
                "/conformance-nothing-here"}) {
                closesAfter(c, "GET", t, Ctx.Side.PRODUCER, "GET " + t);
            }
        });
        r.must("HTTP-8", "Connection: close is honoured by both sides of a Data transfer", c -> {
            String p = c.path();
            Consumer cons = c.consumer(p, "Connection: close");
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            byte[] data = Text.random(5000);
            Producer pr = c.producer(p, Producer.Framing.length(data.length), false, "Connection: close");
            pr.send(data);
            cons.expectStream(data, "the consumer with Connection: close");
            Producer.Control ctl = pr.finish();
            expect(ctl.last().equals(Wire.ControlLine.TRANSFER_SUCCESSFUL.text()), "the producer's final line",
                    Wire.ControlLine.TRANSFER_SUCCESSFUL.text(), ctl::describe);
            expect(cons.conn.closedWithin(Ctx.QUICK), "the consumer's connection after its response (Connection: close)",
                    "closed by the relay", () -> "still open " + Ctx.QUICK.toSeconds() + " s later");
            expect(pr.conn.closedWithin(Ctx.QUICK), "the producer's connection after its response (Connection: close)",
                    "closed by the relay", () -> "still open " + Ctx.QUICK.toSeconds() + " s later");
        });
        r.must("HTTP-8", "Connection: close is honoured by the Management API", c ->
                closesAfter(c, "GET", Wire.API_PREFIX + Wire.MGMT_LIST, Ctx.Side.NONE, "GET accesstoken.list without a key"));
        r.should("HTTP-9", "a connection serves a next request after a Connect answer and after a completed stream", c -> {
            String p = c.path();
            Conn x = c.open();
            x.send(c.head("GET", Wire0.connect(p, Wire.Mode.AWAIT_READER, "timeout=0"), Ctx.Side.PRODUCER));
            Head h = c.readHead(x, "the first Connect");
            x.readBody(h, 1 << 16);
            reuse(c, x, h, "after a Connect answer");
            Consumer cons = c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            byte[] data = Text.random(3000);
            Producer pr = c.producer(p, Producer.Framing.length(data.length), false);
            pr.send(data);
            cons.expectStream(data, "the stream");
            Producer.Control ctl = pr.finish();
            expect(ctl.end() == Conn.End.CLEAN, "the producer's control channel", "a clean end", ctl::describe);
            reuse(c, cons.conn, cons.head(), "after a consumer's completed stream");
            reuse(c, pr.conn, pr.head(), "after a producer's completed control channel");
        });
        r.must("HTTP-10", "HTTP/1.0 on Connect and Data gets 505 or 400, one line saying to use HTTP/1.1, then a close", c -> {
            String p = c.path();
            String[][] requests = {{"GET", Wire0.connect(p, Wire.Mode.AWAIT_WRITER, "timeout=0"), ""},
                {"GET", Wire0.data(p), ""}, {"PUT", Wire0.data(p), "Content-Length: 3\r\n"}};
            for (String[] rq : requests) {
                Conn x = c.open();
                String h = c.head(rq[0], rq[1], rq[0].equals("PUT") ? Ctx.Side.PRODUCER : Ctx.Side.CONSUMER)
                        .replaceFirst(" HTTP/1\\.1\r\n", " HTTP/1.0\r\n");
                x.send(h.substring(0, h.length() - 2) + rq[2] + "\r\n" + (rq[0].equals("PUT") ? "abc" : ""));
                String what = "HTTP/1.0 " + rq[0] + " " + rq[1];
                Head head = c.readHead(x, what);
                Ctx.Reply rep = new Ctx.Reply(head, x.readBody(head, 1 << 16));
                expect(Ctx.oneOf(rep.status(), Wire0.HTTP_VERSION_NOT_SUPPORTED, Wire.BAD_REQUEST), what, "505 (or 400)", rep::describe);
                Ctx.oneLine(rep, what);
                expect(rep.text().contains("HTTP/1.1"), what + ": body", "a line that says to use HTTP/1.1", rep::describe);
                expect(x.closedWithin(Ctx.QUICK), what + ": connection", "closed after the answer", () -> "still open");
            }
        });

        r.group("browser origin (11)");
        r.must("HTTP-11", "a Service-Worker request is refused with a 4xx line and pairs with nothing", c -> {
            String p = c.path();
            Producer pr = c.producer(p, Producer.Framing.CHUNKED, true, "Content-Type: text/javascript");
            c.awaitPresent(p, Ctx.Side.PRODUCER);
            for (String t : new String[] {Wire0.data(p), Wire0.connect(p, Wire.Mode.AWAIT_WRITER, "timeout=0")}) {
                Ctx.Reply rep = c.get(t, Ctx.Side.CONSUMER, "Service-Worker: script");
                expect(rep.status() >= 400 && rep.status() < 500 && rep.status() != Wire.BUSY, "GET " + t + " with Service-Worker: script",
                        "403 (or another 4xx decided before the stream: not 409)", rep::describe);
                Ctx.oneLine(rep, "the refusal");
            }
            expect(!pr.conn.anyBytesWithin(Duration.ofMillis(300)), "the waiting producer", "nothing (not paired)",
                    () -> "bytes arrived: it was paired with the Service-Worker request");
            Flows.Transfer t = Flows.pairWithWaiting(c, p, pr, Text.random(100));
            expect(t.body().end() == Conn.End.CLEAN, "the producer then pairs with a real consumer", "a clean stream", t.body()::describe);
        });
    }

    /** The head timeout plus a margin for a loaded machine. */
    private static Duration bound(Ctx c) {
        return c.opt.headTimeout().plusSeconds(5);
    }

    private static void closedWithin(Ctx c, Conn x, Duration d, String what) {
        long t0 = System.nanoTime();
        boolean closed = x.closedWithin(d);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        expect(closed, what, "closed (a 400 or 408 first is fine) within --head-timeout + 5 s (" + d.toSeconds() + " s)",
                () -> "still open after " + ms + " ms");
        c.info("closed after " + ms + " ms");
    }

    /** Sends a body-less request with {@code Connection: close}, reads the answer, expects the relay to close. */
    private static void closesAfter(Ctx c, String method, String target, Ctx.Side side, String what) throws IOException {
        Conn x = c.open();
        x.send(c.head(method, target, side, "Connection: close"));
        Head h = c.readHead(x, what);
        Conn.Body b = x.readBody(h, 1 << 16);
        expect(b.end() == Conn.End.CLEAN || b.end() == Conn.End.CLOSED, what + ": the answer", "a complete answer", b::describe);
        expect(x.closedWithin(Ctx.QUICK), what + " with Connection: close (answered " + h.status() + ")",
                "the connection closed by the relay after the answer", () -> "still open " + Ctx.QUICK.toSeconds() + " s later");
    }

    /** [HTTP-9]: the next request on {@code x} is answered, unless the previous answer announced a close. */
    private static void reuse(Ctx c, Conn x, Head previous, String what) throws IOException {
        if (previous.first("Connection").orElse("").toLowerCase(Locale.ROOT).contains("close")) {
            c.info(what + ": the relay announced Connection: close (allowed; no reuse)");
            return;
        }
        x.send(c.head("GET", Wire0.connect(c.path(), Wire.Mode.AWAIT_WRITER, "timeout=0"), Ctx.Side.CONSUMER));
        Head h = c.readHead(x, "a second request on the same connection " + what);
        expect(h.status() == Wire.WAIT_EXPIRED, "a second request on the same connection " + what, "answered (504)", h::describe);
    }
}
