package dev.okapi.conformance;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.AbstractMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import javax.net.ssl.SSLSocket;

/**
 * One HTTP/1.1 connection to the relay under test, driven byte by byte: the suite's own client.
 *
 * <p>Raw sockets, because the wire is the subject: what is (not) sent before pairing, 100-continue,
 * chunk framing, and the difference between a clean end and a cut are invisible through a
 * high-level client. Every read is bounded by the socket timeout, so no case can hang.
 *
 * <p>Over 300 lines on purpose: the suite's whole HTTP/1.1 client (heads, chunked and length bodies,
 * 1xx answers, control lines, bounded reads) in one place, so that every case speaks the wire the
 * same way.
 */
final class Conn implements AutoCloseable {

    /** How a body ended. */
    enum End {
        /** The framing said so: terminating chunk, or all of Content-Length. */
        CLEAN,
        /** The connection ended (closed, reset, or broken framing) before the framing said so. */
        CUT,
        /** Delimited by closing the connection: no framing at all. */
        CLOSED,
        /** Nothing more arrived within the timeout; the body had not ended. */
        TIMEOUT
    }

    /** A body read as far as it went. */
    record Body(byte[] bytes, End end, String detail) {
        Body {
            Objects.requireNonNull(bytes, "bytes required");
            Objects.requireNonNull(end, "end required");
        }

        String text() {
            return Text.ascii(bytes);
        }

        String describe() {
            return Text.digest(bytes) + ", end " + end + (detail == null ? "" : " (" + detail + ")");
        }
    }

    /** The connection or the framing ended before the body's end. */
    static final class Cut extends IOException {
        Cut(String message) {
            super(message);
        }

        Cut(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private boolean sawContinue;
    private final List<String> trailers = new ArrayList<>();

    private Conn(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 65536);
        this.out = socket.getOutputStream();
    }

    /** Connects to the target with a bounded connect and read timeout. */
    static Conn open(Target target, Duration readTimeout) throws IOException {
        return open(target, readTimeout, 0);
    }

