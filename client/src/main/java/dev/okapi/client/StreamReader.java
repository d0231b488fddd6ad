package dev.okapi.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

import dev.okapi.client.agert.AgeRtException;
import dev.okapi.client.agert.AgeRtInputStream;
import dev.okapi.protocol.Wire;

/**
 * The consumer's side of a stream: an {@link InputStream} of the writer's bytes, read from the
 * relay's Data API with a {@code GET}, decrypted on the way when a passphrase is set.
 *
 * <p>{@code read} returns bytes as soon as they arrive (a flushed line is readable at once) and
 * {@code -1} only after the writer's clean end. A stream that breaks off (the writer aborted, the
 * connection was lost) throws {@link PeerDisconnectedException}; a damaged or truncated encrypted
 * stream throws an {@link AgeRtException}: never a silent short read. After such a failure every
 * read throws it again.
 *
 * <p>{@link #close()} before the end tells the writer that its reader left. For one thread at a
 * time, except {@code close()}, which may come from any thread to stop a blocked read.
 */
public final class StreamReader extends InputStream {

    private final HttpConnection connection;
    private final InputStream body;
    private final String contentType;
    private final String path;
    private final byte[] one = new byte[1];
    private volatile boolean closed;
    private IOException failure;
    private long bytesRead;
    private boolean ended;

    private StreamReader(HttpConnection connection, InputStream body, String contentType, String path) {
        this.connection = connection;
        this.body = body;
        this.contentType = contentType;
        this.path = path;
    }

    static StreamReader open(ZebraStream stream) throws IOException {
        Objects.requireNonNull(stream, "stream required");
        URI dataUrl = ConnectApi.awaitPeer(stream, Wire.Mode.AWAIT_WRITER);
        String what = "Data API GET " + dataUrl.getRawPath();
        HttpConnection connection = HttpConnection.open(dataUrl, stream.sslContext().orElse(null));
        try {
            connection.sendHead("GET", dataUrl, stream.requestFields());
            // No read bound: the relay starts this response with the writer's first bytes, and a
            // writer may legitimately pause before them (a quiet log).
            ResponseHead head = connection.readFinalHead();
            if (head.status() != Wire.OK) {
                throw Refusals.of(head.status(), connection.readErrorText(head, 2048), what);
            }
            InputStream body = connection.body(head);
            if (stream.passphrase().isPresent()) {
                body = new AgeRtInputStream(body, stream.passphrase().get());
            }
            return new StreamReader(connection, body, head.header("Content-Type").orElse(null), stream.path());
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** @return the writer's {@code Content-Type} as the relay passed it on, if any */
    public Optional<String> contentType() {
        return Optional.ofNullable(contentType);
    }

    @Override
    public int read() throws IOException {
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("the reader of " + path + " is closed");
        }
        if (failure != null) {
            throw failure;
        }
        if (len == 0) {
            return 0;
        }
        if (ended) {
            return -1;
        }
        try {
            int n = body.read(b, off, len);
            if (n < 0) {
                ended = true;
            } else {
                bytesRead += n;
            }
            return n;
        } catch (AgeRtException | ZebraStreamException e) {
            failure = e;
            throw e;
        } catch (IncompleteBodyException e) {
            failure = new PeerDisconnectedException("the stream " + path + " broke off after " + bytesRead
                    + " bytes without its clean end: the writer aborted or the connection was lost", e);
            throw failure;
        } catch (IOException e) {
            if (closed) {
                throw new IOException("the reader of " + path + " was closed", e);
            }
            failure = new PeerDisconnectedException("the connection of the stream " + path + " was lost after "
                    + bytesRead + " bytes: " + e.getMessage(), e);
            throw failure;
        }
    }

    @Override
    public int available() throws IOException {
        if (closed || failure != null || ended) {
            return 0;
        }
        try {
            return body.available();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Releases the connection; before the end of the stream, the writer learns that its reader left. */
    @Override
    public void close() {
        closed = true;
        connection.close();
    }
}
