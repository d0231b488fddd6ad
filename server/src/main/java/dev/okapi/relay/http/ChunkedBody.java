package dev.okapi.relay.http;

import java.io.IOException;
import java.util.Objects;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;

/**
 * A producer's chunked upload, decoded from the connection's buffer as RFC 9112 section 7.1 says:
 * chunk extensions are ignored ([DATA-30]) and trailer fields after the last chunk are read and
 * dropped ([DATA-31], [DATA-32]). Helidon 4.3.0's own decoder refuses both, and it is private, so
 * the relay decodes the body itself; the connection is then closed after the producer's response,
 * since Helidon would try to decode the same body again for a next request.
 *
 * <p>Every framing error and every early end throws: an upload that breaks off must reach the
 * consumer as a cut, never as an end.
 */
final class ChunkedBody extends UploadBody {

    /** Longest size line (with extensions) and trailer line accepted, and most trailer lines. */
    private static final int MAX_LINE = 4096;
    private static final int MAX_TRAILERS = 64;

    private final DataReader reader;
    private final Owner owner;
    private boolean owned; // the producer's watch no longer reads the connection: pulling is ours
    private long remaining; // of the current chunk
    private boolean dataRead; // a chunk's data was read: its CRLF comes next
    private boolean done;

    /**
     * @param owner waits until the producer's watch has stopped reading the connection; called
     *              before the first read that needs more bytes than are buffered
     */
    ChunkedBody(DataReader reader, Owner owner) {
        this.reader = Objects.requireNonNull(reader, "reader required");
        this.owner = Objects.requireNonNull(owner, "owner required");
    }

    private void own() throws IOException {
        if (!owned) {
            owner.own();
            owned = true;
        }
    }

    @Override
    int readSome(byte[] b, int off, int len) throws IOException {
        while (remaining == 0) {
            if (done) {
                return -1;
            }
            nextChunk();
        }
        if (!owned && reader.available() == 0) {
            own(); // the next bytes come from the socket
        }
        reader.ensureAvailable();
        int n = (int) Math.min(Math.min(len, remaining), reader.available());
        BufferData data = reader.readBuffer(n);
        data.read(b, off, n);
        remaining -= n;
        return n;
    }

    private void nextChunk() throws IOException {
        if (dataRead && !line().isEmpty()) {
            throw new IOException("chunk data longer than its size");
        }
        String line = line();
        int end = line.indexOf(';'); // chunk extensions are ignored
        String hex = (end < 0 ? line : line.substring(0, end)).strip();
        if (hex.isEmpty() || hex.length() > 15 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IOException("malformed chunk size line");
        }
        remaining = Long.parseLong(hex, 16);
        dataRead = remaining > 0;
        if (remaining == 0) {
            for (int i = 0; !line().isEmpty(); i++) { // trailer fields, dropped
                if (i == MAX_TRAILERS) {
                    throw new IOException("more than " + MAX_TRAILERS + " trailer fields");
                }
            }
            done = true;
        }
    }

    private String line() throws IOException {
        if (!owned) {
            // From the buffer alone while the watch may still read the socket: a search that stops
            // before the last buffered byte never pulls (a CR there would make it peek at the next).
            int avail = reader.available();
            int max = Math.min(avail - 1, MAX_LINE);
            int at = max > 0 ? reader.findNewLine(max) : max;
            if (max > 0 && at < max) {
                String s = reader.readAsciiString(at);
                reader.skip(2);
                return s;
            }
            own();
        }
        int at = reader.findNewLine(MAX_LINE);
        if (at == MAX_LINE) {
            throw new IOException("chunk framing line longer than " + MAX_LINE + " bytes");
        }
        String s = reader.readAsciiString(at);
        reader.skip(2);
        return s;
    }
}
