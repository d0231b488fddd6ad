package dev.okapi.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One HTTP/1.1 exchange over its own {@link Socket} (or {@link SSLSocket}): the smallest client
 * that lets a producer read the PUT's response while it is still sending the request body.
 *
 * <p>Why not {@code java.net.http.HttpClient}: it returns a response only once the request body
 * is complete, so the producer could not see {@code [ERROR:RECEIVER_PREMATURE_DISCONNECT]} until
 * it stopped writing. Here the request side ({@link #output()}) and the response side
 * ({@link #readHead()}, {@link #body(ResponseHead)}) are plain streams of one socket, usable from
 * two threads at once, which is full duplex.
 *
 * <p>Deliberately small: one request per connection (no pooling, no keep-alive reuse), no
 * redirects, no compression, no proxies. TLS verifies the host name (endpoint identification
 * "HTTPS") against the default or a given {@link SSLContext}.
 */
final class HttpConnection implements Closeable {

    /** Bound on the TCP (and TLS) connection setup. */
    static final Duration TCP_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_LINE = 8192;
    private static final int MAX_FIELDS = 100;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String authority;

    private HttpConnection(Socket socket, String authority) throws IOException {
        this.socket = socket;
        this.authority = authority;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    /**
     * Connects to the origin of {@code url}.
     *
     * @throws ConnectTimeoutException if TCP or TLS setup takes longer than {@link #TCP_CONNECT_TIMEOUT}
     * @throws ZebraStreamException    if the host is unknown or refuses
     */
    static HttpConnection open(URI url, SSLContext sslContext) throws IOException {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        boolean tls = switch (scheme) {
            case "http" -> false;
            case "https" -> true;
            default -> throw new IllegalArgumentException("not an http or https URL: " + url);
        };
        String host = url.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("URL without a host: " + url);
        }
        int defaultPort = tls ? 443 : 80;
        int port = url.getPort() < 0 ? defaultPort : url.getPort();
        String authority = port == defaultPort ? host : host + ":" + port;
        String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        int timeout = (int) TCP_CONNECT_TIMEOUT.toMillis();

        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true); // every flush() must leave at once
            socket.connect(new InetSocketAddress(bareHost, port), timeout);
            if (tls) {
                SSLContext context = sslContext != null ? sslContext : SSLContext.getDefault();
                SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(socket, bareHost, port, true);
                SSLParameters parameters = ssl.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(parameters);
                ssl.setSoTimeout(timeout);
                ssl.startHandshake();
                ssl.setSoTimeout(0);
                socket = ssl;
            }
            return new HttpConnection(socket, authority);
        } catch (SocketTimeoutException e) {
            closeQuietly(socket);
            throw new ConnectTimeoutException("no connection to " + authority + " within "
                    + TCP_CONNECT_TIMEOUT.toSeconds() + " s", e);
        } catch (UnknownHostException e) {
            closeQuietly(socket);
            throw new ZebraStreamException("unknown relay host " + bareHost, e);
        } catch (SSLHandshakeException e) {
            closeQuietly(socket);
            throw TlsTrust.handshakeFailed(authority, e);
        } catch (ConnectException e) {
            closeQuietly(socket);
            throw new ZebraStreamException("cannot connect to the relay at " + authority + ": " + e.getMessage(), e);
        } catch (IOException | NoSuchAlgorithmException | RuntimeException e) {
            closeQuietly(socket);
            throw new ZebraStreamException("cannot connect to the relay at " + authority + ": " + e, e);
        }
    }

    /**
     * Sends the request line and header fields ({@code Host} first, then {@code fields} in order).
     *
     * @param method request method
     * @param url    the request URL; its path and query form the request target
     * @param fields header fields; values must not contain CR or LF
     */
    void sendHead(String method, URI url, Map<String, String> fields) throws IOException {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        String target = url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
        StringBuilder head = new StringBuilder(256)
                .append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(authority).append("\r\n");
        for (Map.Entry<String, String> field : fields.entrySet()) {
            requireFieldText(field.getKey());
            requireFieldText(field.getValue());
            head.append(field.getKey()).append(": ").append(field.getValue()).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** The request body side of the socket (unbuffered; each write is one socket write). */
    OutputStream output() {
        return out;
    }

    /** Bounds every following blocking read; {@link Duration#ZERO} means no bound. */
    void readTimeout(Duration timeout) throws IOException {
        if (timeout.isZero()) {
            socket.setSoTimeout(0);
        } else {
            socket.setSoTimeout((int) Math.min(Math.max(timeout.toMillis(), 1), Integer.MAX_VALUE));
        }
    }

    /**
     * Reads one response head, interim (1xx) or final.
     *
     * @throws java.net.SocketTimeoutException if the read timeout expires first
     * @throws ProtocolViolationException      if it is not an HTTP/1.x response head
     */
    ResponseHead readHead() throws IOException {
        Supplier<IOException> closed = () -> new ZebraStreamException(
                "the relay at " + authority + " closed the connection without an HTTP response");
        String statusLine = readLine(in, MAX_LINE, closed);
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' '
                || !isDigits(statusLine.substring(9, 12)) || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')) {
            throw new ProtocolViolationException("not an HTTP/1.x status line from " + authority + ": '"
                    + abbreviate(statusLine) + "'");
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        String reason = statusLine.length() > 13 ? statusLine.substring(13) : "";
        Map<String, List<String>> fields = new LinkedHashMap<>();
        for (int count = 0; ; count++) {
            String line = readLine(in, MAX_LINE, closed);
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (count == MAX_FIELDS || colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new ProtocolViolationException("malformed or too many header fields from " + authority
                        + " near '" + abbreviate(line) + "'");
            }
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            fields.computeIfAbsent(name, n -> new ArrayList<>()).add(line.substring(colon + 1).strip());
        }
        return new ResponseHead(status, reason, fields);
    }

    /** Reads response heads until the final (non-1xx) one. */
    ResponseHead readFinalHead() throws IOException {
        ResponseHead head = readHead();
        while (head.informational()) {
            head = readHead();
        }
        return head;
    }

    /**
     * The response body of a final head to a non-HEAD request, framed as RFC 9112 section 6.3
     * says: chunked, {@code Content-Length}, or until the connection closes.
     */
    InputStream body(ResponseHead head) throws IOException {
        if (head.status() == 204 || head.status() == 304) {
            return InputStream.nullInputStream();
        }
        List<String> codings = head.headerValues("Transfer-Encoding");
        if (!codings.isEmpty()) {
            String all = String.join(",", codings).toLowerCase(Locale.ROOT);
            String[] parts = all.split(",");
            if (parts[parts.length - 1].strip().equals("chunked")) {
                return new ChunkedInputStream(in);
            }
            return in; // a non-chunked transfer coding: the body runs until the connection closes
        }
        List<String> lengths = head.headerValues("Content-Length");
        if (!lengths.isEmpty()) {
            String first = lengths.get(0);
            if (!isDigits(first) || first.length() > 18 || lengths.stream().anyMatch(v -> !v.equals(first))) {
                throw new ProtocolViolationException("bad Content-Length from " + authority + ": " + lengths);
            }
            return new FixedLengthInputStream(in, Long.parseLong(first));
        }
        return in;
    }

    /** Reads a short error body as text (at most {@code max} bytes, within a few seconds), for messages. */
    String readErrorText(ResponseHead head, int max) {
        try {
            readTimeout(Duration.ofSeconds(5));
            InputStream body = body(head);
            byte[] bytes = body.readNBytes(max);
            return new String(bytes, StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** host[:port] as sent in {@code Host}. */
    String authority() {
        return authority;
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    /**
     * Reads one line ended by LF (a preceding CR is dropped), decoded as ISO-8859-1.
     *
     * @param onEnd the exception for an end of input before the line feed
     * @throws ProtocolViolationException if the line is longer than {@code max}
     */
    static String readLine(InputStream in, int max, Supplier<? extends IOException> onEnd) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw onEnd.get();
            }
            if (c == '\n') {
                break;
            }
            if (line.size() == max) {
                throw new ProtocolViolationException("line longer than " + max + " bytes in an HTTP message");
            }
            line.write(c);
        }
        byte[] bytes = line.toByteArray();
        int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
    }

    private static void requireFieldText(String s) {
        Objects.requireNonNull(s, "header field required");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw new IllegalArgumentException("header field contains CR, LF or NUL");
            }
        }
    }

    private static boolean isDigits(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "…";
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing is all that is left to do
        }
    }
}
