package dev.okapi.conformance;

/** The strength of a requirement, as the spec's key word says; SHOULD cases run only with --strict. */
enum Level {
    MUST,
    SHOULD,
    MAY
}
