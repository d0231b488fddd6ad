package dev.okapi.conformance;

/** A case that cannot run against this target (e.g. a relay without a Management API key given). */
final class Skipped extends RuntimeException {
    Skipped(String why) {
        super(why);
    }
}
