package dev.okapi.conformance;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Future;

import dev.okapi.protocol.Wire;

import static dev.okapi.conformance.Ctx.expect;
import static dev.okapi.protocol.Wire.Mode.AWAIT_READER;
import static dev.okapi.protocol.Wire.Mode.AWAIT_WRITER;

/**
 * Spec section 6: the Connect API. A little over 300 lines: one case per requirement (24), in the
 * spec's order, so that the section reads as one list.
 */
final class ConnectCases {

    private ConnectCases() {
    }

    static void register(Registry r) {
        r.section("connect");

        r.group("mode (6)");
        r.must("CONN-1", "a missing or unknown mode gets 400 in one line", c -> {
            String p = c.path();
            for (String q : new String[] {"", "?timeout=0", "?mode=", "?mode=await-readers", "?mode=AWAIT-READER", "?mode=read",
                "?mode=await_writer", "?Mode=await-reader"}) {
                Ctx.Reply rep = c.get(Wire.CONNECT_PREFIX + p + q, Ctx.Side.PRODUCER);
                Ctx.status(rep, Wire.BAD_REQUEST, "Connect " + q);
                Ctx.oneLine(rep, "400 answer");
            }
        });

        r.must("CONN-18", "a repeated mode, timeout or redirect gets 400", c -> {
            String p = c.path();
            for (String q : new String[] {"mode=await-reader&mode=await-reader", "mode=await-reader&mode=await-writer",
                "mode=await-reader&timeout=0&timeout=0", "mode=await-reader&timeout=0&redirect=true&redirect=false"}) {
                Ctx.Reply rep = c.get(Wire.CONNECT_PREFIX + p + "?" + q, Ctx.Side.PRODUCER);
                Ctx.status(rep, Wire.BAD_REQUEST, "Connect ?" + q);
                Ctx.oneLine(rep, "400 answer");
            }
        });

        r.group("presence (6)");
        r.must("CONN-2", "await-reader first, then await-writer: both answered 200", c -> meet(c, AWAIT_READER));
        r.must("CONN-2", "await-writer first, then await-reader: both answered 200", c -> meet(c, AWAIT_WRITER));
        r.must("CONN-2", "a consumer waiting on the Data API answers await-reader at once", c -> {
            String p = c.path();
            c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            Ctx.status(c.connect(p, AWAIT_READER, "timeout=30", Ctx.QUICK), Wire.OK, "await-reader with a Data consumer waiting");
        });
        r.must("CONN-2", "a producer waiting on the Data API answers await-writer at once", c -> {
            String p = c.path();
            c.producer(p, Producer.Framing.CHUNKED, true);
            c.awaitPresent(p, Ctx.Side.PRODUCER);
            Ctx.status(c.connect(p, AWAIT_WRITER, "timeout=30", Ctx.QUICK), Wire.OK, "await-writer with a Data producer waiting");
        });
        r.must("CONN-2", "the wrong side is not a peer: a waiting producer or await-reader does not answer await-reader", c -> {
            String p = c.path();
            c.producer(p, Producer.Framing.CHUNKED, true);
            // The presence probe (an await-writer, itself a reader) is over before the await-readers come.
            c.awaitPresent(p, Ctx.Side.PRODUCER);
            Future<Ctx.Reply> other = c.async(() -> c.connect(p, AWAIT_READER, "timeout=2", Duration.ofSeconds(10)));
            Ctx.Reply rep = c.connect(p, AWAIT_READER, "timeout=0", Ctx.QUICK);
            Ctx.status(rep, Wire.WAIT_EXPIRED, "await-reader with only a producer and another await-reader present");
            Ctx.status(c.await(other, Duration.ofSeconds(10), "the other await-reader"), Wire.WAIT_EXPIRED,
                    "an await-reader with only writers present, after its timeout");
        });
        r.must("CONN-3", "two await-reader requests and one await-writer: all three answered 200, no 409", c -> {
            String p = c.path();
            Future<Ctx.Reply> r1 = c.async(() -> c.connect(p, AWAIT_READER, "timeout=30", Duration.ofSeconds(35)));
            Future<Ctx.Reply> r2 = c.async(() -> c.connect(p, AWAIT_READER, "timeout=30", Duration.ofSeconds(35)));
            // Both waiting: a third await-reader probe must not be answered 409 either.
            Ctx.Reply probe = c.connect(p, AWAIT_READER, "timeout=0", Ctx.QUICK);
            expect(probe.status() != Wire.BUSY, "a third await-reader", "not 409", probe::describe);
            Thread.sleep(200); // r1 and r2 are on their way; presence below does not depend on it
            Ctx.Reply w = c.connect(p, AWAIT_WRITER, "timeout=30", Duration.ofSeconds(35));
            Ctx.status(w, Wire.OK, "await-writer");
            Ctx.status(c.await(r1, Duration.ofSeconds(10), "first await-reader"), Wire.OK, "first await-reader");
            Ctx.status(c.await(r2, Duration.ofSeconds(10), "second await-reader"), Wire.OK, "second await-reader");
        });

        r.should("CONN-17", "a Connect waiter that leaves is no longer reported present within D (1 s) + 1.5 s", c -> {
            String p = c.path();
            Conn w = c.open(Duration.ofSeconds(35));
            w.send(c.head("GET", Wire0.connect(p, AWAIT_WRITER, "timeout=30"), Ctx.Side.CONSUMER));
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            w.reset();
            Departures.expectGone(c, p, Ctx.Side.CONSUMER, "a Connect await-writer that reset its connection");
        });

        r.group("the answer (6)");
        r.must("CONN-4", "200 text/plain whose body is the absolute http(s) Data URL ending with the stream path", c -> {
            String p = c.path();
            c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            Ctx.Reply rep = c.connect(p, AWAIT_READER, null, Ctx.QUICK);
            Ctx.status(rep, Wire.OK, "Connect with a reader present");
            expect(rep.head().mediaType().orElse("").equals("text/plain"), "Content-Type", "text/plain", rep::describe);
            dataUrl(c, rep, p);
        });
        r.must("CONN-4", "the field client's sequence: Connect both sides, then PUT and GET at the returned URLs", c -> {
            String p = c.path();
            Future<Ctx.Reply> reader = c.async(() -> c.connect(p, AWAIT_WRITER, "timeout=31", Duration.ofSeconds(35)));
            Ctx.Reply w = c.connect(p, AWAIT_READER, "timeout=31", Duration.ofSeconds(35));
            Ctx.status(w, Wire.OK, "the producer's Connect");
            Ctx.Reply rd = c.await(reader, Duration.ofSeconds(10), "the consumer's Connect");
            Ctx.status(rd, Wire.OK, "the consumer's Connect");
            URI wu = dataUrl(c, w, p);
            URI ru = dataUrl(c, rd, p);
            byte[] data = Text.random(200000);
            Flows.Transfer t = viaUrls(c, wu, ru, data);
            t.expectClean(data, "stream at the Connect URLs");
        });

        r.must("CONN-11", "the Data URL's path ends with the stream path as requested (dots, dashes, a trailing slash)", c -> {
            for (String p : new String[] {c.path() + "/x.y-z_1", c.path() + "/", c.path() + "/..a/b."}) {
                c.consumer(p);
                c.awaitPresent(p, Ctx.Side.CONSUMER);
                Ctx.Reply rep = c.connect(p, AWAIT_READER, null, Ctx.QUICK);
                Ctx.status(rep, Wire.OK, "Connect on " + p);
                URI u = dataUrl(c, rep, p);
                expect(u.getRawPath().endsWith(p), "the Data URL's path", "ending with " + p, u::getRawPath);
            }
        });
        r.must("CONN-12", "the Data URL's origin is the relay's (--public-url, else --target), and a stream flows there", c -> {
            String p = c.path();
            c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            Ctx.Reply rep = c.connect(p, AWAIT_READER, null, Ctx.QUICK);
            Ctx.status(rep, Wire.OK, "Connect with a reader present");
            URI u = dataUrl(c, rep, p);
            String q = c.path();
            Future<Ctx.Reply> reader = c.async(() -> c.connect(q, AWAIT_WRITER, "timeout=31", Duration.ofSeconds(35)));
            Ctx.Reply w = c.connect(q, AWAIT_READER, "timeout=31", Duration.ofSeconds(35));
            Ctx.Reply rd = c.await(reader, Duration.ofSeconds(10), "the consumer's Connect");
            byte[] data = Text.random(1000);
            viaUrls(c, dataUrl(c, w, q), dataUrl(c, rd, q), data).expectClean(data, "stream at the Connect URLs' origin");
            c.info("Data URL origin " + u.getScheme() + "://" + u.getRawAuthority());
        });

        r.group("redirect (6)");
        r.must("CONN-5", "redirect=true and redirect=1 answer 307 with Location = the Data URL", c -> {
            for (String v : new String[] {"true", "1"}) {
                String p = c.path();
                c.consumer(p);
                c.awaitPresent(p, Ctx.Side.CONSUMER);
                Ctx.Reply plain = c.connect(p, AWAIT_READER, null, Ctx.QUICK);
                Ctx.status(plain, Wire.OK, "Connect without redirect");
                Ctx.Reply red = c.connect(p, AWAIT_READER, "redirect=" + v, Ctx.QUICK);
                Ctx.status(red, Wire.REDIRECT, "Connect with redirect=" + v);
                String loc = red.head().first("Location").orElse("(none)");
                expect(loc.equals(plain.text().strip()), "Location", plain.text().strip(), () -> loc);
            }
        });
        r.must("CONN-13", "redirect=false and redirect=0 answer 200 with the URL", c -> {
            String p = c.path();
            c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            for (String v : new String[] {"false", "0"}) {
                Ctx.Reply rep = c.connect(p, AWAIT_READER, "redirect=" + v, Ctx.QUICK);
                Ctx.status(rep, Wire.OK, "redirect=" + v);
                dataUrl(c, rep, p);
            }
        });
        r.must("CONN-14", "redirect values other than true, false, 1, 0 get 400", c -> {
            String p = c.path();
            for (String v : new String[] {"yes", "TRUE", "2", "", "on"}) {
                Ctx.Reply rep = c.connect(p, AWAIT_READER, "redirect=" + v, Ctx.QUICK);
                Ctx.status(rep, Wire.BAD_REQUEST, "redirect=" + v);
            }
        });
        r.must("CONN-19", "no redirection without redirect=true: plain, redirect=false, a trailing-slash path", c -> {
            for (String[] pq : new String[][] {{c.path(), null}, {c.path(), "redirect=false"}, {c.path() + "/", null}}) {
                c.consumer(pq[0]);
                c.awaitPresent(pq[0], Ctx.Side.CONSUMER);
                Ctx.Reply rep = c.connect(pq[0], AWAIT_READER, pq[1], Ctx.QUICK);
                expect(rep.status() < 300 || rep.status() >= 400, "Connect on " + pq[0] + (pq[1] == null ? "" : " with " + pq[1]),
                        "no 3xx (200)", rep::describe);
            }
        });
        r.must("CONN-6", "with the token in the query, the 307 Location carries the same accesstoken", c -> {
            String p = c.path();
            c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            String token = c.creds().write().orElse("conformance-dummy-" + Text.hex(4));
            Ctx.Reply red = c.exchange("GET", Wire0.connect(p, AWAIT_READER, "redirect=true&accesstoken=" + token),
                    Ctx.Side.NONE, Ctx.QUICK);
            Ctx.status(red, Wire.REDIRECT, "Connect with redirect and accesstoken");
            String loc = red.head().first("Location").orElse("");
            URI u = URI.create(loc);
            expect(u.getRawQuery() != null && ("&" + u.getRawQuery() + "&").contains("&accesstoken=" + token + "&"),
                    "Location", "…?accesstoken=" + token, () -> loc);
        });
        r.must("CONN-6", "with the token in a header, the 307 Location carries no token", c -> {
            String p = c.path();
            c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            String token = c.creds().write().orElse("conformance-dummy-" + Text.hex(4));
            Ctx.Reply red = c.exchange("GET", Wire0.connect(p, AWAIT_READER, "redirect=true"), Ctx.Side.NONE, Ctx.QUICK,
                    "Authorization: Bearer " + token);
            Ctx.status(red, Wire.REDIRECT, "Connect with redirect");
            String loc = red.head().first("Location").orElse("");
            expect(!loc.contains("accesstoken") && !loc.contains(token), "Location", "no token", () -> loc);
        });

        r.group("timeout (6)");
        r.must("CONN-7", "timeout=1 with no peer: 504 after about a second", c -> {
            long t0 = System.nanoTime();
            Ctx.Reply rep = c.connect(c.path(), AWAIT_READER, "timeout=1", Duration.ofSeconds(10));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            Ctx.status(rep, Wire.WAIT_EXPIRED, "timeout=1, no peer");
            Ctx.oneLine(rep, "504 answer");
            expect(ms >= 900 && ms < 4000, "time to 504", "about 1 s (0.9 … 4 s)", () -> ms + " ms");
            c.info("504 after " + ms + " ms");
        });
        r.must("CONN-7", "timeout=0 with no peer: 504 at once", c -> {
            long t0 = System.nanoTime();
            Ctx.Reply rep = c.connect(c.path(), AWAIT_WRITER, "timeout=0", Ctx.QUICK);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            Ctx.status(rep, Wire.WAIT_EXPIRED, "timeout=0, no peer");
            expect(ms < 2000, "time to 504", "under 2 s", () -> ms + " ms");
        });
        r.must("CONN-16", "malformed timeouts get 400: -1 1.5 abc empty 1e3 +1 nineteen digits 0x10", c -> {
            String p = c.path();
            for (String v : new String[] {"-1", "1.5", "abc", "", "1e3", "%2B1", "1234567890123456789", "0x10", "1s", "%201"}) {
                Ctx.Reply rep = c.connect(p, AWAIT_READER, "timeout=" + v, Ctx.QUICK);
                Ctx.status(rep, Wire.BAD_REQUEST, "timeout=" + v);
            }
        });
        r.must("CONN-15", "timeouts above the wait limit are accepted: 9, 10 and 18 digits, leading zeros", c -> {
            String p = c.path();
            c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            for (String v : new String[] {"999999999", "1000000000", "999999999999999999", "0005"}) {
                Ctx.status(c.connect(p, AWAIT_READER, "timeout=" + v, Ctx.QUICK), Wire.OK, "timeout=" + v + " with a peer");
            }
        });
        r.needs(Need.WAIT_LIMIT).must("CONN-8", "without timeout, Connect is answered 504 after the wait limit", c -> {
            long t0 = System.nanoTime();
            Ctx.Reply rep = c.connect(c.path(), AWAIT_WRITER, null, c.waitLimit().plusSeconds(5));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            Ctx.status(rep, Wire.WAIT_EXPIRED, "Connect with no peer");
            expect(ms <= c.waitLimit().toMillis() + 3000, "time to 504", "at most the wait limit (+3 s)", () -> ms + " ms");
            c.info("504 after " + ms + " ms (wait limit " + c.waitLimit().toMillis() + " ms)");
        });

        r.group("methods (6)");
        r.must("CONN-9", "other methods on the Connect API (HEAD and OPTIONS too) get 405 with Allow: GET", c -> {
            for (String m : new String[] {"POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}) {
                Ctx.Reply rep = c.exchange(m, Wire0.connect(c.path(), AWAIT_READER, "timeout=0"), Ctx.Side.PRODUCER, Ctx.QUICK,
                        "Content-Length: 0");
                Ctx.status(rep, Wire.METHOD_NOT_ALLOWED, m + " on Connect");
                String allow = rep.head().first("Allow").orElse("");
                expect(allow.toUpperCase(Locale.ROOT).contains("GET") && !allow.toUpperCase(Locale.ROOT).contains("PUT"),
                        m + ": Allow", "GET", rep::describe);
            }
        });
    }

    private static void meet(Ctx c, Wire.Mode first) throws Exception {
        String p = c.path();
        Wire.Mode second = first == AWAIT_READER ? AWAIT_WRITER : AWAIT_READER;
        Future<Ctx.Reply> f = c.async(() -> c.connect(p, first, "timeout=30", Duration.ofSeconds(35)));
        // The first is present once a probe of the opposite mode with timeout=0 succeeds.
        long end = System.nanoTime() + Ctx.QUICK.toNanos();
        Ctx.Reply s = null;
        while (System.nanoTime() < end) {
            s = c.connect(p, second, "timeout=0", Ctx.QUICK);
            if (s.status() == Wire.OK) {
                break;
            }
            Thread.sleep(20); // polling: a relay under test shows presence only through these probes
        }
        Ctx.Reply sec = s;
        expect(sec != null && sec.status() == Wire.OK, "the second Connect (" + second.word() + ")", "200", () -> sec == null ? "none" : sec.describe());
        Ctx.Reply fr = c.await(f, Duration.ofSeconds(10), "the first Connect (" + first.word() + ")");
        Ctx.status(fr, Wire.OK, "the first Connect (" + first.word() + ")");
        dataUrl(c, fr, p);
        dataUrl(c, sec, p);
    }

    /**
     * [CONN-4], [CONN-11], [CONN-12]: the body is an absolute http(s) URL and nothing else, its path
     * ends with the stream path, and its origin is the relay's public one (--public-url, else --target).
     */
    static URI dataUrl(Ctx c, Ctx.Reply rep, String path) {
        String body = rep.text();
        String url = body.endsWith("\r\n") ? body.substring(0, body.length() - 2) : body.endsWith("\n") ? body.substring(0, body.length() - 1) : body;
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new Failure("the Connect answer's body", "an absolute URL and nothing else", "'" + Text.clip(body, 200) + "'");
        }
        URI uri = u;
        expect(uri.isAbsolute() && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null,
                "the Connect answer's body", "an absolute http(s) URL", () -> "'" + Text.clip(body, 200) + "'");
        if (uri.getRawPath() == null || !uri.getRawPath().endsWith(path)) {
            throw new Failure("CONN-11", "the Data URL's path", "ending with " + path, String.valueOf(uri.getRawPath()));
        }
        String want = c.opt.publicUrl().map(pu -> Target.parse(pu, false).origin()).orElse(c.target.origin());
        String got = Target.parse(uri.getScheme() + "://" + uri.getRawAuthority(), false).origin();
        if (!got.equals(want)) {
            throw new Failure("CONN-12", "the Data URL's origin", want + (c.opt.publicUrl().isPresent() ? " (--public-url)"
                    : " (the --target; give --public-url if the relay names another)"), got + " in " + url);
        }
        return uri;
    }

