package dev.okapi.relay;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;


/**
 * An HTTP/1.1 connection driven byte by byte, for the tests where the wire itself is the subject:
 * what is sent before pairing, chunk framing, aborts without the final chunk.
 */
final class RawHttp implements AutoCloseable {

    final Socket socket;
    final InputStream in;
    final OutputStream out;

    RawHttp(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(20_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Sends a request head; each header is a "Name: value" string. */
    RawHttp head(String method, String target, String... headers) throws IOException {
        StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        out.write(sb.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return this;
    }

    /** Sends one chunk of a chunked body. */
    void chunk(byte[] data, int len) throws IOException {
        out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(data, 0, len);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    void chunk(String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        chunk(b, b.length);
    }

    /** Sends the terminating chunk: the clean end of the upload. */
    void lastChunk() throws IOException {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads a CRLF-terminated line (without the CRLF). */
    String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new EOFException("connection closed inside a line: " + b);
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    /** Reads a status line and headers; informational (1xx) responses are returned too. */
    Response response() throws IOException {
        String status = line();
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(); !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        return new Response(Integer.parseInt(status.split(" ")[1]), headers);
    }

    /** Reads one line of a producer's control channel (a decoded body), across chunk boundaries. */
    static String controlLine(InputStream body) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = body.read()) != '\n'; ) {
            if (c < 0) {
                throw new EOFException("control channel ended inside a line: " + sb);
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** The body of a chunked response as a stream: -1 only at the terminating chunk. */
    InputStream chunkedBody() {
        return new ChunkedInput();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /**
     * A chunked producer and a consumer paired on a path, the producer past its response head and
     * {@code [STATE:CONNECTED]}: where most wire tests start.
     */
    record Pair(RawHttp producer, RawHttp consumer, InputStream control) implements AutoCloseable {
        static Pair open(int port, String path) throws IOException {
            RawHttp producer = new RawHttp(port);
            RawHttp consumer = new RawHttp(port);
            producer.head("PUT", "/data" + path, "Transfer-Encoding: chunked");
            consumer.head("GET", "/data" + path);
            int status = producer.response().status();
            if (status != 200) {
                throw new AssertionError("producer answered " + status + ", expected 200");
            }
            InputStream control = producer.chunkedBody();
            String first = controlLine(control);
            if (!first.equals("[STATE:CONNECTED]")) {
                throw new AssertionError("first control line " + first + ", expected [STATE:CONNECTED]");
            }
            return new Pair(producer, consumer, control);
        }

        @Override
        public void close() throws IOException {
            try (consumer) {
                producer.close();
            }
        }
    }

    record Response(int status, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Decodes chunk framing; a connection that closes before the terminating chunk is an EOFException. */
    private final class ChunkedInput extends InputStream {
        private int left;
        private boolean done;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (len == 0) {
                return 0; // InputStream's contract; readNBytes asks for 0 once it has enough
            }
            if (left == 0) {
                String size = line();
                left = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (left == 0) {
                    for (String t = line(); !t.isEmpty(); t = line()) {
                        // trailers: none expected, skipped
                    }
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, Math.min(len, left));
            if (n < 0) {
                throw new EOFException("connection closed before the terminating chunk");
            }
            left -= n;
            if (left == 0 && !line().isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
            return n;
        }
    }
}
