package dev.okapi.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.Arrays;

import dev.okapi.protocol.Wire;

/** A consumer's GET: its head once paired, then its body to a clean end or a cut. */
final class Consumer {

    final Conn conn;
    private final Ctx ctx;
    private Head head;

    Consumer(Ctx ctx, Conn conn) {
        this.ctx = ctx;
        this.conn = conn;
    }

    Head head() throws IOException {
        if (head == null) {
            head = ctx.readHead(conn, "the consumer's GET");
        }
        return head;
    }

    private Conn.BodyIn in;

    /** Reads exactly {@code n} payload bytes of a 200 response, or fails saying how far it got. */
    byte[] readExactly(int n, String what) throws IOException {
        if (in == null) {
            Ctx.status(head(), Wire.OK, what + ": consumer status");
            in = conn.body(head());
        }
        byte[] b = new byte[n];
        int got = 0;
        try {
            while (got < n) {
                int k = in.read(b, got, n - got);
                if (k < 0) {
                    throw new Failure(what, n + " bytes", "the body ended after " + got);
                }
                got += k;
            }
        } catch (SocketTimeoutException e) {
            throw new Failure(what, n + " bytes", "only " + got + " within the read timeout");
        } catch (Conn.Cut e) {
            throw new Failure(what, n + " bytes", "cut after " + got + ": " + e.getMessage());
        }
        return b;
    }

    /** The rest of the body after {@link #readExactly}, to its end. */
    Conn.Body rest() {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try {
            while (true) {
                int k = in.read(buf, 0, buf.length);
                if (k < 0) {
                    return new Conn.Body(got.toByteArray(), in.delimitedByClose() ? Conn.End.CLOSED : Conn.End.CLEAN, null);
                }
                got.write(buf, 0, k);
            }
        } catch (SocketTimeoutException e) {
            return new Conn.Body(got.toByteArray(), Conn.End.TIMEOUT, "no byte within the read timeout");
        } catch (IOException e) {
            return new Conn.Body(got.toByteArray(), Conn.End.CUT, e.getMessage());
        }
    }

    /** The body to its end; each read bounded by the socket timeout. */
    Conn.Body body() throws IOException {
        Head h = head();
        Ctx.status(h, Wire.OK, "the paired consumer's response");
        return conn.readBody(h, Integer.MAX_VALUE - 16);
    }

    /** [DATA-2] and [DATA-20]: exactly the payload, framed, with a clean end. */
    Conn.Body expectStream(byte[] payload, String what) throws IOException {
        Head h = head();
        Ctx.status(h, Wire.OK, what + ": consumer status");
        Ctx.expect(h.chunked() || h.has("Content-Length"), what + ": consumer framing (DATA-20)",
                "Content-Length or chunked", h::describe);
        Conn.Body b = conn.readBody(h, Integer.MAX_VALUE - 16);
        Ctx.expect(b.end() == Conn.End.CLEAN, what + ": consumer end", "a clean end after " + Text.digest(payload), b::describe);
        Ctx.expect(Arrays.equals(b.bytes(), payload), what + ": consumer bytes", Text.digest(payload),
                () -> b.describe() + " first bytes '" + Text.show(b.bytes(), 60) + "'");
        return b;
    }

    /** [DATA-21]: the response ends as an error: no clean end. */
    Conn.Body expectCut(String what) throws IOException {
        Head h = head();
        Ctx.status(h, Wire.OK, what + ": consumer status");
        Conn.Body b = conn.readBody(h, Integer.MAX_VALUE - 16);
        Ctx.expect(b.end() == Conn.End.CUT, what + ": consumer end",
                "a cut (no terminating chunk / short of Content-Length), then the connection closed", b::describe);
        return b;
    }
}
