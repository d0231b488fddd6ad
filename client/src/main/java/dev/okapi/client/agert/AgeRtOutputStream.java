package dev.okapi.client.agert;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts everything written to it as an age-rt v0.2 stream with a passphrase (protocol-spec/README.md,
 * Appendix B), byte compatible with the reference encoder of the Python client.
 *
 * <p>Real time is the point of the format: every {@link #flush()} seals what was written since the
 * previous chunk into a chunk of its own and flushes it, so a reader can decrypt a log line as soon
 * as it is flushed. Without flushes, chunks are 64 KiB of plaintext. {@link #finish()} (or
 * {@link #close()}) adds the empty final chunk whose nonce carries the last-chunk flag; a stream
 * without it reads as truncated. Memory is fixed: one 64 KiB plaintext buffer and one frame.
 *
 * <p>The header and payload nonce are written ahead of the first chunk, not at construction, so
 * an encoder that is never used writes nothing. The passphrase is used once, at construction
 * (scrypt with N = 2^18 takes about half a second and 256 MiB of memory).
 *
 * <p>Not thread-safe, like most streams.
 */
public final class AgeRtOutputStream extends OutputStream {

    private final OutputStream out;
    private final Cipher cipher = AgeRt.newCipher();
    private final SecretKeySpec payloadKey;
    private final byte[] nonce = new byte[12];
    private final byte[] plaintext = new byte[AgeRt.MAX_PLAINTEXT_CHUNK];
    private final byte[] frame = new byte[AgeRt.LENGTH_BYTES + AgeRt.MAX_PLAINTEXT_CHUNK + AgeRt.TAG_BYTES];
    private byte[] pendingHeader;
    private int buffered;
    private long counter;
    private boolean finished;
    private boolean closed;

    /**
     * An encoder with fresh random keys.
     *
     * @param out        where the ciphertext goes
     * @param passphrase the shared secret; its UTF-8 bytes feed scrypt
     */
    public AgeRtOutputStream(OutputStream out, String passphrase) {
        this(out, passphrase, RandomBytes.secure());
    }

    /**
     * An encoder taking its file key (32 bytes), scrypt salt (16) and payload nonce (16) from
     * {@code random}, in that order, as the reference encoder does.
     *
     * @param out        where the ciphertext goes
     * @param passphrase the shared secret; its UTF-8 bytes feed scrypt
     * @param random     the source of the three random values
     */
    public AgeRtOutputStream(OutputStream out, String passphrase, RandomBytes random) {
        this.out = Objects.requireNonNull(out, "out required");
        Objects.requireNonNull(passphrase, "passphrase required");
        Objects.requireNonNull(random, "random required");
        if (passphrase.isEmpty()) {
            throw new IllegalArgumentException("passphrase must not be empty");
        }
        byte[] fileKey = new byte[AgeRt.FILE_KEY_BYTES];
        byte[] salt = new byte[AgeRt.SALT_BYTES];
        byte[] payloadNonce = new byte[AgeRt.PAYLOAD_NONCE_BYTES];
        random.nextBytes(fileKey);
        random.nextBytes(salt);
        random.nextBytes(payloadNonce);

        byte[] wrapKey = AgeRt.wrapKey(passphrase, salt);
        byte[] wrapped = new byte[AgeRt.WRAPPED_KEY_BYTES];
        AgeRt.seal(cipher, AgeRt.aeadKey(wrapKey), new byte[12], fileKey, 0, fileKey.length, wrapped, 0);
        Arrays.fill(wrapKey, (byte) 0);

        ByteArrayOutputStream header = new ByteArrayOutputStream(AgeRt.MAX_HEADER_BYTES);
        Base64.Encoder base64 = Base64.getEncoder(); // standard alphabet WITH padding, unlike age v1
        String text = AgeRt.VERSION_LINE + "\n"
                + AgeRt.SCRYPT_STANZA + " " + base64.encodeToString(salt) + " " + AgeRt.WORK_FACTOR + "\n"
                + base64.encodeToString(wrapped) + "\n"
                + AgeRt.END_LINE + "\n";
        header.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
        header.writeBytes(payloadNonce);
        this.pendingHeader = header.toByteArray();

        byte[] key = AgeRt.payloadKey(fileKey, payloadNonce);
        this.payloadKey = AgeRt.aeadKey(key);
        Arrays.fill(key, (byte) 0);
        Arrays.fill(fileKey, (byte) 0);
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        if (buffered == plaintext.length) {
            seal(false);
        }
        plaintext[buffered++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        while (len > 0) {
            if (buffered == plaintext.length) {
                seal(false);
            }
            int n = Math.min(len, plaintext.length - buffered);
            System.arraycopy(b, off, plaintext, buffered, n);
            buffered += n;
            off += n;
            len -= n;
        }
    }

    /**
     * Seals the bytes written since the last chunk into a chunk (if there are any) and flushes the
     * underlying stream: the reader can decrypt them now.
     */
    @Override
    public void flush() throws IOException {
        ensureOpen();
        if (buffered > 0) {
            seal(false);
        } else {
            writeHeaderIfPending();
        }
        out.flush();
    }

    /**
     * Ends the age-rt stream without closing the underlying stream: seals what is buffered, adds
     * the empty final chunk and flushes. Further writes fail; calling it again does nothing.
     *
     * @throws IOException if the underlying stream fails
     */
    public void finish() throws IOException {
        if (closed) {
            throw new IOException("age-rt stream closed");
        }
        if (finished) {
            return;
        }
        if (buffered > 0) {
            seal(false);
        }
        seal(true); // always an extra EMPTY final chunk, as the reference encoder does
        finished = true;
        out.flush();
    }

    /** {@link #finish() Finishes} the age-rt stream, then closes the underlying stream. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            finish();
        } finally {
            closed = true;
            out.close();
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("age-rt stream closed");
        }
        if (finished) {
            throw new IOException("age-rt stream finished: its final chunk is written");
        }
    }

    /** Seals the buffered plaintext (possibly none) as chunk {@code counter} and writes it. */
    private void seal(boolean last) throws IOException {
        writeHeaderIfPending();
        AgeRt.chunkNonce(counter, last, nonce);
        int len = AgeRt.seal(cipher, payloadKey, nonce, plaintext, 0, buffered, frame, AgeRt.LENGTH_BYTES);
        frame[0] = (byte) (len >>> 24);
        frame[1] = (byte) (len >>> 16);
        frame[2] = (byte) (len >>> 8);
        frame[3] = (byte) len;
        counter++;
        buffered = 0;
        out.write(frame, 0, AgeRt.LENGTH_BYTES + len);
    }

    private void writeHeaderIfPending() throws IOException {
        if (pendingHeader != null) {
            out.write(pendingHeader);
            pendingHeader = null;
        }
    }
}
