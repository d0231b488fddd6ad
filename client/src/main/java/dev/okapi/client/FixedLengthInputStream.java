package dev.okapi.client;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Reads a response body of {@code Content-Length} bytes; a connection that ends sooner throws
 * {@link IncompleteBodyException} instead of passing for a short, complete body.
 */
final class FixedLengthInputStream extends InputStream {

    private final InputStream in;
    private final long length;
    private long remaining;

    FixedLengthInputStream(InputStream in, long length) {
        this.in = Objects.requireNonNull(in, "in required");
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative");
        }
        this.length = length;
        this.remaining = length;
    }

    @Override
    public int read() throws IOException {
        if (remaining == 0) {
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
        if (remaining == 0) {
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
        return (int) Math.min(remaining, in.available());
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private IncompleteBodyException truncated() {
        return new IncompleteBodyException("the connection closed after " + (length - remaining) + " of "
                + length + " bytes (Content-Length)");
    }
}
