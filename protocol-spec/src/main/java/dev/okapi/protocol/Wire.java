package dev.okapi.protocol;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The words of the ZebraStream protocol v0 as this project speaks them: API prefixes, query
 * parameters, modes, control lines, headers and status codes.
 *
 * <p>The relay, the Java client and the conformance suite all use this class, so a word changes in
 * one place. The normative text is {@code protocol-spec/README.md}; each constant names the
 * section that defines it. Values fixed by the clients already in the field (see the wire notes)
 * must never change; the others are this project's choices and the spec says why.
 */
public final class Wire {

    /** Protocol version served under the Connect and Management prefixes. */
    public static final String VERSION = "v0";

    /** Connect API prefix: {@code GET /connect/v0{path}?mode=…}. */
    public static final String CONNECT_PREFIX = "/connect/v0";
    /** Data API prefix: {@code PUT|GET /data{path}}. */
    public static final String DATA_PREFIX = "/data";
    /** Management API prefix. */
    public static final String API_PREFIX = "/api/v0";
    /** Health and metrics. */
    public static final String OBSERVE_PREFIX = "/observe";

    /** Query parameter selecting the Connect mode. */
    public static final String PARAM_MODE = "mode";
    /** Query parameter bounding a Connect wait, in whole seconds. */
    public static final String PARAM_TIMEOUT = "timeout";
    /** Query parameter asking Connect for a redirect instead of a body. */
    public static final String PARAM_REDIRECT = "redirect";
    /** Query parameter carrying a token, accepted wherever a bearer token is. */
    public static final String PARAM_ACCESS_TOKEN = "accesstoken";
    /** The {@code Authorization} scheme of access tokens and of the management key (section 7, 8). */
    public static final String BEARER = "Bearer";

    /** Management API endpoints, below {@link #API_PREFIX} (section 8). */
    public static final String MGMT_CREATE = "/accesstoken.create";
    /** Management API: revoke a token ({@code POST}, form field {@code token_id}). */
    public static final String MGMT_DELETE = "/accesstoken.delete";
    /** Management API: list the live tokens ({@code GET}). */
    public static final String MGMT_LIST = "/accesstoken.list";
    /** Management API: bytes relayed in a month ({@code GET ?month=YYYY-MM}). */
    public static final String MGMT_USAGE = "/usage.show";
    /** Management API form fields and JSON members (fixed by the field's Management API). */
    public static final String FIELD_PATH = "path";
    /** Form field: {@code read} or {@code write}. */
    public static final String FIELD_ACCESS_MODE = "access_mode";
    /** Form field: {@code true}/{@code false}/{@code 1}/{@code 0}; a subtree instead of one path. */
    public static final String FIELD_RECURSIVE = "recursive";
    /** Form field: expiry, UNIX seconds. */
    public static final String FIELD_EXPIRES = "expires";
    /** Form field: optional idempotency key of {@link #IDEM_KEY_LENGTH} characters. */
    public static final String FIELD_IDEM_KEY = "idem_key";
    /** JSON member: a token's secret (only in the create answer). */
    public static final String FIELD_TOKEN = "token";
    /** Form field and JSON member: a token's id, {@code key_…}. */
    public static final String FIELD_TOKEN_ID = "token_id";
    /** JSON member of the list answer. */
    public static final String FIELD_TOKENS = "tokens";
    /** Query parameter and JSON member of usage.show: {@code YYYY-MM}. */
    public static final String FIELD_MONTH = "month";
    /** JSON member of usage.show: bytes relayed in the month. */
    public static final String FIELD_VOLUME_BYTES = "volume_bytes";
    /** JSON member of every Management API error answer. */
    public static final String FIELD_DETAIL = "detail";
    /** Length of an {@code idem_key}. */
    public static final int IDEM_KEY_LENGTH = 12;
    /** Content type of Management API answers. */
    public static final String APPLICATION_JSON = "application/json";
    /** Content type of Management API forms. */
    public static final String FORM_URLENCODED = "application/x-www-form-urlencoded";

    /**
     * A stream path (wire notes, Management API): slash-separated segments of lower-case letters,
     * digits, dot, underscore and hyphen, each segment holding at least one character that is not
     * a dot (so {@code .} and {@code ..} can never be segments), optional trailing slash.
     */
    public static final Pattern STREAM_PATH = Pattern.compile("^(/[a-z0-9._-]*[a-z0-9_-][a-z0-9._-]*)+/?$");
    /** Longest stream path in characters. */
    public static final int STREAM_PATH_MAX = 1000;

