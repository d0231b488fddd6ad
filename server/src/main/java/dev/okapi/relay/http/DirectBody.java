package dev.okapi.relay.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

import io.helidon.common.buffers.DataReader;
import io.helidon.webserver.ConnectionContext;

/**
 * A {@code Content-Length} body read from the connection's socket itself once Helidon's buffer of
 * it is empty. Helidon 4.3.0 reads a socket 8 KiB at a time into one fixed array and copies each
 * read (a constant, {@code PlainSocket.BUFFER_LENGTH}); read directly, the copy's own buffer sets
 * the read size, with no copy and no allocation per read. bench/README.md has what it moved. It
 * also reads a short body that the producer began before it was paired: what its watch buffered is
 * forwarded at once, and the socket is read only once the watch has stopped ({@link Upload}).
 *
 * <p>Helidon does not count these bytes as read, and would read the body again as a next request:
 * the connection must be closed after the request's response.
 *
 * <p>Fewer bytes than announced, then the end of the connection, is an {@link EOFException}: an
 * upload that breaks off must reach the consumer as a cut, never as an end.
 */
final class DirectBody extends UploadBody {

    private final DataReader buffered;
    private final InputStream socket;
    private Owner owner; // null once the producer's watch no longer reads the connection
    private long remaining;

    private DirectBody(DataReader buffered, InputStream socket, long length, Owner owner) {
        this.buffered = buffered;
        this.socket = socket;
        this.remaining = length;
        this.owner = owner;
    }

    /**
     * The {@code length} bytes of body of the request this thread handles (see {@link Watch}), from
     * Helidon's buffer first and then, once {@code owner} has taken the connection over from the
     * watch, from the socket; null if the socket cannot be reached.
     */
    static InputStream of(long length, Owner owner) throws IOException {
        ConnectionContext ctx = Watch.context();
        Socket s = ConnectionSocket.of(ctx);
        return s == null ? null : new DirectBody(ctx.dataReader(), s.getInputStream(), length, owner);
    }

    @Override
    int readSome(byte[] b, int off, int len) throws IOException {
        if (remaining == 0) {
            return -1;
        }
        if (owner != null && buffered.available() == 0) {
            owner.own(); // its last read may have buffered more: read below
            owner = null;
        }
        int want = (int) Math.min(len, remaining);
        int n;
        if (buffered.available() > 0) {
            n = Math.min(want, buffered.available());
            buffered.readBuffer(n).read(b, off, n);
        } else {
            n = socket.read(b, off, want);
            if (n < 0) {
                throw new EOFException("upload ended " + remaining + " bytes short of its Content-Length");
            }
        }
        remaining -= n;
        return n;
    }
}
