package dev.okapi.client;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** The HTTP/1.1 body framing of the client, byte by byte. */
class HttpFramingTest {

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static InputStream bytes(String ascii) {
        return new ByteArrayInputStream(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void chunkedUploadSplitsAt64KiBAndNeverWritesAnEmptyChunkBeforeTheEnd() throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        ChunkedOutputStream out = new ChunkedOutputStream(wire);
        byte[] data = new byte[ChunkedOutputStream.MAX_CHUNK + 3];
        Arrays.fill(data, (byte) 'x');
        out.write(new byte[0]);
        out.write(data);
        out.write('y');
        out.finish();
        String expected = "10000\r\n" + "x".repeat(65536) + "\r\n" + "3\r\nxxx\r\n" + "1\r\ny\r\n" + "0\r\n\r\n";
        assertThat(ascii(wire.toByteArray()), is(expected));
        assertThrows(IOException.class, () -> out.write(1)); // finished
    }

    @Test
    void failedUploadCanNeverBeFinishedCleanly() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Connection reset");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("Connection reset");
            }
        };
        ChunkedOutputStream out = new ChunkedOutputStream(broken);
        assertThrows(IOException.class, () -> out.write(new byte[10]));
        IOException e = assertThrows(IOException.class, out::finish);
        assertThat(e.getMessage(), containsString("failed"));
    }

    @Test
    void chunkedBodyReadsDataAcrossChunksAndEndsAfterTrailers() throws IOException {
        InputStream in = new ChunkedInputStream(bytes("3\r\nabc\r\n1a ; x=\"y\"\r\n" + "z".repeat(26) + "\r\n0\r\nA: b\r\n\r\nNEXT"));
        assertThat(ascii(in.readAllBytes()), is("abc" + "z".repeat(26)));
        assertThat(in.read(), is(-1));
    }

    @Test
    void chunkedReadReturnsWhatIsThereWithoutWaitingForTheWholeChunk() throws IOException {
        InputStream source = new InputStream() { // delivers "ab" of a 4-byte chunk, then would block
            private final byte[] head = "4\r\nab".getBytes(StandardCharsets.US_ASCII);
            private int i;

            @Override
            public int read() {
                if (i == head.length) {
                    throw new AssertionError("read past the available bytes");
                }
                return head[i++];
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int n = Math.min(len, head.length - i);
                if (n == 0) {
                    throw new AssertionError("read past the available bytes");
                }
                System.arraycopy(head, i, b, off, n);
                i += n;
                return n;
            }
        };
        InputStream in = new ChunkedInputStream(source);
        byte[] buf = new byte[10];
        assertThat(in.read(buf), is(2));
    }

    @Test
    void chunkedBodyCutAnywhereIsIncomplete() {
        for (String cut : new String[] {"", "3\r\nab", "3\r\nabc", "3\r\nabc\r\n", "3\r\nabc\r\n0\r\n", "3\r\nabc\r\n0\r\nA: b\r\n"}) {
            InputStream in = new ChunkedInputStream(bytes(cut));
            assertThrows(IncompleteBodyException.class, in::readAllBytes, () -> "cut after '" + cut + "'");
        }
    }

    @Test
    void malformedChunkSizeIsAProtocolViolation() {
        for (String bad : new String[] {"x\r\n", "-1\r\n", "\r\n", "3\r\nabcX\r\n"}) {
            InputStream in = new ChunkedInputStream(bytes(bad));
            assertThrows(ProtocolViolationException.class, in::readAllBytes, () -> "'" + bad + "'");
        }
    }

    @Test
    void fixedLengthBodyEndsExactlyAtItsLengthAndNotBefore() throws IOException {
        assertThat(ascii(new FixedLengthInputStream(bytes("helloEXTRA"), 5).readAllBytes()), is("hello"));
        IncompleteBodyException e = assertThrows(IncompleteBodyException.class,
                () -> new FixedLengthInputStream(bytes("hel"), 5).readAllBytes());
        assertThat(e.getMessage(), containsString("3 of 5"));
    }

    @Test
    void linesEndAtLfWithOrWithoutCrAndAreBounded() throws IOException {
        InputStream in = bytes("a\r\nb\nccc");
        assertThat(HttpConnection.readLine(in, 10, () -> new IOException("end")), is("a"));
        assertThat(HttpConnection.readLine(in, 10, () -> new IOException("end")), is("b"));
        IOException end = assertThrows(IOException.class, () -> HttpConnection.readLine(in, 10, () -> new IOException("end")));
        assertThat(end.getMessage(), is("end"));
        assertThrows(ProtocolViolationException.class,
                () -> HttpConnection.readLine(bytes("x".repeat(11) + "\n"), 10, () -> new IOException("end")));
    }
}
