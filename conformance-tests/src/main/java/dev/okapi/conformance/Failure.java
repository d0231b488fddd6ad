package dev.okapi.conformance;

import java.util.Objects;
import java.util.Optional;

/** A requirement did not hold: what the spec expects and what the relay did. */
final class Failure extends RuntimeException {

    private final String expected;
    private final String actual;
    private final String spec;

    Failure(String what, String expected, String actual) {
        this(null, what, expected, actual);
    }

    /**
     * A failure of a requirement other than the one the case cites (a Connect case that finds a
     * wrong Data URL origin fails [CONN-12]); null: the case's own.
     */
    Failure(String spec, String what, String expected, String actual) {
        super(Objects.requireNonNull(what, "what required"));
        this.spec = spec;
        this.expected = Objects.requireNonNull(expected, "expected required");
        this.actual = Objects.requireNonNull(actual, "actual required");
    }

    /** The requirement that failed, if not the case's own. */
    Optional<String> spec() {
        return Optional.ofNullable(spec);
    }

    String expected() {
        return expected;
    }

    String actual() {
        return actual;
    }
}
