package dev.okapi.conformance;

import java.util.Objects;

/** A requirement did not hold: what the spec expects and what the relay did. */
final class Failure extends RuntimeException {

    private final String expected;
    private final String actual;

    Failure(String what, String expected, String actual) {
        super(Objects.requireNonNull(what, "what required"));
        this.expected = Objects.requireNonNull(expected, "expected required");
        this.actual = Objects.requireNonNull(actual, "actual required");
    }

    String expected() {
        return expected;
    }

    String actual() {
        return actual;
    }
}
