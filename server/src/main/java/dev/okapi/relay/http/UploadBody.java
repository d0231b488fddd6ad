package dev.okapi.relay.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * A producer's upload that the relay decodes or reads itself rather than through Helidon
 * ({@link ChunkedBody}, {@link DirectBody}): what every such stream does alike, once.
 */
abstract class UploadBody extends InputStream {

    /** Takes the connection over from the producer's watch: waits until it has stopped reading it. */
    @FunctionalInterface
    interface Owner {
        void own() throws IOException;
    }

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public final int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        return len == 0 ? 0 : readSome(b, off, len);
    }

    /**
     * Reads 1 to {@code len} bytes of the upload into {@code b}, or returns -1 at its clean end.
     *
     * @throws IOException when the upload breaks off or is malformed: never an end
     */
    abstract int readSome(byte[] b, int off, int len) throws IOException;
}
