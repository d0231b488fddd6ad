package dev.okapi.conformance;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import dev.okapi.protocol.Wire;
import dev.okapi.protocol.Wire.ControlLine;

import static dev.okapi.conformance.Ctx.expect;

/**
 * Bad input, systematically: malformed paths and headers, broken framing, clients that stall or
 * vanish at each phase, crowds on one path. Each must get a clear error or a clean close, never a
 * hang, a crash, or another stream's data. Over 300 lines: twenty short scenarios, kept as one list.
 */
final class HostileCases {

    private HostileCases() {
    }

    static void register(Registry r) {
        r.section("hostile");

        r.group("paths");
        r.must("PATH-2", "double-encoded and overlong-UTF-8 dot tricks get 400", c -> {
            String b = c.path();
            for (String bad : new String[] {b + "/%252e%252e", b + "/%c0%ae%c0%ae", b + "/%u002e%u002e", b + "%2f%2e%2e%2fx",
                b + "/..%2f", b + "/%2E"}) {
                PathCases.rejected(c, bad);
            }
        });
        r.must("HTTP-2", "an 8 KiB path and a 100 KiB request line get 4xx or a close; the relay serves on", c -> {
            for (int n : new int[] {8 << 10, 100 << 10}) {
                Conn x = c.open();
                x.send("GET " + Wire.DATA_PREFIX + "/" + "a".repeat(n) + " HTTP/1.1\r\nHost: " + c.target.hostHeader() + "\r\n\r\n");
                errorOrClose(x, n + "-byte path");
            }
            survives(c);
        });
        r.must("HTTP-2", "NUL, control and raw UTF-8 bytes in the request target get 4xx or a close", c -> {
            for (String t : new String[] {"/a\u0000b", "/a\u0001b", "/caf\u00e9", "/a\tb"}) {
                Conn x = c.open();
                byte[] line = ("GET " + Wire.DATA_PREFIX + c.path() + t + " HTTP/1.1\r\nHost: x\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8);
                x.send(line);
                errorOrClose(x, "target with " + Text.show(t.getBytes(StandardCharsets.UTF_8), 20));
            }
            survives(c);
        });

        r.group("headers");
        r.must("HTTP-2", "a 1 MiB header value gets 4xx or a close; the relay serves on", c -> {
            Conn x = c.open();
            sendQuietly(x, "GET " + Wire0.data(c.path()) + " HTTP/1.1\r\nHost: x\r\nX-Huge: " + "h".repeat(1 << 20) + "\r\n\r\n");
            errorOrClose(x, "1 MiB header");
            survives(c);
        });
        r.must("HTTP-2", "10000 header fields get 4xx or a close; the relay serves on", c -> {
            StringBuilder sb = new StringBuilder("GET " + Wire0.data(c.path()) + " HTTP/1.1\r\nHost: x\r\n");
            for (int i = 0; i < 10000; i++) {
                sb.append("X-F").append(i).append(": v\r\n");
            }
            Conn x = c.open();
            sendQuietly(x, sb.append("\r\n").toString());
            errorOrClose(x, "10000 header fields");
            survives(c);
        });
        r.must("HTTP-2", "malformed header lines (no colon, space before colon, obs-fold) get 400 or a close", c -> {
            for (String h : new String[] {"NoColonHere", "X-Space : v", "X-Fold: a\r\n  folded"}) {
                Conn x = c.open();
                x.send("GET " + Wire0.data(c.path()) + " HTTP/1.1\r\nHost: x\r\n" + h + "\r\n\r\n");
                errorOrClose(x, "header '" + h.replace("\r\n", "\\r\\n") + "'");
            }
            survives(c);
        });
        r.must("HTTP-2", "a PUT with a bad or doubled Content-Length is refused and never pairs", c -> {
            String p = c.path();
            Consumer cons = c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            for (String cl : new String[] {"Content-Length: abc", "Content-Length: -5", "Content-Length: 5\r\nContent-Length: 7"}) {
                Conn x = c.open();
                x.send(c.head("PUT", Wire0.data(p), Ctx.Side.PRODUCER, cl) + "hello");
                errorOrClose(x, cl.replace("\r\n", " + "));
            }
            expect(!cons.conn.anyBytesWithin(Duration.ofMillis(300)), "the waiting consumer", "still waiting, nothing received",
                    () -> "bytes arrived");
            byte[] data = Text.random(100);
            c.producer(p, Producer.Framing.length(data.length), false).send(data);
            cons.expectStream(data, "the next valid producer's stream");
        });
        r.must("HTTP-3", "Content-Length with Transfer-Encoding: chunked is refused or framed by chunks, never smuggled", c -> {
            String p = c.path();
            Consumer cons = c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            Conn x = c.open();
            x.send(c.head("PUT", Wire0.data(p), Ctx.Side.PRODUCER, "Content-Length: 3", "Transfer-Encoding: chunked")
                    + "5\r\nhello\r\n0\r\n\r\n");
            // Either the relay refuses the request (RFC 9112 6.3 allows it) and the consumer is
            // untouched, or chunked framing wins and the consumer gets exactly "hello".
            Head ph;
            try {
                ph = x.readHead();
            } catch (IOException e) {
                ph = null; // closed: a refusal
            }
            if (ph == null || ph.status() >= 400) {
                // Refused: the consumer is untouched, still waiting, and pairs with the next producer.
                expect(!cons.conn.anyBytesWithin(Duration.ofMillis(300)), "the waiting consumer after the refused PUT",
                        "untouched (no response yet)", () -> "bytes arrived: the refused request reached it");
                Flows.Transfer t = Flows.pairWithWaitingConsumer(c, p, cons, Text.ascii("next"));
                expect(t.body().end() == Conn.End.CLEAN && t.body().text().equals("next"), "the consumer after the refused PUT",
                        "the next producer's stream, exactly", t.body()::describe);
                return;
            }
            Head pHead = ph;
            Head h;
            try {
                h = cons.head();
            } catch (Failure e) {
                throw new Failure("a PUT with both Content-Length: 3 and chunked framing, accepted with " + pHead.status(),
                        "refused (4xx or close), or the consumer gets exactly 'hello' (chunked wins), cleanly",
                        "the consumer got no response: " + e.actual());
            }
            Conn.Body b = cons.conn.readBody(h, 1 << 16);
            expect(h.status() == Wire.OK && b.end() == Conn.End.CLEAN && b.text().equals("hello"),
                    "a PUT with both Content-Length: 3 and chunked framing, accepted with " + pHead.status(),
                    "refused (4xx or close), or the consumer gets exactly 'hello' (chunked wins), cleanly",
                    () -> "consumer: " + h.describe() + " " + b.describe());
        });

        r.group("chunk framing");
        r.must("DATA-21", "an overflowing chunk size cuts the consumer", c -> brokenChunk(c, "ffffffffffffffffffffffff\r\nx"));
        r.must("DATA-21", "chunk data longer than its size cuts the consumer", c -> brokenChunk(c, "5\r\nhelloEXTRA\r\n"));
        r.must("DATA-21", "a negative chunk size cuts the consumer", c -> brokenChunk(c, "-5\r\nhello\r\n"));

        r.group("stall or vanish at each phase");
        r.must("HTTP-2", "half a request line, then silence: the relay serves others meanwhile", c -> {
            Conn x = c.open();
            x.send("GET " + Wire.DATA_PREFIX + "/half");
            survives(c);
            Flows.clean(c, c.path(), Text.random(100), Flows.Order.PRODUCER_FIRST);
            x.close();
        });
        r.must("HTTP-2", "headers cut off, then the client vanishes: the path stays usable", c -> {
            String p = c.path();
            Conn x = c.open();
            x.send("PUT " + Wire0.data(p) + " HTTP/1.1\r\nHost: x\r\nTransfer-Enc");
            x.reset();
            Flows.clean(c, p, Text.random(100), Flows.Order.CONSUMER_FIRST);
        });
        r.must("DATA-7", "a producer that vanishes after [STATE:CONNECTED], before a byte, never ends the consumer cleanly", c -> {
            String p = c.path();
            Producer gone = c.producer(p, Producer.Framing.CHUNKED, false);
            c.awaitPresent(p, Ctx.Side.PRODUCER);
            Consumer cons = c.consumer(p);
            gone.expectLine(ControlLine.CONNECTED, "first control line");
            gone.conn.reset();
            if (cons.conn.anyBytesWithin(Duration.ofSeconds(2))) {
                Head h;
                try {
                    h = cons.conn.readHead();
                } catch (IOException e) {
                    return; // cut before a response: an error, as allowed
                }
                Conn.Body b = cons.conn.readBody(h, 1 << 16);
                expect(b.end() != Conn.End.CLEAN, "the consumer after its producer vanished", "a cut, or waiting for the next producer",
                        () -> h.describe() + " " + b.describe());
                return;
            }
            byte[] data = Text.random(500);
            c.producer(p, Producer.Framing.length(data.length), false).send(data);
            cons.expectStream(data, "the next producer's stream");
        });
        r.must("DATA-21", "a producer that stalls mid-stream: other streams flow, and its later disappearance cuts the consumer", c -> {
            String p = c.path();
            Flows.Streaming s = Flows.streaming(c, p, Text.random(10000), Producer.Framing.CHUNKED);
            Flows.clean(c, c.path(), Text.random(5000), Flows.Order.PRODUCER_FIRST);
            expect(!s.consumer().conn.anyBytesWithin(Duration.ofMillis(300)), "the stalled stream's consumer",
                    "no end while the producer is only silent", () -> "bytes or an end arrived");
            s.producer().conn.reset();
            Conn.Body rest = s.consumer().rest();
            expect(rest.end() == Conn.End.CUT, "the consumer after the stalled producer vanished", "a cut", rest::describe);
        });
        r.must("DATA-13", "a producer that closes right after its terminating chunk: the consumer still gets it all, cleanly", c -> {
            String p = c.path();
            byte[] a = Text.random(3000);
            byte[] b = Text.random(3000);
            Flows.Streaming s = Flows.streaming(c, p, a, Producer.Framing.CHUNKED);
            s.producer().send(b).end();
            s.producer().conn.close();
            Conn.Body rest = s.consumer().rest();
            expect(rest.end() == Conn.End.CLEAN && Arrays.equals(rest.bytes(), b), "the consumer's stream", "the rest, clean end",
                    rest::describe);
            Flows.clean(c, p, Text.random(100), Flows.Order.PRODUCER_FIRST);
        });
        r.must("DATA-15", "a consumer that vanishes right after its response head: the producer gets the error line", c -> {
            String p = c.path();
            Consumer cons = c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            Producer pr = c.producer(p, Producer.Framing.CHUNKED, false);
            pr.send(new byte[] {42});
            cons.head();
            cons.conn.reset();
            AtomicLong sent = new AtomicLong();
            Future<Void> pump = c.async(() -> DataCases.pump(pr, sent, 1L << 30));
            DataCases.consumerGone(c, pr);
            pump.cancel(true);
        });

        r.group("crowds");
        r.must("HTTP-3", "16 producers and 16 consumers at once on one path: whole streams or 409, never a mix", HostileCases::crowd);
        r.must("HTTP-3", "40 parallel transfers on related paths (/p, /p/, /p/x, /p/x/) each deliver exactly their own bytes", c -> {
            List<Future<Void>> all = new ArrayList<>();
            for (int g = 0; g < 10; g++) {
                String base = c.path();
                for (String p : new String[] {base, base + "/", base + "/x", base + "/x/"}) {
                    byte[] data = Text.random(100000);
                    all.add(c.async(() -> {
                        Flows.run(c, p, data, Producer.Framing.CHUNKED, Flows.Order.CONSUMER_FIRST).expectClean(data, "transfer on " + p);
                        return null;
                    }));
                }
            }
            for (Future<Void> f : all) {
                c.await(f, Duration.ofSeconds(45), "a parallel transfer");
            }
        });
        r.must("HTTP-2", "200 consumers waiting on distinct paths: the relay still answers at once and streams", c -> {
            List<Conn> waiting = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                waiting.add(c.consumer(c.path()).conn);
            }
            long t0 = System.nanoTime();
            survives(c);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            expect(ms < 3000, "a Connect probe among 200 waiting consumers", "answered within 3 s", () -> ms + " ms");
            Flows.clean(c, c.path(), Text.random(1000), Flows.Order.PRODUCER_FIRST);
            waiting.forEach(Conn::close);
        });
    }

