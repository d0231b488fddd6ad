package dev.okapi.conformance;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one case did.
 *
 * @param kase            the case
 * @param outcome         what happened
 * @param message         why it failed, was skipped or does not apply; null on a pass
 * @param expected        on a failure, what the spec expects (may be null for unexpected errors)
 * @param actual          on a failure, what the relay did
 * @param millis          wall time
 * @param info            measurements shown whatever the outcome (buffering, time to 504, …)
 * @param expectedFailure the reason this relay is known to fail the case (--expected-failures), if listed
 * @param failedSpec      the requirement a failure broke, when not the case's own (e.g. CONN-12 found by a CONN-2 case)
 */
record Result(Case kase, Outcome outcome, String message, String expected, String actual, long millis, List<String> info,
              Optional<String> expectedFailure, Optional<String> failedSpec) {

    enum Outcome {
        PASS,
        FAIL,
        /** Not run for want of an option or because of --skip: a gap in what was verified. */
        SKIP,
        /** Not applicable to this relay (a token case against an open relay, a relay without Management API). */
        NA
    }

    Result {
        Objects.requireNonNull(kase, "kase required");
        Objects.requireNonNull(outcome, "outcome required");
        info = List.copyOf(info);
        Objects.requireNonNull(expectedFailure, "expectedFailure required");
        Objects.requireNonNull(failedSpec, "failedSpec required");
    }

    /** The requirement this result is about: the one a failure broke, else the case's. */
    String spec() {
        return failedSpec.orElse(kase.spec());
    }

    static Result of(Case kase, Outcome outcome, String message, long millis) {
        return new Result(kase, outcome, message, null, null, millis, List.of(), Optional.empty(), Optional.empty());
    }

    /** A failure the run tolerates: listed as expected, and failed. */
    boolean expectedFail() {
        return outcome == Outcome.FAIL && expectedFailure.isPresent();
    }

    /** A failure that fails the run: unlisted, or a listed case that passed (the list is out of date). */
    boolean failsRun() {
        return outcome == Outcome.FAIL && expectedFailure.isEmpty() || outcome == Outcome.PASS && expectedFailure.isPresent();
    }

    Result withExpectedFailure(Optional<String> reason) {
        return new Result(kase, outcome, message, expected, actual, millis, info, reason, failedSpec);
    }
}
