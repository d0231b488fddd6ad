package dev.okapi.conformance;

import java.util.Objects;

/**
 * What one case did.
 *
 * @param kase     the case
 * @param outcome  pass, fail or skip
 * @param message  why it failed or was skipped; null on a pass
 * @param expected on a failure, what the spec expects (may be null for unexpected errors)
 * @param actual   on a failure, what the relay did
 * @param millis   wall time
 */
record Result(Case kase, Outcome outcome, String message, String expected, String actual, long millis) {

    enum Outcome { PASS, FAIL, SKIP }

    Result {
        Objects.requireNonNull(kase, "kase required");
        Objects.requireNonNull(outcome, "outcome required");
    }
}
