package dev.okapi.client;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Writes an HTTP/1.1 chunked request body, one chunk per {@code write} (split at 64 KiB, the
 * largest block the field clients send), each assembled in one buffer so that it leaves in one
 * socket write. Nothing is buffered between writes: the caller decides what a chunk is, which is
 * what makes {@code flush()} on the stream above real.
 *
 * <p>{@link #finish()} writes the zero-length chunk, the protocol's clean end of stream; closing
 * the connection without it is the protocol's abort. After any write failed, {@code finish()}
 * refuses, so that a broken upload can never be ended as if it were whole.
 */
final class ChunkedOutputStream extends OutputStream {

    /** Largest chunk written. */
    static final int MAX_CHUNK = 64 * 1024;
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final byte[] frame = new byte[8 + MAX_CHUNK + 2];
    private boolean finished;
    private boolean broken;

    ChunkedOutputStream(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out required");
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureWritable();
        while (len > 0) { // a zero-length write must not become a (terminating) zero-length chunk
            int n = Math.min(len, MAX_CHUNK);
            int p = 0;
            for (int shift = Integer.SIZE - 4; shift >= 0; shift -= 4) {
                int digit = (n >>> shift) & 0xf;
                if (digit != 0 || p > 0 || shift == 0) {
                    frame[p++] = HEX[digit];
                }
            }
            frame[p++] = '\r';
            frame[p++] = '\n';
            System.arraycopy(b, off, frame, p, n);
            p += n;
            frame[p++] = '\r';
            frame[p++] = '\n';
            send(frame, p);
            off += n;
            len -= n;
        }
    }

    @Override
    public void flush() throws IOException {
        ensureWritable();
        try {
            out.flush();
        } catch (IOException e) {
            broken = true;
            throw e;
        }
    }

    /** Writes the terminating zero-length chunk (no trailers) and flushes: the clean end. */
    void finish() throws IOException {
        ensureWritable();
        send(LAST_CHUNK, LAST_CHUNK.length);
        try {
            out.flush();
        } catch (IOException e) {
            broken = true;
            throw e;
        }
        finished = true;
    }

    /** Does not close the connection: ending the body is {@link #finish()}, dropping it is the caller's. */
    @Override
    public void close() {
    }

    private void send(byte[] bytes, int len) throws IOException {
        try {
            out.write(bytes, 0, len);
        } catch (IOException e) {
            broken = true;
            throw e;
        }
    }

    private void ensureWritable() throws IOException {
        if (broken) {
            throw new IOException("the upload already failed; it can only be abandoned");
        }
        if (finished) {
            throw new IOException("the upload is finished");
        }
    }
}