    /** The relay still answers: Connect with timeout=0 on a fresh path is a 504 at once. */
    static void survives(Ctx c) throws IOException {
        Ctx.Reply rep = c.connect(c.path(), Wire.Mode.AWAIT_READER, "timeout=0", Ctx.QUICK);
        Ctx.status(rep, Wire.WAIT_EXPIRED, "a Connect probe after the hostile request");
    }

    private static void sendQuietly(Conn x, String s) {
        try {
            x.send(s);
        } catch (IOException e) {
            // the relay may close while we are still sending: that is a valid answer
        }
    }

    /** A 4xx answer, or the connection closed; never silence. */
    static void errorOrClose(Conn x, String what) {
        try {
            Head h = x.readHead();
            expect(h.status() >= 400 && h.status() < 500, what, "a 4xx answer or a closed connection", h::describe);
        } catch (SocketTimeoutException e) {
            throw new Failure(what, "a 4xx answer or a closed connection", "neither within 5 s");
        } catch (IOException e) {
            // closed or reset: fine
        }
    }

    private static void brokenChunk(Ctx c, String broken) throws Exception {
        String p = c.path();
        byte[] first = Text.random(4000);
        Flows.Streaming s = Flows.streaming(c, p, first, Producer.Framing.CHUNKED);
        sendQuietly(s.producer().conn, broken);
        Conn.Body rest = s.consumer().rest();
        expect(rest.end() == Conn.End.CUT, "the consumer after broken chunk framing '" + broken.replace("\r\n", "\\r\\n") + "'",
                "a cut, never a clean end", rest::describe);
        survives(c);
    }

