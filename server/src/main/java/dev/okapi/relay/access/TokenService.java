package dev.okapi.relay.access;

import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.okapi.protocol.Wire;
import dev.okapi.protocol.Wire.Access;

/**
 * Creating, revoking and listing tokens, and reading usage: what the Management API and the
 * operator's command line both do, with the spec's validation ([MGMT-4]) in one place.
 *
 * <p>Idempotent creates ([MGMT-3]): a retry with the same {@code idem_key} must get the same
 * secret, which the relay otherwise never keeps. So for a create with an {@code idem_key}, and only
 * for {@link #IDEM_WINDOW} after it, the store keeps the secret sealed under a key derived from the
 * management key ({@link Secrets#seal}); the store file holds no secret in clear, and whoever could
 * unseal it holds the management key and could create any token anyway. A retry after the window
 * (or after the management key changed) gets {@code 409} instead of a second token, as does an
 * {@code idem_key} reused with other fields.
 */
public final class TokenService {

    /** How long an idempotent create can be retried and still show its secret. */
    public static final Duration IDEM_WINDOW = Duration.ofHours(24);
    private static final Pattern EXPIRES = Pattern.compile("[0-9]{1,12}");
    private static final Pattern MONTH = Pattern.compile("[0-9]{4}-(0[1-9]|1[0-2])");
    /** Printable ASCII without space: what survives a form, a log line and the store's tab-separated file. */
    private static final Pattern IDEM_KEY = Pattern.compile("[\\x21-\\x7e]{" + Wire.IDEM_KEY_LENGTH + "}");
    private static final Pattern TOKEN_ID = Pattern.compile("key_[a-z0-9]{16}");

    private final TokenStore store;
    private final Optional<String> managementKey;
    private final UsageMeter usage;
    private final Clock clock;

    /**
     * @param store         where tokens live
     * @param managementKey seals idempotent creates' secrets; without it, {@code idem_key} is refused
     * @param usage         bytes not yet written to the store, or null for the stored totals only
     * @param clock         for expiry and the idempotency window
     */
    public TokenService(TokenStore store, Optional<String> managementKey, UsageMeter usage, Clock clock) {
        this.store = Objects.requireNonNull(store, "store required");
        this.managementKey = Objects.requireNonNull(managementKey, "managementKey required");
        this.usage = usage;
        this.clock = Objects.requireNonNull(clock, "clock required");
    }

    /** A created token and its secret, which is shown once. */
    public record Created(Token token, String secret) {
        @Override
        public String toString() {
            return "Created[" + token + "]"; // never the secret
        }
    }

    /** A create from the Management API's form fields. */
    public Created create(Map<String, String> form) {
        String path = required(form, Wire.FIELD_PATH);
        Access access = Access.of(required(form, Wire.FIELD_ACCESS_MODE)).orElseThrow(
                () -> invalid(Wire.FIELD_ACCESS_MODE + " must be read or write"));
        boolean recursive = flag(form.getOrDefault(Wire.FIELD_RECURSIVE, "false"));
        String expires = required(form, Wire.FIELD_EXPIRES);
        if (!EXPIRES.matcher(expires).matches()) {
            throw invalid(Wire.FIELD_EXPIRES + " must be a UNIX time in whole seconds");
        }
        Optional<String> idemKey = Optional.ofNullable(form.get(Wire.FIELD_IDEM_KEY));
        return create(path, access, recursive, Long.parseLong(expires), idemKey);
    }

    /** Creates a token, or returns the one an earlier create with the same idem key made. */
    public Created create(String path, Access access, boolean recursive, long expires, Optional<String> idemKey) {
        if (path.length() > Wire.STREAM_PATH_MAX || !Wire.STREAM_PATH.matcher(path).matches()) {
            throw invalid(Wire.FIELD_PATH + " must be a stream path: /segment[/segment...] of a-z 0-9 . _ -,"
                    + " no . or .. segment, at most " + Wire.STREAM_PATH_MAX + " characters");
        }
        long now = clock.instant().getEpochSecond();
        if (expires <= now) {
            throw invalid(Wire.FIELD_EXPIRES + " must be in the future");
        }
        if (idemKey.isPresent()) {
            if (!IDEM_KEY.matcher(idemKey.get()).matches()) {
                throw invalid(Wire.FIELD_IDEM_KEY + " must be " + Wire.IDEM_KEY_LENGTH + " printable ASCII characters");
            }
            if (managementKey.isEmpty()) {
                throw invalid(Wire.FIELD_IDEM_KEY + " needs a configured management key");
            }
        }
        String secret = Secrets.newSecret();
        String id = Secrets.newId();
        Optional<String> sealed = idemKey.map(k -> Secrets.seal(secret, id, managementKey.orElseThrow()));
        Token fresh = new Token(id, Secrets.hex(Secrets.sha256(secret)), path, access, recursive, expires, now, idemKey, sealed);
        Token stored = store.addOrGet(fresh);
        if (stored.id().equals(id)) {
            return new Created(fresh, secret);
        }
        return replay(stored, path, access, recursive, expires, now);
    }

    /** A retry of an idempotent create: the same token and secret, if the request is the same. */
    private Created replay(Token stored, String path, Access access, boolean recursive, long expires, long now) {
        if (!stored.path().equals(path) || stored.access() != access || stored.recursive() != recursive
                || stored.expires() != expires) {
            throw new InvalidRequestException(Wire.CONFLICT, Wire.FIELD_IDEM_KEY + " was used for another request");
        }
        Optional<String> secret = now - stored.created() > IDEM_WINDOW.toSeconds() ? Optional.empty()
                : stored.idemSecret().flatMap(s -> Secrets.open(s, stored.id(), managementKey.orElseThrow()));
        return secret.map(s -> new Created(stored, s)).orElseThrow(() -> new InvalidRequestException(Wire.CONFLICT,
                Wire.FIELD_IDEM_KEY + " was used more than " + IDEM_WINDOW.toHours()
                        + " hours ago or under another management key: its token is not shown again; use a new idem_key"));
    }

    /** Revokes a token: every later request with it gets 401. */
    public void delete(String tokenId) {
        if (tokenId == null || tokenId.isEmpty()) {
            throw invalid("missing " + Wire.FIELD_TOKEN_ID);
        }
        if (!TOKEN_ID.matcher(tokenId).matches() || !store.remove(tokenId)) {
            throw invalid("no token with this " + Wire.FIELD_TOKEN_ID);
        }
    }

    /** The tokens that have not expired. */
    public List<Token> list() {
        return store.live(clock.instant().getEpochSecond());
    }

    /** Bytes relayed in a month given as {@code YYYY-MM}. */
    public long usage(String month) {
        if (month == null || !MONTH.matcher(month).matches()) {
            throw invalid(Wire.FIELD_MONTH + " must be YYYY-MM");
        }
        YearMonth m;
        try {
            m = YearMonth.parse(month);
        } catch (DateTimeParseException e) {
            throw invalid(Wire.FIELD_MONTH + " must be YYYY-MM");
        }
        return usage == null ? store.usage(m) : usage.total(m);
    }

    private static String required(Map<String, String> form, String field) {
        String v = form.get(field);
        if (v == null || v.isEmpty()) {
            throw invalid("missing " + field);
        }
        return v;
    }

    private static boolean flag(String v) {
        return switch (v) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw invalid(Wire.FIELD_RECURSIVE + " must be true, false, 1 or 0");
        };
    }

    private static InvalidRequestException invalid(String detail) {
        return new InvalidRequestException(Wire.UNPROCESSABLE, detail);
    }
}
