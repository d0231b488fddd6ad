package dev.okapi.client;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import javax.net.ssl.SSLContext;

import dev.okapi.protocol.Wire;

/**
 * One stream path on a relay, and the settings to open its writer or its reader: the entry point
 * of the library.
 *
 * <pre>{@code
 * ZebraStream stream = ZebraStream.builder("https://relay.example.org/connect/v0", "/hospital/exports")
 *         .accessToken(System.getenv("ZEBRASTREAM_ACCESS_TOKEN"))
 *         .passphrase(System.getenv("ZEBRASTREAM_PASSPHRASE")) // optional: age-rt end-to-end encryption
 *         .build();
 * try (StreamWriter out = stream.openWriter()) {   // close() = clean end, confirmed by the relay
 *     out.write(bytes);
 * }
 * }</pre>
 *
 * <p>Both sides first call the Connect API (the waiting room) and then the Data API, as the field
 * clients do, so either side may start first. A {@code ZebraStream} is immutable and may open any
 * number of streams one after the other; it never holds a connection itself. Its
 * {@link #toString()} never shows the token or the passphrase.
 */
public final class ZebraStream {

    /** Environment variable of the access token (read by the CLI and the log handler, not by this class). */
    public static final String ENV_ACCESS_TOKEN = "ZEBRASTREAM_ACCESS_TOKEN";
    /** Environment variable of the age-rt passphrase (CLI). */
    public static final String ENV_PASSPHRASE = "ZEBRASTREAM_PASSPHRASE";
    /** Environment variable of the Connect API base URL (CLI and log handler). */
    public static final String ENV_CONNECT_URL = "ZEBRASTREAM_CONNECT_URL";
    /** Environment variable of a PEM file of trusted relay certificates (CLI and log handler). */
    public static final String ENV_CA_CERT = "ZEBRASTREAM_CA_CERT";
    /** The Connect URL when none is given: where {@code ./run.sh} starts the relay. */
    public static final String DEFAULT_CONNECT_URL = "http://127.0.0.1:8080" + Wire.CONNECT_PREFIX;

    /** Sent as {@code User-Agent}. */
    static final String USER_AGENT = "okapi-zebrastream/0.1";

    private final String connectUrl;
    private final String path;
    private final String accessToken;
    private final String passphrase;
    private final String contentType;
    private final Duration connectTimeout;
    private final SSLContext sslContext;

    private ZebraStream(Builder b) {
        this.connectUrl = b.connectUrl;
        this.path = b.path;
        this.accessToken = b.accessToken;
        this.passphrase = b.passphrase;
        this.contentType = b.contentType;
        this.connectTimeout = b.connectTimeout;
        this.sslContext = b.sslContext;
    }

    /**
     * Starts the settings of a stream.
     *
     * @param connectUrl the relay's Connect API base, e.g. {@code http://127.0.0.1:8080/connect/v0}
     * @param path       the stream path, e.g. {@code /hospital/exports} (lower case, see {@link Wire#STREAM_PATH})
     * @return a builder
     * @throws IllegalArgumentException if the URL is not an absolute http(s) URL without query, or
     *                                  the path is not a stream path
     */
    public static Builder builder(String connectUrl, String path) {
        return new Builder(connectUrl, path);
    }

    /**
     * Waits for a reader, then opens the upload. Returns once the relay has paired this writer with
     * its reader ({@code 100 Continue}).
     *
     * @return the writer; {@link StreamWriter#close()} ends the stream cleanly
     * @throws AuthenticationException  if the token is refused
     * @throws ConnectTimeoutException  if no reader arrives within the connect timeout (or the relay's limit)
     * @throws ZebraStreamException     for any other refusal or failure
     * @throws IOException              if the connection fails
     */
    public StreamWriter openWriter() throws IOException {
        return StreamWriter.open(this);
    }

    /**
     * Waits for a writer, then opens the download. Returns once the writer's first bytes (or its
     * end) have reached the relay: the relay starts the reader's response with them.
     *
     * @return the reader; it reports {@code -1} only after the writer's clean end
     * @throws AuthenticationException  if the token is refused
     * @throws ConnectTimeoutException  if no writer arrives within the connect timeout (or the relay's limit)
     * @throws ZebraStreamException     for any other refusal or failure
     * @throws IOException              if the connection fails
     */
    public StreamReader openReader() throws IOException {
        return StreamReader.open(this);
    }

    /** @return the Connect API base, without a trailing slash */
    public String connectUrl() {
        return connectUrl;
    }

    /** @return the stream path */
    public String path() {
        return path;
    }

    /** @return whether a passphrase is set, i.e. the stream is end-to-end encrypted */
    public boolean encrypted() {
        return passphrase != null;
    }

    /** @return the connect timeout, whole seconds, if set */
    public Optional<Duration> connectTimeout() {
        return Optional.ofNullable(connectTimeout);
    }

    Optional<String> passphrase() {
        return Optional.ofNullable(passphrase);
    }

