package dev.okapi.relay.access;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.okapi.protocol.Wire;
import dev.okapi.protocol.Wire.Access;

/**
 * An access token as the relay keeps it: never its secret, only the secret's SHA-256.
 *
 * <p>Scope (spec [AUTH-5]): a plain token covers exactly its path, character for character, so a
 * token for {@code /a} does not open {@code /a/} (another stream, [PATH-3]). A recursive token
 * covers its path and every path below it at a segment boundary: {@code /a/b} covers
 * {@code /a/b/c} but never {@code /a/bc}; a recursive {@code /a/} covers {@code /a/} and
 * {@code /a/x}, not {@code /a}. Paths are compared as the validated raw strings, which have one
 * spelling only ([PATH-2]).
 *
 * @param id         public id, {@code key_…}
 * @param hash       hex SHA-256 of the secret
 * @param path       the stream path, or the root of the subtree
 * @param access     read or write
 * @param recursive  whether the subtree below {@code path} is covered
 * @param expires    UNIX seconds from which the token is refused
 * @param created    UNIX seconds of creation
 * @param idemKey    the create request's {@code idem_key}, if it had one
 * @param idemSecret for an idempotent create younger than the re-show window: the secret,
 *                   encrypted under a key derived from the management key (see {@link Secrets})
 */
public record Token(String id, String hash, String path, Access access, boolean recursive, long expires, long created,
             Optional<String> idemKey, Optional<String> idemSecret) {

    private static final Pattern ID = Pattern.compile("key_[a-z0-9]{16}");
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    public Token {
        Objects.requireNonNull(id, "id required");
        Objects.requireNonNull(hash, "hash required");
        Objects.requireNonNull(path, "path required");
        Objects.requireNonNull(access, "access required");
        Objects.requireNonNull(idemKey, "idemKey required");
        Objects.requireNonNull(idemSecret, "idemSecret required");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("malformed token id");
        }
        if (!HASH.matcher(hash).matches()) {
            throw new IllegalArgumentException("malformed token hash");
        }
        if (path.length() > Wire.STREAM_PATH_MAX || !Wire.STREAM_PATH.matcher(path).matches()) {
            throw new IllegalArgumentException("malformed token path");
        }
    }

    /** Whether this token opens {@code streamPath} (a validated raw stream path). */
    public boolean covers(String streamPath) {
        if (streamPath.equals(path)) {
            return true;
        }
        if (!recursive) {
            return false;
        }
        String prefix = path.endsWith("/") ? path : path + "/";
        return streamPath.startsWith(prefix);
    }

    /** Whether the token is refused at {@code epochSecond}. */
    public boolean expiredAt(long epochSecond) {
        return epochSecond >= expires;
    }

    /** The same token without its encrypted secret (the re-show window has passed). */
    Token withoutIdemSecret() {
        return new Token(id, hash, path, access, recursive, expires, created, idemKey, Optional.empty());
    }

    @Override
    public String toString() {
        // Records print every component; the hash is not a secret but has no business in a log.
        return "Token[" + id + " " + access.word() + " " + path + (recursive ? " recursive" : "") + " expires=" + expires + "]";
    }
}
