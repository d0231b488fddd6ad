package dev.okapi.client;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

import dev.okapi.client.agert.AgeRtOutputStream;
import dev.okapi.protocol.Wire;
import dev.okapi.protocol.Wire.ControlLine;

/**
 * The producer's side of a stream: an {@link OutputStream} whose bytes go to the reader as they
 * are written, through a chunked {@code PUT} to the relay's Data API.
 *
 * <ul>
 *   <li><b>Backpressure, fixed memory</b>: at most 64 KiB are buffered; beyond that, {@code write}
 *       blocks until the relay (and so the reader) takes the bytes.</li>
 *   <li><b>{@link #flush()}</b> sends what is buffered now, as one chunk (with a passphrase: one
 *       age-rt chunk), so a log line reaches the reader at once.</li>
 *   <li><b>{@link #close()}</b> sends the clean end and returns only once the relay confirms with
 *       {@code [STATE:TRANSFER_SUCCESSFUL]} as its last control line, i.e. after the reader has
 *       received everything. Any other end throws.</li>
 *   <li><b>{@link #abort()}</b> drops the connection without the clean end: the reader gets an
 *       error, never a stream that looks complete. Use it whenever the data is not whole.</li>
 *   <li>If the reader leaves, the relay says so on the control channel, which a thread of this
 *       writer reads during the upload; the next (or the currently blocked) {@code write},
 *       {@code flush} or {@code close} throws {@link PeerDisconnectedException}.</li>
 * </ul>
 *
 * <p>A failed writer is finished: every later call throws, except {@code close()} and
 * {@code abort()}, which then only release the connection. Writes are for one thread at a time;
 * {@code abort()} may come from any thread, e.g. to stop a writer blocked by backpressure.
 */
public final class StreamWriter extends OutputStream {

    /** Bytes buffered before a chunk goes out without a flush. */
    static final int BUFFER_SIZE = 64 * 1024;
    /**
     * Without a connect timeout, how long to wait for {@code 100 Continue} before sending the body
     * anyway (RFC 9110 section 10.1.1); the value of the field's curl examples.
     */
    static final Duration CONTINUE_WAIT = Duration.ofSeconds(180);
    /** How long a failed socket write waits for the control channel to say why. */
    static final Duration EXPLANATION_WAIT = Duration.ofSeconds(2);

    private enum State { OPEN, CLOSED, ABORTED, FAILED }

    private final HttpConnection connection;
    private final ControlChannel control;
    private final ChunkedOutputStream chunked;
    private final OutputStream body;
    private final AgeRtOutputStream encoder;
    private final String path;
    private final String what;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile State state = State.OPEN;
    private ZebraStreamException failure;

    private StreamWriter(ZebraStream stream, Body prepared, HttpConnection connection, ResponseHead earlyHead,
                         String what) {
        this.connection = connection;
        this.path = stream.path();
        this.what = what;
        this.chunked = prepared.chunked;
        this.encoder = prepared.encoder;
        this.body = prepared.body;
        prepared.socket.attach(connection.output());
        this.control = new ControlChannel(connection, earlyHead, path, what);
        control.start();
    }

