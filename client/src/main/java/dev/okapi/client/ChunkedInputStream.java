package dev.okapi.client;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Reads an HTTP/1.1 chunked response body. Returns whatever of the current chunk is available
 * (never waits for a whole chunk), and {@code -1} only after the terminating zero-length chunk and
 * its trailer section. A connection that ends before that throws {@link IncompleteBodyException}:
 * it is how the relay tells a reader that the writer aborted.
 */
final class ChunkedInputStream extends InputStream {

    private static final int MAX_LINE = 4096;

    private final InputStream in;
    private long remaining;
    private boolean needSizeLine = true;
    private boolean first = true;
    private boolean ended;

    ChunkedInputStream(InputStream in) {
        this.in = Objects.requireNonNull(in, "in required");
    }

    @Override
    public int read() throws IOException {
        if (!ready()) {
            return -1;
        }
        int c = in.read();
        if (c < 0) {
            throw truncated();
        }
        remaining--;
        return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (!ready()) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            throw truncated();
        }
        remaining -= n;
        return n;
    }

    @Override
    public int available() throws IOException {
        return ended || needSizeLine ? 0 : (int) Math.min(remaining, in.available());
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Positions on data of a chunk; false after the terminating chunk. */
    private boolean ready() throws IOException {
        while (!ended && (needSizeLine || remaining == 0)) {
            if (!needSizeLine) { // the current chunk is consumed: its CRLF, then the next size
                if (!HttpConnection.readLine(in, MAX_LINE, this::truncated).isEmpty()) {
                    throw new ProtocolViolationException("chunked body: chunk data not followed by CRLF");
                }
                needSizeLine = true;
            }
            String line = HttpConnection.readLine(in, MAX_LINE, this::truncated);
            first = false;
            int semicolon = line.indexOf(';'); // chunk extensions are ignored
            String hex = (semicolon >= 0 ? line.substring(0, semicolon) : line).strip();
            if (hex.isEmpty() || hex.length() > 15 || !hex.chars().allMatch(ChunkedInputStream::isHex)) {
                throw new ProtocolViolationException("chunked body: bad chunk size line '" + abbreviate(line) + "'");
            }
            remaining = Long.parseLong(hex, 16);
            needSizeLine = false;
            if (remaining == 0) {
                while (!HttpConnection.readLine(in, MAX_LINE, this::truncated).isEmpty()) {
                    // trailer fields: none are meaningful here
                }
                ended = true;
            }
        }
        return !ended;
    }

    private IncompleteBodyException truncated() {
        return new IncompleteBodyException(first
                ? "the connection closed before the response body began"
                : "the connection closed before the chunked body's terminating chunk");
    }

    private static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
