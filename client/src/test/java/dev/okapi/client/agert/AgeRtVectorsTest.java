package dev.okapi.client.agert;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import javax.crypto.AEADBadTagException;

import org.junit.jupiter.api.Test;

/**
 * Every vector in {@code src/test/resources/vectors} (made with the reference encoder): success
 * vectors decrypt to their plaintext and are reproduced byte for byte from their random bytes;
 * failure vectors fail with the typed error they name. Each scrypt run (N = 2^18) costs about half
 * a second, so each test runs as few as its claim needs.
 */
class AgeRtVectorsTest {

    private static final Vector KNOWN_ANSWER = Vector.load("age-rt-v0.2.txt");

    @Test
    void encoderReproducesTheKnownAnswerVectorByteForByte() throws IOException {
        FixedRandom random = new FixedRandom(FixedRandom.repeat(1, 32), FixedRandom.repeat(2, 16), FixedRandom.repeat(3, 16));
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        try (AgeRtOutputStream out = new AgeRtOutputStream(wire, KNOWN_ANSWER.get("passphrase"), random)) {
            out.write("hello ".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            out.write("world\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        assertThat(random.usedUp(), is(true));
        assertThat(HexFormat.of().formatHex(wire.toByteArray()), is(KNOWN_ANSWER.get("wire_hex")));
        assertThat(wire.size(), is(Integer.parseInt(KNOWN_ANSWER.get("total_len"))));
    }

    @Test
    void knownAnswerVectorDecryptsChunkByChunk() throws IOException {
        try (InputStream in = new AgeRtInputStream(new ByteArrayInputStream(KNOWN_ANSWER.wire()), KNOWN_ANSWER.get("passphrase"))) {
            byte[] buf = new byte[100];
            // one read never spans chunks: what a writer flushed is handed out without waiting for more
            assertThat(new String(buf, 0, in.read(buf), StandardCharsets.US_ASCII), is("hello "));
            assertThat(new String(buf, 0, in.read(buf), StandardCharsets.US_ASCII), is("world\n"));
            assertThat(in.read(buf), is(-1));
            assertThat(in.read(), is(-1));
        }
    }

    @Test
    void emptyVectorDecryptsToNothing() throws IOException {
        Vector v = Vector.load("age-rt-v0.2-empty.hex");
        assertThat(v.get("expect"), is("success"));
        byte[] plaintext = decrypt(v.wire(), v.get("passphrase"));
        assertThat(plaintext.length, is(0));
        assertThat(sha256(plaintext), is(v.get("plaintext_sha256")));
    }

    @Test
    void multiChunkVectorDecryptsToItsPlaintextRule() throws IOException {
        Vector v = Vector.load("age-rt-v0.2-multi.hex");
        assertThat(v.get("expect"), is("success"));
        byte[] plaintext = decrypt(v.wire(), v.get("passphrase"));
        assertThat(plaintext.length, is(Integer.parseInt(v.get("plaintext_len"))));
        assertThat(sha256(plaintext), is(v.get("plaintext_sha256")));
        assertArrayEquals(multiPlaintext(plaintext.length), plaintext);
    }

    /**
     * The multi vector's random bytes are not published, but its salt and payload nonce are in the
     * wire and its file key is what the passphrase unwraps; with those, one big write (split at 64
     * KiB by the encoder) and a close must give the reference bytes exactly.
     */
    @Test
    void encoderReproducesTheMultiChunkVectorFromItsRecoveredRandomBytes() throws Exception {
        Vector v = Vector.load("age-rt-v0.2-multi.hex");
        byte[] wire = v.wire();
        String[] lines = new String(wire, 0, 200, StandardCharsets.US_ASCII).split("\n");
        byte[] salt = Base64.getDecoder().decode(lines[1].split(" ")[2]);
        byte[] wrapped = Base64.getDecoder().decode(lines[2]);
        int headerLength = Arrays.stream(lines, 0, 4).mapToInt(l -> l.length() + 1).sum();
        byte[] payloadNonce = Arrays.copyOfRange(wire, headerLength, headerLength + 16);
        byte[] fileKey = new byte[32];
        AgeRt.open(AgeRt.newCipher(), AgeRt.aeadKey(AgeRt.wrapKey(v.get("passphrase"), salt)), new byte[12],
                wrapped, 0, wrapped.length, fileKey);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AgeRtOutputStream encoder = new AgeRtOutputStream(out, v.get("passphrase"),
                new FixedRandom(fileKey, salt, payloadNonce))) {
            encoder.write(multiPlaintext(Integer.parseInt(v.get("plaintext_len"))));
        }
        assertArrayEquals(wire, out.toByteArray());
    }

    @Test
    void truncatedVectorFailsAfterTheIntactChunksInsteadOfEnding() throws IOException {
        Vector v = Vector.load("age-rt-v0.2-truncated.hex");
        assertThat(v.get("expect"), containsString("truncation"));
        ByteArrayOutputStream delivered = new ByteArrayOutputStream();
        try (InputStream in = new AgeRtInputStream(new ByteArrayInputStream(v.wire()), v.get("passphrase"))) {
            byte[] buf = new byte[100];
            AgeRtTruncatedException e = assertThrows(AgeRtTruncatedException.class, () -> {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    delivered.write(buf, 0, n);
                }
            });
            assertThat(e.getMessage(), containsString("without its final chunk"));
            // the failure is sticky: a retry cannot turn into a clean end
            assertThrows(AgeRtTruncatedException.class, in::read);
        }
        assertThat(delivered.toString(StandardCharsets.US_ASCII), is("hello world\n"));
    }

    @Test
    void tamperedVectorFailsAuthentication() {
        Vector v = Vector.load("age-rt-v0.2-tampered.hex");
        assertThat(v.get("expect"), containsString("authentication"));
        AgeRtAuthenticationException e = assertThrows(AgeRtAuthenticationException.class,
                () -> decrypt(v.wire(), v.get("passphrase")));
        assertThat(e.getCause(), is(instanceOf(AEADBadTagException.class)));
    }

    @Test
    void wrongPassphraseVectorFailsInTheHeader() {
        Vector v = Vector.load("age-rt-v0.2-wrong_passphrase.hex");
        assertThat(v.get("expect"), containsString("header"));
        AgeRtHeaderException e = assertThrows(AgeRtPassphraseException.class, () -> decrypt(v.wire(), v.get("passphrase")));
        assertThat(e.getMessage(), containsString("passphrase"));
    }

    static byte[] decrypt(byte[] wire, String passphrase) throws IOException {
        try (InputStream in = new AgeRtInputStream(new ByteArrayInputStream(wire), passphrase)) {
            return in.readAllBytes();
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** byte i = (7 * i + 3) mod 251, the multi vector's plaintext rule. */
    private static byte[] multiPlaintext(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) ((7L * i + 3) % 251);
        }
        return b;
    }
}