    /** A transfer at the given Data URLs, each followed to its own origin ([CONN-12]). */
    static Flows.Transfer viaUrls(Ctx c, URI producerUrl, URI consumerUrl, byte[] data) throws Exception {
        String pt = producerUrl.getRawPath() + (producerUrl.getRawQuery() == null ? "" : "?" + producerUrl.getRawQuery());
        String ct = consumerUrl.getRawPath() + (consumerUrl.getRawQuery() == null ? "" : "?" + consumerUrl.getRawQuery());
        Conn pc = c.openAt(producerUrl);
        pc.send(c.head("PUT", pt, producerUrl.getRawAuthority(), Ctx.Side.PRODUCER, "Transfer-Encoding: chunked"));
        Producer p = new Producer(c, pc, Producer.Framing.CHUNKED);
        // The field client reads the control lines while it uploads.
        Future<Void> sender = c.async(() -> {
            Flows.sendAll(p, data, 65536);
            p.end();
            return null;
        });
        Conn cc = c.openAt(consumerUrl);
        cc.send(c.head("GET", ct, consumerUrl.getRawAuthority(), Ctx.Side.CONSUMER));
        Head ch = c.readHead(cc, "GET at the Data URL");
        Conn.Body b = ch.status() == Wire.OK ? cc.readBody(ch, 1 << 24) : new Conn.Body(new byte[0], Conn.End.CLEAN, null);
        c.await(sender, Duration.ofSeconds(30), "the upload");
        return new Flows.Transfer(p.finish(), b, ch);
    }
}