    /** One client of the crowd and what it saw. */
    private record Seen(boolean producer, int index, int status, byte[] body, Conn.End end, List<String> lines) {
    }

    private static void crowd(Ctx c) throws Exception {
        String p = c.path();
        int n = 16;
        byte[][] payloads = new byte[n][];
        for (int i = 0; i < n; i++) {
            payloads[i] = Text.random(50000);
        }
        Duration patience = Duration.ofSeconds(3);
        List<Future<Seen>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            all.add(c.async(() -> {
                Conn x = c.open(patience);
                x.send(c.head("PUT", Wire0.data(p), Ctx.Side.PRODUCER, "Content-Length: " + payloads[k].length));
                try {
                    x.send(payloads[k]);
                    Head h = x.readHead();
                    if (h.status() != Wire.OK) {
                        return new Seen(true, k, h.status(), new byte[0], Conn.End.CLEAN, List.of());
                    }
                    Conn.BodyIn in = x.body(h);
                    List<String> lines = new ArrayList<>();
                    for (String l; (l = in.readLine()) != null; ) {
                        lines.add(l);
                    }
                    return new Seen(true, k, 200, new byte[0], Conn.End.CLEAN, lines);
                } catch (IOException e) {
                    return new Seen(true, k, 0, new byte[0], Conn.End.TIMEOUT, List.of());
                }
            }));
            all.add(c.async(() -> {
                Conn x = c.open(patience);
                x.send(c.head("GET", Wire0.data(p), Ctx.Side.CONSUMER));
                try {
                    Head h = x.readHead();
                    Conn.Body b = x.readBody(h, 1 << 20);
                    return new Seen(false, k, h.status(), b.bytes(), b.end(), List.of());
                } catch (IOException e) {
                    return new Seen(false, k, 0, new byte[0], Conn.End.TIMEOUT, List.of());
                }
            }));
        }
        List<Seen> seen = new ArrayList<>();
        for (Future<Seen> f : all) {
            seen.add(c.await(f, Duration.ofSeconds(40), "a crowd member"));
        }
        int[] delivered = new int[n];
        int streams = 0;
        for (Seen s : seen) {
            expect(s.status() == 0 || Ctx.oneOf(s.status(), Wire.OK, Wire.BUSY, Wire.WAIT_EXPIRED),
                    (s.producer() ? "producer " : "consumer ") + s.index(), "200, 409, 504 or still waiting",
                    () -> Integer.toString(s.status()));
            if (!s.producer() && s.status() == Wire.OK && s.end() == Conn.End.CLEAN) {
                int match = -1;
                for (int i = 0; i < n; i++) {
                    if (Arrays.equals(s.body(), payloads[i])) {
                        match = i;
                    }
                }
                int m = match;
                expect(m >= 0, "consumer " + s.index() + "'s clean stream", "exactly one producer's payload",
                        () -> Text.digest(s.body()) + " matches none");
                delivered[m]++;
                streams++;
            } else if (!s.producer() && s.status() == Wire.OK) {
                // a cut stream must be a prefix of one producer's payload
                boolean prefix = false;
                for (byte[] pl : payloads) {
                    prefix |= Flows.isPrefix(s.body(), pl);
                }
                boolean pf = prefix;
                expect(pf, "consumer " + s.index() + "'s cut stream", "a prefix of one producer's payload", () -> Text.digest(s.body()));
            }
        }
        for (Seen s : seen) {
            if (s.producer() && s.lines().contains(ControlLine.TRANSFER_SUCCESSFUL.text())) {
                expect(delivered[s.index()] == 1, "producer " + s.index() + " told TRANSFER_SUCCESSFUL",
                        "its payload delivered to exactly one consumer", () -> delivered[s.index()] + " deliveries");
            }
        }
        for (int i = 0; i < n; i++) {
            int k = i;
            expect(delivered[i] <= 1, "payload " + i, "delivered at most once", () -> delivered[k] + " times");
        }
        int total = streams;
        expect(total >= 1, "the crowd", "at least one complete stream", () -> "none");
    }
}
