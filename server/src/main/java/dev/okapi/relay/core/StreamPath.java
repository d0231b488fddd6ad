package dev.okapi.relay.core;

import java.util.Objects;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.RelayException;

/**
 * A validated stream path such as {@code /supplier/inventory}: the key on which a producer and a
 * consumer meet.
 *
 * <p>Validation works on the raw request path, before any decoding, so that {@code %2F},
 * {@code %2e%2e} and similar spellings can never name another stream than the one written.
 */
public record StreamPath(String value) {

    public StreamPath {
        Objects.requireNonNull(value, "value required");
        if (value.length() > Wire.STREAM_PATH_MAX) {
            throw new RelayException(Wire.BAD_REQUEST, "stream path longer than " + Wire.STREAM_PATH_MAX + " characters");
        }
        if (!Wire.STREAM_PATH.matcher(value).matches()) {
            throw new RelayException(Wire.BAD_REQUEST,
                    "malformed stream path: use /segment[/segment...] with a-z 0-9 . _ - and no . or .. segments");
        }
    }

    /** The stream path below an API prefix of a raw request path, e.g. {@code /data/a/b} → {@code /a/b}. */
    static StreamPath below(String prefix, String rawPath) {
        if (!rawPath.startsWith(prefix) || rawPath.length() == prefix.length()) {
            throw new RelayException(Wire.BAD_REQUEST, "missing stream path after " + prefix);
        }
        return new StreamPath(rawPath.substring(prefix.length()));
    }

    @Override
    public String toString() {
        return value;
    }
}
