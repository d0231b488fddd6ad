package dev.okapi.client.agert;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * Decrypts an age-rt v0.2 stream with a passphrase (protocol-spec/README.md, Appendix B).
 *
 * <p>Only authenticated bytes are ever returned, one whole chunk at a time, as soon as that chunk
 * has arrived: a chunk the writer flushed is readable without waiting for the next one. That is
 * also why the final chunk is recognised by trying the last-chunk flag when the ordinary nonce
 * does not verify, rather than by peeking for the end of input, which would hold every chunk back
 * until the next arrived.
 *
 * <p>{@code -1} is returned only after the final chunk and the end of the underlying stream; every
 * other end is an {@link AgeRtException}: {@link AgeRtTruncatedException} (ended early),
 * {@link AgeRtAuthenticationException} (a chunk was altered), {@link AgeRtPassphraseException}
 * (wrong passphrase), {@link AgeRtHeaderException}, {@link AgeRtFormatException}. The header is
 * read on the first {@code read}, so constructing the stream never blocks. Once failed, every
 * further read throws the same exception.
 *
 * <p>Memory: a chunk buffer that grows to the largest chunk seen (the writer's, 64 KiB; at most
 * the 16 MiB the format allows). Not thread-safe.
 */
public final class AgeRtInputStream extends InputStream {

    /** The first line of every age-rt stream (as of every age file): what tells an encrypted stream apart. */
    public static final String VERSION_LINE = AgeRt.VERSION_LINE;

    private final InputStream in;
    private final Cipher cipher = AgeRt.newCipher();
    private final byte[] nonce = new byte[12];
    private final byte[] lengthBytes = new byte[AgeRt.LENGTH_BYTES];
    private String passphrase;
    private SecretKeySpec payloadKey;
    private byte[] ciphertext = new byte[AgeRt.LENGTH_BYTES + AgeRt.MAX_PLAINTEXT_CHUNK + AgeRt.TAG_BYTES];
    private byte[] plaintext = new byte[AgeRt.MAX_PLAINTEXT_CHUNK];
    private int position;
    private int limit;
    private long counter;
    private boolean ended;
    private boolean closed;
    private AgeRtException failure;

    /**
     * @param in         the age-rt bytes
     * @param passphrase the shared secret the stream was encrypted with
     */
    public AgeRtInputStream(InputStream in, String passphrase) {
        this.in = Objects.requireNonNull(in, "in required");
        this.passphrase = Objects.requireNonNull(passphrase, "passphrase required");
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return plaintext[position++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, limit - position);
        System.arraycopy(plaintext, position, b, off, n);
        position += n;
        return n;
    }

    /** Decrypted bytes ready without blocking. */
    @Override
    public int available() throws IOException {
        if (closed) {
            throw new IOException("age-rt stream closed");
        }
        return limit - position;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        in.close();
    }

    /** Makes decrypted bytes available; false at the verified end of the stream. */
    private boolean fill() throws IOException {
        if (closed) {
            throw new IOException("age-rt stream closed");
        }
        if (failure != null) {
            throw failure;
        }
        try {
            while (position == limit && !ended) {
                if (payloadKey == null) {
                    readHeader();
                }
                readChunk();
            }
        } catch (AgeRtException e) {
            failure = e;
            throw e;
        }
        return position < limit;
    }

