package dev.okapi.conformance;

/** What a case needs from the command line; without it the case is reported as skipped. */
enum Need {
    /** {@code --wait-limit}: the relay's wait limit W, for the cases that wait it out. */
    WAIT_LIMIT("--wait-limit S (the relay's wait limit)"),
    /** {@code --write-token} and {@code --read-token}: the relay runs in token mode. */
    TOKENS("--write-token and --read-token (a relay in token mode)"),
    /** No tokens given: the relay is taken to run in open mode. */
    OPEN("a relay in open mode (no tokens given)"),
    /** {@code --management-key}. */
    MGMT("--management-key"),
    /** Always given ({@code --long-transfer}, default 20 s): the case streams that long, on top of --case-timeout. */
    LONG_TRANSFER("--long-transfer S (how long the case streams)");

    private final String hint;

    Need(String hint) {
        this.hint = hint;
    }

    String hint() {
        return hint;
    }
}