    /** Status: paired / transfer running (Connect answer, Data responses). */
    public static final int OK = 200;
    /** Status: Connect with {@code redirect=true}: Location is the Data URL. */
    public static final int REDIRECT = 307;
    /** Status: malformed path, mode, timeout or other request error. */
    public static final int BAD_REQUEST = 400;
    /** Status: token missing, unknown or expired. */
    public static final int UNAUTHORIZED = 401;
    /** Status: token valid but not for this path or mode. */
    public static final int FORBIDDEN = 403;
    /** Status: no such API. */
    public static final int NOT_FOUND = 404;
    /** Status: the API exists but not for this method. */
    public static final int METHOD_NOT_ALLOWED = 405;
    /** Status: the path already has a producer (or consumer) waiting or transferring. */
    public static final int BUSY = 409;
    /** Status: a body larger than the configured limit. */
    public static final int TOO_LARGE = 413;
    /**
     * Status: Management API: an {@code idem_key} reused with other fields, or whose token can no
     * longer be shown again (section 8, [MGMT-3]).
     */
    public static final int CONFLICT = 409;
    /** Status: Management API validation failure (JSON detail). */
    public static final int UNPROCESSABLE = 422;
    /** Status: a limit of the relay was hit (too many waiting clients or transfers). */
    public static final int UNAVAILABLE = 503;
    /** Status: a {@code Transfer-Encoding} other than {@code chunked} ([HTTP-13]). */
    public static final int NOT_IMPLEMENTED = 501;
    /**
     * Status: no peer arrived within the wait limit. Not 408: proxies and user agents retry 408
     * on their own, which would resend a producer's body; the peer is what timed out, not the
     * client's request.
     */
    public static final int WAIT_EXPIRED = 504;

    /** Content type of every relay-generated text answer and of the producer's control channel. */
    public static final String TEXT_PLAIN = "text/plain; charset=utf-8";
    /** Content type given to the consumer when the producer named none. */
    public static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    /**
     * Prefix of producer request headers passed on to the consumer unchanged, besides
     * {@code Content-Type}, {@code Content-Length} and {@code Content-Disposition}.
     */
    public static final String META_HEADER_PREFIX = "X-Meta-";

    private Wire() {
    }

    /** The two Connect modes; the producer awaits a reader, the consumer awaits a writer. */
    public enum Mode {
        /** Sent by the producer: return once a consumer is present. */
        AWAIT_READER("await-reader"),
        /** Sent by the consumer: return once a producer is present. */
        AWAIT_WRITER("await-writer");

        private final String word;

        Mode(String word) {
            this.word = word;
        }

        /** The query value. */
        public String word() {
            return word;
        }

        /** The mode for a query value, if it is one. */
        public static Optional<Mode> of(String word) {
            for (Mode m : values()) {
                if (m.word.equals(word)) {
                    return Optional.of(m);
                }
            }
            return Optional.empty();
        }
    }

    /** What an access token grants (section 7): never both. */
    public enum Access {
        /** Consumer requests: {@code GET /data…}, {@code mode=await-writer}. */
        READ("read"),
        /** Producer requests: {@code PUT /data…}, {@code mode=await-reader}. */
        WRITE("write");

        private final String word;

        Access(String word) {
            this.word = word;
        }

        /** The {@code access_mode} value. */
        public String word() {
            return word;
        }

        /** The access for an {@code access_mode} value, if it is one. */
        public static Optional<Access> of(String word) {
            for (Access a : values()) {
                if (a.word.equals(word)) {
                    return Optional.of(a);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Lines of the producer's control channel (the PUT response body), one per line, each ending
     * in {@code \n}. Grammar: {@code "[" ("STATE" / "ERROR") ":" 1*(A-Z / "_") "]" LF}.
     */
    public enum ControlLine {
        /** First line, once paired: the consumer is connected and the body is being read. */
        CONNECTED("STATE", "CONNECTED"),
        /** Last line after a complete transfer (fixed by the field clients). */
        TRANSFER_SUCCESSFUL("STATE", "TRANSFER_SUCCESSFUL"),
        /** The consumer went away before the end (fixed by the field clients). */
        RECEIVER_PREMATURE_DISCONNECT("ERROR", "RECEIVER_PREMATURE_DISCONNECT"),
        /** No byte moved in either direction for the idle limit; both sides are aborted. */
        IDLE_TIMEOUT("ERROR", "IDLE_TIMEOUT"),
        /** The relay is shutting down and aborted the transfer. */
        RELAY_SHUTDOWN("ERROR", "RELAY_SHUTDOWN"),
        /** The stream exceeded the relay's maximum stream size; the consumer sees an abort. */
        STREAM_TOO_LARGE("ERROR", "STREAM_TOO_LARGE");

        private final String kind;
        private final String word;

        ControlLine(String kind, String word) {
            this.kind = kind;
            this.word = word;
        }

        /** Whether this line reports a failure. */
        public boolean isError() {
            return "ERROR".equals(kind);
        }

        /** The line as sent, without its line feed, e.g. {@code [STATE:CONNECTED]}. */
        public String text() {
            return "[" + kind + ":" + word + "]";
        }

        /** The line as sent, with its line feed. */
        public String line() {
            return text() + "\n";
        }

        /** The known line for a received text (line feed and surrounding blanks ignored). */
        public static Optional<ControlLine> parse(String received) {
            String t = received.strip();
            for (ControlLine c : values()) {
                if (c.text().equals(t)) {
                    return Optional.of(c);
                }
            }
            return Optional.empty();
        }
    }
}
