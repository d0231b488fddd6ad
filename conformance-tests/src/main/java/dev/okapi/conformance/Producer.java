package dev.okapi.conformance;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.okapi.protocol.Wire;

/**
 * A producer's PUT, driven step by step: its body in chunks (or by length), and its response read
 * as the control channel, line by line, while the upload may still be running.
 */
final class Producer {

    /**
     * How the upload is framed.
     *
     * @param chunked chunked transfer encoding
     * @param length  the Content-Length when not chunked
     */
    record Framing(boolean chunked, long length) {
        static final Framing CHUNKED = new Framing(true, -1);

        static Framing length(long n) {
            return new Framing(false, n);
        }
    }

    /**
     * The control channel as it went: its lines and how it ended.
     *
     * @param lines  every line, without LF
     * @param end    how the response ended
     * @param detail why, for a cut or an error
     */
    record Control(List<String> lines, Conn.End end, String detail) {
        String last() {
            return lines.isEmpty() ? "(no line)" : lines.get(lines.size() - 1);
        }

        String describe() {
            return lines + ", end " + end + (detail == null ? "" : " (" + detail + ")");
        }
    }

    final Conn conn;
    private final Ctx ctx;
    private final Framing framing;
    private Head head;
    private Conn.BodyIn control;
    private final List<String> lines = new ArrayList<>();

    Producer(Ctx ctx, Conn conn, Framing framing) {
        this.ctx = ctx;
        this.conn = conn;
        this.framing = framing;
    }

    /** Sends body bytes in the upload's framing. */
    Producer send(byte[] data) throws IOException {
        if (framing.chunked()) {
            conn.chunk(data);
        } else {
            conn.send(data);
        }
        return this;
    }

    /** Ends the upload cleanly (the terminating chunk; nothing for a Content-Length upload). */
    Producer end() throws IOException {
        if (framing.chunked()) {
            conn.lastChunk();
        }
        return this;
    }

    /** The final response head (after any 100 Continue), read once. */
    Head head() throws IOException {
        if (head == null) {
            head = ctx.readHead(conn, "the producer's PUT");
        }
        return head;
    }

    /** The 200 control-channel head, or a failure naming what came instead. */
    Head paired() throws IOException {
        Head h = head();
        Ctx.status(h, Wire.OK, "the paired producer's response");
        return h;
    }

    /** The next control line, without LF; null at a clean end. Reads are bounded by the socket timeout. */
    String line() throws IOException {
        if (control == null) {
            control = conn.body(paired());
        }
        String l;
        try {
            l = control.readLine();
        } catch (SocketTimeoutException e) {
            throw new Failure("no control line arrived", "the next control line (lines so far: " + lines + ")",
                    "nothing within the read timeout");
        }
        if (l != null) {
            lines.add(l);
        }
        return l;
    }

    /** The next line, which must be the given one. */
    void expectLine(Wire.ControlLine expected, String what) throws IOException {
        String l;
        try {
            l = line();
        } catch (Conn.Cut e) {
            throw new Failure(what, expected.text(), "control channel cut: " + e.getMessage() + "; lines " + lines);
        }
        Ctx.expect(expected.text().equals(l), what, expected.text(), () -> l == null ? "clean end after " + lines : l);
    }

    /** Reads the control channel to its end (clean, cut or timeout). */
    Control finish() {
        try {
            while (line() != null) {
                // collect
            }
            return new Control(List.copyOf(lines), Conn.End.CLEAN, null);
        } catch (Failure e) {
            return new Control(List.copyOf(lines), Conn.End.TIMEOUT, e.actual());
        } catch (Conn.Cut e) {
            return new Control(List.copyOf(lines), Conn.End.CUT, e.getMessage());
        } catch (IOException e) {
            return new Control(List.copyOf(lines), Conn.End.CUT, e.getMessage());
        }
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    /**
     * [DATA-12]: every line matches the grammar, CONNECTED first, exactly one final line, last.
     */
    static void validate(Control c, String what) {
        for (String l : c.lines()) {
            Ctx.expect(Wire0.CONTROL_LINE.matcher(l).matches(), what + ": control line grammar",
                    "[STATE|ERROR:WORD]", () -> "'" + l + "' in " + c.lines());
        }
        Ctx.expect(!c.lines().isEmpty() && c.lines().get(0).equals(Wire.ControlLine.CONNECTED.text()),
                what + ": first control line", Wire.ControlLine.CONNECTED.text(), c::describe);
        int finals = 0;
        for (int i = 0; i < c.lines().size(); i++) {
            String l = c.lines().get(i);
            if (l.startsWith("[ERROR:") || l.equals(Wire.ControlLine.TRANSFER_SUCCESSFUL.text())) {
                finals++;
                int at = i;
                Ctx.expect(at == c.lines().size() - 1, what + ": nothing after the final line",
                        "the final line last", c::describe);
            }
        }
        int n = finals;
        Ctx.expect(n <= 1, what + ": one final line", "exactly one final line", c::describe);
    }

    /** Waits at most {@code d} for the next line: the wait is bounded separately from the socket's. */
    String lineWithin(Duration d) throws IOException {
        conn.timeout(d);
        try {
            return line();
        } finally {
            conn.timeout(Ctx.QUICK);
        }
    }
}
