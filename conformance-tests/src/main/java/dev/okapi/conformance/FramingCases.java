package dev.okapi.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import dev.okapi.protocol.Wire;

import static dev.okapi.conformance.Ctx.expect;

/**
 * Spec section 3, a request's body framing ([HTTP-13]): a {@code Transfer-Encoding} the relay does
 * not decode in full is refused with a line and a close, so that its body is never read as absent,
 * never reaches a consumer as an empty stream, and never runs as the connection's next request.
 * A relay that decodes such a body instead passes too: each case accepts that outcome and checks it.
 * Behind a proxy ({@code --through-proxy}) the answer may be the proxy's; nothing may follow it. They
 * continue the {@code http} section of {@link HttpCases}.
 */
final class FramingCases {

    /** Codings that end in {@code chunked} but are not {@code chunked} alone: decoded in full, or refused. */
    private static final List<String> OTHER = List.of("gzip, chunked", "Chunked");
    /** The same, and codings whose last is not {@code chunked}, which leave no way to read the body (RFC 9112 6.3). */
    private static final List<String> ALL = List.of("gzip, chunked", "Chunked", "chunked, gzip", "identity");
    /** How long a connection left open is watched for a second answer: a smuggled request is answered in milliseconds. */
    private static final Duration SECOND_ANSWER = Duration.ofSeconds(1);

    private FramingCases() {
    }

    static void register(Registry r) {
        r.group("body framing (3)");
        r.must("HTTP-13", "a PUT whose Transfer-Encoding is not chunked alone is refused (a line, a close) and pairs with nothing", c -> {
            for (String te : ALL) {
                String p = c.path();
                Consumer cons = c.consumer(p);
                c.awaitPresent(p, Ctx.Side.CONSUMER);
                Conn x = c.open();
                byte[] body = te.startsWith("gzip") ? gzip(Text.ascii("hello")) : Text.ascii("hello");
                x.send(join(Text.ascii(c.head("PUT", Wire0.data(p), Ctx.Side.PRODUCER, "Transfer-Encoding: " + te)), chunked(body)));
                String what = "a PUT with Transfer-Encoding: " + te;
                Head h = c.readHead(x, what);
                if (h.status() == Wire.OK && OTHER.contains(te)) {
                    cons.expectStream(Text.ascii("hello"), what + ", decoded in full");
                    continue;
                }
                refused(c, x, h, what);
                expect(!cons.conn.anyBytesWithin(Duration.ofMillis(300)), "the consumer waiting on the same path",
                        "untouched by the refused PUT", () -> "bytes arrived");
                Flows.Transfer t = Flows.pairWithWaitingConsumer(c, p, cons, Text.ascii("next"));
                expect(t.body().end() == Conn.End.CLEAN && t.body().text().equals("next"), "the consumer, after " + what,
                        "the next producer's stream, exactly", t.body()::describe);
            }
        });
        r.must("HTTP-13", "a body under a Transfer-Encoding the relay does not decode never runs as the next request", c -> {
            // The body is a whole second request: read as absent, it would be answered too (504).
            byte[] smuggled = Text.ascii(c.head("GET", Wire0.connect(c.path(), Wire.Mode.AWAIT_WRITER, "timeout=0"), Ctx.Side.CONSUMER));
            for (String target : new String[] {Wire0.connect(c.path(), Wire.Mode.AWAIT_READER, "timeout=0"), "/conformance-nothing-here"}) {
                for (String te : OTHER) {
                    Conn x = c.open();
                    x.send(join(Text.ascii(c.head("GET", target, Ctx.Side.CONSUMER, "Transfer-Encoding: " + te)), chunked(smuggled)));
                    String what = "GET " + Text.clip(target, 60) + " with Transfer-Encoding: " + te + " and a request as its body";
                    Head h = c.readHead(x, what);
                    if (Ctx.oneOf(h.status(), Wire.NOT_IMPLEMENTED, Wire.BAD_REQUEST)) {
                        refused(c, x, h, what);
                        continue;
                    }
                    x.readBody(h, 1 << 16);
                    byte[] after = x.bytesBeforeClose(SECOND_ANSWER);
                    expect(after == null || after.length == 0, what + ", answered " + h.status(),
                            "one answer: its body never runs as a request", () -> "a second answer: '" + Text.show(after, 200) + "'");
                }
            }
        });
    }

    /**
     * [HTTP-13]: 501 or 400, one line, then the connection closed with nothing more on it. Through a
     * proxy, the proxy frames the body itself and may answer for the relay (HAProxy 2.6: its own
     * {@code 422} page for {@code gzip, chunked}) and keep its client's connection open: any refusal
     * passes there, and what is checked is that nothing follows it.
     */
    private static void refused(Ctx c, Conn x, Head h, String what) {
        Ctx.Reply rep = new Ctx.Reply(h, x.readBody(h, 1 << 16));
        if (c.opt.throughProxy()) {
            expect(rep.status() >= 400, what, "refused (4xx or 5xx, by the relay or the proxy in front)", rep::describe);
            byte[] after = x.bytesBeforeClose(SECOND_ANSWER);
            expect(after == null || after.length == 0, what + ", answered " + rep.status(), "nothing after the answer",
                    () -> "then: '" + Text.show(after, 200) + "'");
            return;
        }
        expect(Ctx.oneOf(rep.status(), Wire.NOT_IMPLEMENTED, Wire.BAD_REQUEST), what, "501 or 400", rep::describe);
        Ctx.oneLine(rep, what);
        byte[] after = x.bytesBeforeClose(Ctx.QUICK);
        expect(after != null && after.length == 0, what + ": connection", "closed after the answer, nothing more sent",
                () -> after == null ? "still open " + Ctx.QUICK.toSeconds() + " s later" : "then: '" + Text.show(after, 200) + "'");
    }

    /** A whole chunked body holding {@code data}: one chunk and the last chunk. */
    private static byte[] chunked(byte[] data) {
        return join(Text.ascii(Integer.toHexString(data.length) + "\r\n"), data, Text.ascii("\r\n0\r\n\r\n"));
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    /** Head and body in one array: sent in one write, so that a relay that closes at once has read it all. */
    private static byte[] join(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