    Optional<String> contentType() {
        return Optional.ofNullable(contentType);
    }

    Optional<SSLContext> sslContext() {
        return Optional.ofNullable(sslContext);
    }

    /** Header fields every request of this stream carries (besides Host). */
    Map<String, String> requestFields() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("User-Agent", USER_AGENT);
        if (accessToken != null) {
            fields.put("Authorization", "Bearer " + accessToken);
        }
        return fields;
    }

    @Override
    public String toString() {
        return "ZebraStream[" + connectUrl + " " + path + (accessToken != null ? ", token" : "")
                + (passphrase != null ? ", encrypted" : "") + "]";
    }

    /** Settings of a {@link ZebraStream}; only the Connect URL and the path are required. */
    public static final class Builder {

        private final String connectUrl;
        private final String path;
        private String accessToken;
        private String passphrase;
        private String contentType;
        private Duration connectTimeout;
        private SSLContext sslContext;

        private Builder(String connectUrl, String path) {
            this.connectUrl = checkConnectUrl(Objects.requireNonNull(connectUrl, "connectUrl required"));
            this.path = checkPath(Objects.requireNonNull(path, "path required"));
        }

        /**
         * The access token, sent as {@code Authorization: Bearer …} to the Connect and Data APIs
         * (a token covers one direction: a write token for writers, a read token for readers).
         *
         * @param token the token, or null for a relay that needs none
         * @return this builder
         */
        public Builder accessToken(String token) {
            if (token != null && (token.isEmpty() || !token.chars().allMatch(c -> c > ' ' && c < 0x7f))) {
                throw new IllegalArgumentException("access token must be non-empty printable ASCII without spaces");
            }
            this.accessToken = token;
            return this;
        }

        /**
         * Encrypts (writer) or decrypts (reader) the stream end to end with age-rt v0.2; both
         * sides must use the same passphrase. The relay only ever sees ciphertext.
         *
         * @param passphrase the shared secret, or null for a plain stream
         * @return this builder
         */
        public Builder passphrase(String passphrase) {
            if (passphrase != null && passphrase.isEmpty()) {
                throw new IllegalArgumentException("passphrase must not be empty");
            }
            this.passphrase = passphrase;
            return this;
        }

        /**
         * The writer's {@code Content-Type}, which the relay passes to the reader. Ignored by readers.
         *
         * @param contentType e.g. {@code text/csv}, or null for none
         * @return this builder
         */
        public Builder contentType(String contentType) {
            if (contentType != null && (contentType.isBlank() || !contentType.chars().allMatch(c -> c >= ' ' && c < 0x7f))) {
                throw new IllegalArgumentException("content type must be printable ASCII");
            }
            this.contentType = contentType;
            return this;
        }

        /**
         * How long to wait for the peer on the Connect API (rounded up to whole seconds, at least
         * one). Unset: wait as long as the relay allows.
         *
         * @param timeout the wait limit, or null for none
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            if (timeout != null) {
                if (timeout.isNegative() || timeout.isZero()) {
                    throw new IllegalArgumentException("connect timeout must be positive");
                }
                long seconds = timeout.toSeconds() + (timeout.getNano() > 0 ? 1 : 0);
                timeout = Duration.ofSeconds(seconds);
            }
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * The TLS context for an {@code https} relay, e.g. one that trusts a private CA. Unset: the
         * JDK's default trust store. The host name is always verified.
         *
         * @param sslContext the context, or null for the default
         * @return this builder
         */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        /**
         * Trusts exactly the certificates of a PEM file for an {@code https} relay: a self-signed
         * relay's certificate or the private CA that issued it (the CLI's {@code --cacert}).
         * Replaces any {@link #sslContext(SSLContext)}. The host name is always verified.
         *
         * @param pemFile one or more {@code -----BEGIN CERTIFICATE-----} blocks
         * @return this builder
         * @throws IllegalArgumentException if the file cannot be read or holds no certificate
         */
        public Builder caCertificates(Path pemFile) {
            this.sslContext = TlsTrust.load(pemFile);
            return this;
        }

        /** @return the immutable stream settings */
        public ZebraStream build() {
            return new ZebraStream(this);
        }

        private static String checkConnectUrl(String url) {
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("connect URL is not a URL: " + url, e);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                    || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                throw new IllegalArgumentException("connect URL must be an absolute http(s) URL without query, e.g. "
                        + "http://127.0.0.1:8080" + Wire.CONNECT_PREFIX + ", not " + url);
            }
            return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        }

        private static String checkPath(String path) {
            if (path.length() > Wire.STREAM_PATH_MAX || !Wire.STREAM_PATH.matcher(path).matches()) {
                throw new IllegalArgumentException("not a stream path: '" + path + "' (slash-separated segments of "
                        + "a-z 0-9 . _ -, e.g. /team/feed; at most " + Wire.STREAM_PATH_MAX + " characters)");
            }
            return path;
        }
    }
}