    /** The same with the receive buffer pinned (before connecting, so that TCP's window follows it); 0: the system's. */
    static Conn open(Target target, Duration readTimeout, int receiveBuffer) throws IOException {
        Socket s = target.tls() ? target.socketFactory().createSocket() : new Socket();
        try {
            s.setTcpNoDelay(true);
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.connect(new InetSocketAddress(target.host(), target.port()), 5000);
            s.setSoTimeout(timeoutMillis(readTimeout));
            if (s instanceof SSLSocket ssl) {
                ssl.startHandshake();
            }
            return new Conn(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private static int timeoutMillis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    /** Sets how long any single read may block. */
    Conn timeout(Duration d) {
        try {
            socket.setSoTimeout(timeoutMillis(d));
        } catch (IOException e) {
            // a closed socket: the next read says so
        }
        return this;
    }

    Conn send(String ascii) throws IOException {
        return send(Text.ascii(ascii));
    }

    Conn send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** One chunk of a chunked body (nothing for an empty array: that would end the body). */
    Conn chunk(byte[] data) throws IOException {
        if (data.length == 0) {
            return this;
        }
        out.write(Text.ascii(Integer.toHexString(data.length) + "\r\n"));
        out.write(data);
        out.write(Text.ascii("\r\n"));
        out.flush();
        return this;
    }

    /** The terminating chunk: a clean end of a chunked upload. */
    Conn lastChunk() throws IOException {
        return send("0\r\n\r\n");
    }

    /** Half-closes: no more bytes from us, the response can still be read. */
    void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException | UnsupportedOperationException e) {
            // TLS sockets cannot half-close; the caller closes instead
        }
    }

    /** Drops the connection with a TCP reset (linger 0): the rudest way to vanish. */
    void reset() {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // already gone
        }
        close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** The trailer field lines of the last chunked body read on this connection. */
    List<String> trailers() {
        return List.copyOf(trailers);
    }

    boolean sawContinue() {
        return sawContinue;
    }

    /** Whether bytes are readable right now, waiting at most {@code d}; never consumes them. */
    boolean anyBytesWithin(Duration d) throws IOException {
        int old = socket.getSoTimeout();
        socket.setSoTimeout(timeoutMillis(d));
        try {
            in.mark(1);
            int b = in.read();
            in.reset();
            return true; // a byte, or EOF: either way the relay said something
        } catch (SocketTimeoutException e) {
            return false;
        } finally {
            socket.setSoTimeout(old);
        }
    }

    /**
     * Reads one response head, 1xx included.
     *
     * @throws EOFException if the connection ended before a complete head
     */
    Head readAnyHead() throws IOException {
        String statusLine = rawLine(8192);
        if (statusLine == null) {
            throw new EOFException("connection closed without a response");
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/") || !parts[1].matches("[0-9]{3}")) {
            throw new IOException("not an HTTP status line: " + Text.clip(statusLine, 200));
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        int total = 0;
        while (true) {
            String line = rawLine(65536);
            if (line == null) {
                throw new EOFException("connection closed inside a response head");
            }
            if (line.isEmpty()) {
                break;
            }
            total += line.length();
            if (total > 1 << 20) {
                throw new IOException("response head over 1 MiB");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header line: " + Text.clip(line, 200));
            }
            headers.add(new AbstractMap.SimpleImmutableEntry<>(line.substring(0, colon).strip(),
                    line.substring(colon + 1).strip()));
        }
        return new Head(parts[0], Integer.parseInt(parts[1]), parts.length > 2 ? parts[2] : "", headers);
    }

    /** Reads the final response head, noting and skipping any {@code 100 Continue}. */
    Head readHead() throws IOException {
        while (true) {
            Head h = readAnyHead();
            if (h.status() >= 200 || h.status() < 100) {
                return h;
            }
            if (h.status() == 100) {
                sawContinue = true;
            }
        }
    }

    /** A line ending in CRLF (or a bare LF), without its ending; null at EOF before any byte. */
    private String rawLine(int max) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (sb.isEmpty()) {
                    return null;
                }
                throw new EOFException("connection closed inside a line");
            }
            if (c == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') {
                    sb.setLength(n - 1);
                }
                return sb.toString();
            }
            if (sb.length() >= max) {
                throw new IOException("line longer than " + max);
            }
            sb.append((char) c);
        }
    }

    /** A reader of the body that follows {@code head}, by its framing. */
    BodyIn body(Head head) {
        if (head.chunked()) {
            return new BodyIn(-1, true);
        }
        if (head.has("Content-Length")) {
            return new BodyIn(Long.parseLong(head.first("Content-Length").orElseThrow().strip()), false);
        }
        if (head.status() == 204 || head.status() == 304 || head.status() < 200) {
            return new BodyIn(0, false);
        }
        return new BodyIn(-1, false);
    }

    /** Reads the whole body (at most {@code max} bytes kept), reporting how it ended. */
    Body readBody(Head head, int max) {
        BodyIn b = body(head);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try {
            while (true) {
                int n = b.read(buf, 0, buf.length);
                if (n < 0) {
                    return new Body(got.toByteArray(), b.delimitedByClose() ? End.CLOSED : End.CLEAN, null);
                }
                if (got.size() < max) {
                    got.write(buf, 0, Math.min(n, max - got.size()));
                }
            }
        } catch (SocketTimeoutException e) {
            return new Body(got.toByteArray(), End.TIMEOUT, "no byte within the read timeout");
        } catch (IOException e) {
            return new Body(got.toByteArray(), End.CUT, e.getMessage());
        }
    }

    /**
     * Whether the relay closes this connection within {@code d}: reads and discards until EOF or
     * a reset (true) or the timeout (false).
     */
    boolean closedWithin(Duration d) {
        return bytesBeforeClose(d) != null;
    }

    /** What the relay sends until it closes this connection (EOF or a reset), or null if it is still open after {@code d}. */
    byte[] bytesBeforeClose(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            while (true) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                int n = in.read(buf);
                if (n < 0) {
                    return seen.toByteArray();
                }
                seen.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            return seen.toByteArray();
        }
    }

    /** A response body, framed by chunks, a length, or the connection's close. */
    final class BodyIn {
        private long remaining; // bytes left of the current chunk or of the Content-Length
        private final boolean chunked;
        private final boolean byClose;
        private boolean done;
        private final long length;
        private long seen;

        private BodyIn(long length, boolean chunked) {
            this.chunked = chunked;
            this.length = length;
            this.byClose = !chunked && length < 0;
            this.remaining = chunked ? 0 : length;
        }

        boolean delimitedByClose() {
            return byClose;
        }

        /** Reads payload bytes; -1 at the framing's end; {@link Cut} if the connection ends first. */
        int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (byClose) {
                int n = in.read(b, off, len);
                if (n < 0) {
                    done = true;
                }
                return n;
            }
            if (chunked && remaining == 0) {
                if (!nextChunk()) {
                    done = true;
                    return -1;
                }
            }
            if (!chunked && remaining == 0) {
                done = true;
                return -1;
            }
            int n;
            try {
                n = in.read(b, off, (int) Math.min(len, remaining));
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                throw new Cut("connection failed after " + seen + " payload bytes: " + e.getMessage(), e);
            }
            if (n < 0) {
                throw new Cut(chunked ? "connection closed inside a chunk after " + seen + " payload bytes"
                        : "connection closed after " + seen + " of " + length + " bytes (Content-Length)");
            }
            remaining -= n;
            seen += n;
            if (chunked && remaining == 0) {
                expectCrlf();
            }
            return n;
        }

        private boolean nextChunk() throws IOException {
            String line;
            try {
                line = rawLine(1024);
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                throw new Cut("connection failed at a chunk boundary after " + seen + " payload bytes: " + e.getMessage(), e);
            }
            if (line == null) {
                throw new Cut("connection closed without the terminating chunk after " + seen + " payload bytes");
            }
            String size = line.split(";", 2)[0].strip();
            if (!size.matches("[0-9a-fA-F]{1,15}")) {
                throw new Cut("malformed chunk size line: " + Text.clip(line, 80));
            }
            remaining = Long.parseLong(size, 16);
            if (remaining == 0) {
                trailers.clear();
                while (true) { // trailers, then the empty line
                    String t = rawLine(8192);
                    if (t == null) {
                        throw new Cut("connection closed inside the terminating chunk");
                    }
                    if (t.isEmpty()) {
                        return false;
                    }
                    trailers.add(t);
                }
            }
            return true;
        }

        private void expectCrlf() throws IOException {
            String rest;
            try {
                rest = rawLine(2);
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                throw new Cut("chunk not followed by CRLF: " + e.getMessage(), e);
            }
            if (rest == null) {
                throw new Cut("connection closed after a chunk's data, before its CRLF");
            }
            if (!rest.isEmpty()) {
                throw new Cut("chunk data longer than its size");
            }
        }

        /**
         * Reads one control line without its LF; null at a clean end. A cut, or a last line
         * without LF, throws {@link Cut}.
         */
        String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            byte[] one = new byte[1];
            while (true) {
                int n;
                try {
                    n = read(one, 0, 1);
                } catch (Cut c) {
                    if (line.size() > 0) {
                        throw new Cut(c.getMessage() + " (inside the line '" + Text.show(line.toByteArray(), 80) + "')");
                    }
                    throw c;
                }
                if (n < 0) {
                    if (line.size() > 0) {
                        throw new IOException("last line without LF: '" + Text.show(line.toByteArray(), 80) + "'");
                    }
                    return null;
                }
                if (one[0] == '\n') {
                    return Text.ascii(line.toByteArray());
                }
                if (line.size() > 4096) {
                    throw new IOException("control line longer than 4096 bytes");
                }
                line.write(one[0]);
            }
        }
    }

    /** Lower-cased, for header comparisons in messages. */
    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
