package dev.okapi.client.cli;

import java.io.IOException;

import dev.okapi.client.ZebraStreamException;

/**
 * The CLI's exit codes (client/README.md, "CLI"). 3, 4 and 5 come from the library's
 * exceptions ({@link ZebraStreamException#exitCode()}); the others are the CLI's own.
 */
final class Exit {

    static final int OK = 0;
    static final int GENERIC = 1;
    static final int USAGE = 2;
    static final int PRODUCER_FAILED = 6;
    static final int CONSUMER_FAILED = 7;

    private Exit() {
    }

    /** The exit code for a failure of the stream (not of a producer or consumer command). */
    static int of(IOException e) {
        return e instanceof ZebraStreamException z ? z.exitCode() : GENERIC;
    }
}
