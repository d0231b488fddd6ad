package dev.okapi.client.agert;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The encoder's chunking and the decoder's checks beyond the shared vectors. Header checks run
 * before scrypt, so most of these cost nothing; the framing checks need one key derivation each.
 */
class AgeRtStreamTest {

    private static final Vector KNOWN_ANSWER = Vector.load("age-rt-v0.2.txt");
    private static final int KNOWN_ANSWER_HEADER = 129;

    private static String replaceInHeader(String from, String to) {
        String wire = new String(KNOWN_ANSWER.wire(), StandardCharsets.ISO_8859_1);
        if (!wire.contains(from)) {
            throw new IllegalStateException("vector does not contain " + from);
        }
        return wire.replaceFirst(Pattern.quote(from), to);
    }

    private static void decode(String wire, String passphrase) throws IOException {
        try (InputStream in = new AgeRtInputStream(new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1)), passphrase)) {
            in.readAllBytes();
        }
    }

    @Test
    void headerChecksComeBeforeAnyKeyDerivation() {
        assertThat(assertThrows(AgeRtHeaderException.class, () -> decode("hello world\n", "pw")).getMessage(),
                containsString("not an age-rt stream"));
        assertThat(assertThrows(AgeRtHeaderException.class, () -> decode(replaceInHeader(" 18\n", " 17\n"), "secret"))
                .getMessage(), containsString("work factor"));
        assertThat(assertThrows(AgeRtHeaderException.class, () -> decode(replaceInHeader("-> scrypt", "-> X25519"), "secret"))
                .getMessage(), containsString("scrypt"));
        assertThat(assertThrows(AgeRtHeaderException.class, () -> decode(replaceInHeader("AgICAgICAgICAgICAgICAg==", "AgICAg=="), "secret"))
                .getMessage(), containsString("salt"));
        assertThat(assertThrows(AgeRtHeaderException.class, () -> decode(replaceInHeader("---\n", "--- extra\n"), "secret"))
                .getMessage(), containsString("---"));
        assertThat(assertThrows(AgeRtHeaderException.class,
                () -> decode("age-encryption.org/v1\n-> scrypt " + "A".repeat(1100) + "\n", "pw")).getMessage(),
                containsString("1024"));
        assertThrows(AgeRtTruncatedException.class, () -> decode("age-encryption.org/v1\n-> scr", "pw"));
        assertThrows(AgeRtTruncatedException.class, () -> decode("", "pw"));
    }

    @Test
    void flushWithoutDataSendsOnlyTheHeaderAndEmptyWritesMakeNoChunk() throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        FixedRandom random = new FixedRandom(FixedRandom.repeat(1, 32), FixedRandom.repeat(2, 16), FixedRandom.repeat(3, 16));
        AgeRtOutputStream out = new AgeRtOutputStream(wire, "secret", random);
        assertThat(wire.size(), is(0)); // nothing before the first flush or chunk
        out.flush();
        out.write(new byte[0]);
        out.flush();
        assertThat(HexFormat.of().formatHex(wire.toByteArray()),
                is(KNOWN_ANSWER.get("wire_hex").substring(0, 2 * (KNOWN_ANSWER_HEADER + 16))));
        out.finish();
        assertThrows(IOException.class, () -> out.write(1));
        out.close();
    }

    /**
     * A decoder must reject bytes after the final chunk (a spliced stream) and chunk lengths outside
     * the format's range; one key derivation each.
     */
    @Test
    void trailingBytesAfterTheFinalChunkAreRejected() {
        byte[] wire = Arrays.copyOf(KNOWN_ANSWER.wire(), KNOWN_ANSWER.wire().length + 1);
        AgeRtFormatException e = assertThrows(AgeRtFormatException.class,
                () -> decode(new String(wire, StandardCharsets.ISO_8859_1), "secret"));
        assertThat(e.getMessage(), containsString("after its final chunk"));
    }

    @Test
    void chunkLengthBelowTheTagSizeIsRejected() {
        byte[] wire = Arrays.copyOf(KNOWN_ANSWER.wire(), KNOWN_ANSWER_HEADER + 16 + 4 + 15);
        wire[KNOWN_ANSWER_HEADER + 16 + 3] = 15;
        AgeRtFormatException e = assertThrows(AgeRtFormatException.class,
                () -> decode(new String(wire, StandardCharsets.ISO_8859_1), "secret"));
        assertThat(e.getMessage(), containsString("length 15"));
    }
}