    private void readHeader() throws IOException {
        byte[] budget = new byte[AgeRt.MAX_HEADER_BYTES];
        int used = 0;
        String[] lines = new String[4];
        for (int i = 0; i < lines.length; i++) {
            int start = used;
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new AgeRtTruncatedException("age-rt stream ended inside its header, after " + used + " bytes");
                }
                if (used == budget.length) {
                    throw new AgeRtHeaderException("age-rt header longer than " + AgeRt.MAX_HEADER_BYTES + " bytes");
                }
                budget[used++] = (byte) c;
                if (c == '\n') {
                    break;
                }
            }
            lines[i] = new String(budget, start, used - start - 1, StandardCharsets.US_ASCII);
            if (i == 0 && !lines[0].equals(AgeRt.VERSION_LINE)) {
                throw new AgeRtHeaderException("not an age-rt stream: the first line is not " + AgeRt.VERSION_LINE);
            }
        }
        String[] stanza = lines[1].split(" ", -1);
        if (stanza.length != 4 || !(stanza[0] + " " + stanza[1]).equals(AgeRt.SCRYPT_STANZA)) {
            throw new AgeRtHeaderException("age-rt header: expected one '" + AgeRt.SCRYPT_STANZA
                    + " SALT 18' stanza, found '" + abbreviate(lines[1]) + "'");
        }
        if (!stanza[3].equals(Integer.toString(AgeRt.WORK_FACTOR))) {
            throw new AgeRtHeaderException("age-rt header: unsupported scrypt work factor '" + abbreviate(stanza[3])
                    + "' (only " + AgeRt.WORK_FACTOR + " is accepted)");
        }
        byte[] salt = base64(stanza[2], AgeRt.SALT_BYTES, "scrypt salt");
        byte[] wrapped = base64(lines[2], AgeRt.WRAPPED_KEY_BYTES, "wrapped file key");
        if (!lines[3].equals(AgeRt.END_LINE)) {
            throw new AgeRtHeaderException("age-rt header: expected '" + AgeRt.END_LINE + "' after the stanza, found '"
                    + abbreviate(lines[3]) + "'");
        }
        byte[] payloadNonce = in.readNBytes(AgeRt.PAYLOAD_NONCE_BYTES);
        if (payloadNonce.length < AgeRt.PAYLOAD_NONCE_BYTES) {
            throw new AgeRtTruncatedException("age-rt stream ended inside its payload nonce");
        }

        byte[] wrapKey = AgeRt.wrapKey(passphrase, salt);
        passphrase = null; // not needed any more
        byte[] fileKey = new byte[AgeRt.FILE_KEY_BYTES];
        try {
            AgeRt.open(cipher, AgeRt.aeadKey(wrapKey), new byte[12], wrapped, 0, wrapped.length, fileKey);
        } catch (AEADBadTagException e) {
            throw new AgeRtPassphraseException("the passphrase does not unwrap the age-rt file key "
                    + "(wrong passphrase, or a damaged header)", e);
        } finally {
            Arrays.fill(wrapKey, (byte) 0);
        }
        byte[] key = AgeRt.payloadKey(fileKey, payloadNonce);
        payloadKey = AgeRt.aeadKey(key);
        Arrays.fill(key, (byte) 0);
        Arrays.fill(fileKey, (byte) 0);
    }

    private void readChunk() throws IOException {
        int got = in.readNBytes(lengthBytes, 0, lengthBytes.length);
        if (got < lengthBytes.length) {
            throw new AgeRtTruncatedException("age-rt stream ended after " + counter + " chunks without its final chunk");
        }
        long len = ((lengthBytes[0] & 0xffL) << 24) | ((lengthBytes[1] & 0xff) << 16)
                | ((lengthBytes[2] & 0xff) << 8) | (lengthBytes[3] & 0xff);
        if (len < AgeRt.MIN_CIPHERTEXT_CHUNK || len > AgeRt.MAX_CIPHERTEXT_CHUNK) {
            throw new AgeRtFormatException("age-rt chunk " + counter + " has length " + len + ", outside "
                    + AgeRt.MIN_CIPHERTEXT_CHUNK + " … " + AgeRt.MAX_CIPHERTEXT_CHUNK);
        }
        int size = (int) len;
        if (ciphertext.length < size) {
            ciphertext = new byte[size];
            plaintext = new byte[size - AgeRt.TAG_BYTES];
        }
        if (in.readNBytes(ciphertext, 0, size) < size) {
            throw new AgeRtTruncatedException("age-rt stream ended inside chunk " + counter);
        }
        boolean last = false;
        int n;
        try {
            AgeRt.chunkNonce(counter, false, nonce);
            n = AgeRt.open(cipher, payloadKey, nonce, ciphertext, 0, size, plaintext);
        } catch (AEADBadTagException notOrdinary) {
            try {
                AgeRt.chunkNonce(counter, true, nonce);
                n = AgeRt.open(cipher, payloadKey, nonce, ciphertext, 0, size, plaintext);
                last = true;
            } catch (AEADBadTagException e) {
                throw new AgeRtAuthenticationException("age-rt chunk " + counter
                        + " failed authentication: the stream was altered or damaged", e);
            }
        }
        counter++;
        position = 0;
        limit = n;
        if (last) {
            if (in.read() >= 0) {
                throw new AgeRtFormatException("age-rt stream continues after its final chunk");
            }
            ended = true;
        }
    }

    private static byte[] base64(String text, int expected, String what) throws AgeRtHeaderException {
        byte[] value;
        try {
            value = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new AgeRtHeaderException("age-rt header: " + what + " is not base64", e);
        }
        if (value.length != expected) {
            throw new AgeRtHeaderException("age-rt header: " + what + " has " + value.length + " bytes, not " + expected);
        }
        return value;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