    static StreamWriter open(ZebraStream stream) throws IOException {
        Objects.requireNonNull(stream, "stream required");
        // scrypt (a second or two) runs before the Connect call, not after it: a reader that is
        // already waiting then gets the first bytes without waiting for it too.
        Body prepared = new Body(stream);
        URI dataUrl = ConnectApi.awaitPeer(stream, Wire.Mode.AWAIT_READER);
        String what = "Data API PUT " + dataUrl.getRawPath();
        HttpConnection connection = HttpConnection.open(dataUrl, stream.sslContext().orElse(null));
        try {
            Map<String, String> fields = stream.requestFields();
            stream.contentType().ifPresent(t -> fields.put("Content-Type", t));
            fields.put("Transfer-Encoding", "chunked");
            fields.put("Expect", "100-continue");
            connection.sendHead("PUT", dataUrl, fields);
            ResponseHead earlyHead = awaitContinue(connection, stream, what);
            connection.readTimeout(Duration.ZERO); // a stream may pause for as long as its writer likes
            return new StreamWriter(stream, prepared, connection, earlyHead, what);
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** The body's stream stack, built before there is a connection to write to. */
    private static final class Body {
        final DeferredOutputStream socket = new DeferredOutputStream();
        final ChunkedOutputStream chunked = new ChunkedOutputStream(socket);
        final AgeRtOutputStream encoder;
        final OutputStream body;

        Body(ZebraStream stream) {
            encoder = stream.passphrase().map(p -> new AgeRtOutputStream(chunked, p)).orElse(null);
            body = encoder != null ? encoder : new BufferedOutputStream(chunked, BUFFER_SIZE);
        }
    }

    /** An output stream whose target is attached once, after it was built. */
    private static final class DeferredOutputStream extends OutputStream {
        private OutputStream target;

        void attach(OutputStream target) {
            this.target = Objects.requireNonNull(target, "target required");
        }

        @Override
        public void write(int b) throws IOException {
            target.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            target.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            target.flush();
        }
    }

    /**
     * Waits until the relay pairs this writer with its reader, which it signals with
     * {@code 100 Continue}; a refusal comes as a final status instead.
     *
     * @return a final 2xx head that came instead of the 100, else null
     */
    private static ResponseHead awaitContinue(HttpConnection connection, ZebraStream stream, String what)
            throws IOException {
        connection.readTimeout(stream.connectTimeout().map(t -> t.plus(ConnectApi.BACKSTOP)).orElse(CONTINUE_WAIT));
        ResponseHead head;
        try {
            head = connection.readHead();
            while (head.informational() && head.status() != 100) {
                head = connection.readHead();
            }
        } catch (SocketTimeoutException e) {
            if (stream.connectTimeout().isPresent()) {
                throw new ConnectTimeoutException("the relay did not pair the writer of " + stream.path()
                        + " with a reader within " + stream.connectTimeout().get().toSeconds() + " s (" + what + ")", e);
            }
            return null; // send the body anyway; the control channel skips a late 100
        }
        if (head.status() == 100) {
            return null;
        }
        if (head.status() / 100 == 2) {
            return head; // answered before the body, but willing to take it
        }
        throw Refusals.of(head.status(), connection.readErrorText(head, 2048), what);
    }

    @Override
    public void write(int b) throws IOException {
        lock.lock();
        try {
            ensureWritable();
            body.write(b);
        } catch (IOException e) {
            throw failed(e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        lock.lock();
        try {
            ensureWritable();
            body.write(b, off, len);
        } catch (IOException e) {
            throw failed(e);
        } finally {
            lock.unlock();
        }
    }

    /** Sends everything written so far to the reader now. */
    @Override
    public void flush() throws IOException {
        lock.lock();
        try {
            ensureWritable();
            body.flush();
        } catch (IOException e) {
            throw failed(e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the stream cleanly and waits for the relay's confirmation that the reader received it
     * all. On a writer that already failed or was aborted, only releases the connection.
     *
     * @throws PeerDisconnectedException  if the reader left before the end
     * @throws ProtocolViolationException if the relay's last control line is not
     *                                    {@code [STATE:TRANSFER_SUCCESSFUL]}
     * @throws IOException                if the connection fails
     */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (state != State.OPEN) {
                connection.close();
                return;
            }
            ensureWritable();
            if (encoder != null) {
                encoder.finish(); // the age-rt final chunk
            } else {
                body.flush();
            }
            chunked.finish(); // the zero-length chunk: the protocol's clean end
            control.awaitEnd();
            ZebraStreamException reported = control.failure();
            if (reported != null) {
                throw fail(reported);
            }
            String last = control.lastLine();
            if (last == null || !last.strip().equals(ControlLine.TRANSFER_SUCCESSFUL.text())) {
                IOException broken = control.broken();
                throw fail(new ProtocolViolationException("the relay ended the control channel of " + path + " with "
                        + (last == null ? "no line" : "'" + last.strip() + "'") + " instead of "
                        + ControlLine.TRANSFER_SUCCESSFUL.text() + (broken != null ? " (" + broken.getMessage() + ")" : "")
                        + ": the reader may not have received everything", broken));
            }
            state = State.CLOSED;
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort();
            throw new InterruptedIOException("interrupted while waiting for the relay to confirm the end of " + path);
        } catch (IOException e) {
            throw failed(e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the upload WITHOUT its clean end: the connection is dropped and the reader sees an
     * error. Safe from any thread, at any time; does nothing after {@code close()}.
     */
    public void abort() {
        if (state == State.OPEN) {
            state = State.ABORTED;
        }
        connection.close();
    }

    private void ensureWritable() throws IOException {
        switch (state) {
            case OPEN -> {
                ZebraStreamException reported = control.failure();
                if (reported != null) {
                    throw fail(reported);
                }
            }
            case CLOSED -> throw new IOException("the writer of " + path + " is closed");
            case ABORTED -> throw new IOException("the writer of " + path + " was aborted");
            case FAILED -> throw failure;
        }
    }

    /** Turns an I/O failure into the writer's failure, preferring what the relay said. */
    private IOException failed(IOException cause) {
        if (state == State.FAILED && cause == failure) {
            return cause;
        }
        if (state == State.ABORTED || state == State.CLOSED) {
            return cause;
        }
        ZebraStreamException reported = control.failure();
        if (reported == null && !(cause instanceof ZebraStreamException)) {
            // A reset socket is often the echo of an error line in flight: give it a moment.
            control.awaitEnd(EXPLANATION_WAIT);
            reported = control.failure();
        }
        if (reported == null) {
            reported = cause instanceof ZebraStreamException z ? z
                    : new ZebraStreamException("the upload of " + path + " failed (" + what + "): " + cause.getMessage(), cause);
        }
        return fail(reported);
    }

    private ZebraStreamException fail(ZebraStreamException e) {
        if (state == State.OPEN) {
            state = State.FAILED;
            failure = e;
            connection.close();
        }
        return failure != null ? failure : e;
    }
}
