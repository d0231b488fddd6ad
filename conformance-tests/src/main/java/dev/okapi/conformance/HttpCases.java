package dev.okapi.conformance;

import java.io.EOFException;
import java.io.IOException;
import java.util.Locale;

import dev.okapi.protocol.Wire;

import static dev.okapi.conformance.Ctx.expect;

/** Spec section 3: HTTP and the three APIs. */
final class HttpCases {

    private HttpCases() {
    }

    static void register(Registry r) {
        r.section("http");

        r.group("the APIs (3)");
        r.must("HTTP-12", "requests outside the API prefixes get 404", c -> {
            for (String t : new String[] {"/conformance-nothing-here", "/datax" + c.path(), "/connect/v1" + c.path() + "?mode=await-reader",
                "/connect" + c.path() + "?mode=await-reader", "/api/v9/accesstoken.list"}) {
                Ctx.Reply rep = c.get(t, Ctx.Side.NONE);
                Ctx.status(rep, Wire.NOT_FOUND, "GET " + t);
            }
        });
        r.must("HTTP-1", "the relay answers in HTTP/1.1", c -> {
            Ctx.Reply rep = c.get(Wire0.connect(c.path(), Wire.Mode.AWAIT_READER, "timeout=0"), Ctx.Side.PRODUCER);
            expect(rep.head().version().equals("HTTP/1.1"), "the status line's version", "HTTP/1.1", rep::describe);
        });

        r.must("HTTP-1", "a request target in absolute-form (RFC 9112 3.2.2) is served as its origin-form", c -> {
            String p = c.path();
            Ctx.Reply rep = c.get(c.target.origin() + Wire0.connect(p, Wire.Mode.AWAIT_WRITER, "timeout=0"), Ctx.Side.CONSUMER);
            Ctx.status(rep, Wire.WAIT_EXPIRED, "GET " + c.target.origin() + "/connect/v0/… with no producer");
            Conn x = c.open();
            x.send(c.head("GET", c.target.origin() + Wire0.data(p), Ctx.Side.CONSUMER));
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            byte[] data = Text.random(1000);
            c.producer(p, Producer.Framing.length(data.length), false).send(data);
            new Consumer(c, x).expectStream(data, "a consumer whose GET names the relay's origin");
        });

        r.must("HTTP-1", "an answer to HEAD has no body (RFC 9110 9.3.2): the next request on its connection is answered", c -> {
            for (String target : new String[] {Wire0.data(c.path()), Wire0.connect(c.path(), Wire.Mode.AWAIT_READER, "timeout=0"),
                "/conformance-nothing-here"}) {
                Conn x = c.open();
                x.send(c.head("HEAD", target, Ctx.Side.CONSUMER));
                Head h = c.readHead(x, "HEAD " + Text.clip(target, 60));
                if (h.first("Connection").orElse("").toLowerCase(Locale.ROOT).contains("close")) {
                    continue; // no next request on this connection: nothing can be misread
                }
                x.send(c.head("GET", Wire0.connect(c.path(), Wire.Mode.AWAIT_WRITER, "timeout=0"), Ctx.Side.CONSUMER));
                Head next;
                try {
                    next = x.readHead();
                } catch (EOFException e) {
                    continue; // closed without a word: allowed between requests, and nothing was misread
                } catch (IOException e) {
                    throw new Failure("a GET after HEAD " + Text.clip(target, 60) + " (answered " + h.status() + ") on its connection",
                            "its own answer (504)", "not an HTTP answer: " + e.getMessage());
                }
                expect(next.status() == Wire.WAIT_EXPIRED, "a GET after HEAD " + Text.clip(target, 60) + " (answered " + h.status() + ")",
                        "its own answer (504), not the HEAD answer's body", next::describe);
            }
        });

        r.group("error answers (3)");
        r.must("HTTP-4", "a 400 (malformed path) is text/plain with one line", c -> {
            Ctx.Reply rep = c.get(Wire.DATA_PREFIX + "/Upper/Case", Ctx.Side.CONSUMER);
            Ctx.status(rep, Wire.BAD_REQUEST, "malformed path");
            Ctx.oneLine(rep, "400 answer");
        });
        r.must("HTTP-4", "a 405 is text/plain with one line", c -> {
            Ctx.Reply rep = c.exchange("DELETE", Wire0.connect(c.path(), Wire.Mode.AWAIT_READER, null), Ctx.Side.PRODUCER, Ctx.QUICK);
            Ctx.status(rep, Wire.METHOD_NOT_ALLOWED, "DELETE on Connect");
            Ctx.oneLine(rep, "405 answer");
        });
        r.must("HTTP-4", "a 504 (Connect timeout) is text/plain with one line", c -> {
            Ctx.Reply rep = c.get(Wire0.connect(c.path(), Wire.Mode.AWAIT_WRITER, "timeout=0"), Ctx.Side.CONSUMER);
            Ctx.status(rep, Wire.WAIT_EXPIRED, "Connect with timeout=0 and no peer");
            Ctx.oneLine(rep, "504 answer");
        });
        r.should("HTTP-5", "Connect answers, Data responses and errors carry Cache-Control: no-store", c -> {
            String path = c.path();
            Consumer cons = c.consumer(path);
            c.awaitPresent(path, Ctx.Side.CONSUMER);
            Ctx.Reply connect = c.get(Wire0.connect(path, Wire.Mode.AWAIT_READER, null), Ctx.Side.PRODUCER);
            noStore(connect.head(), "Connect 200");
            Producer p = c.producer(path, Producer.Framing.length(3), false);
            p.send(Text.ascii("abc"));
            noStore(cons.head(), "the consumer's 200");
            noStore(p.head(), "the producer's 200");
            noStore(c.get(Wire.DATA_PREFIX + "/Bad", Ctx.Side.CONSUMER).head(), "a 400");
        });

        ConnectionCases.register(r);
        FramingCases.register(r);
    }

    private static void noStore(Head h, String what) {
        expect(h.first("Cache-Control").orElse("").toLowerCase(Locale.ROOT).contains("no-store"),
                what + ": Cache-Control", "no-store", h::describe);
    }
}
