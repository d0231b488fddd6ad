package dev.okapi.client;

import java.io.IOException;

/**
 * A stream could not be opened, written or read. Every failure of this library is one of these
 * (or an {@link dev.okapi.client.agert.AgeRtException} for decryption), so it fits wherever an
 * {@link IOException} is expected; the subclasses name the cases a caller may want to act on,
 * and {@link #exitCode()} is what the {@code zebrastream} CLI exits with for each.
 */
public class ZebraStreamException extends IOException {

    /** Exit code of the CLI for a failure without a more specific code. */
    public static final int EXIT_CODE = 1;

    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, for a human
     */
    public ZebraStreamException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, for a human
     * @param cause   the underlying failure
     */
    public ZebraStreamException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The CLI's exit code for this failure (client/README.md, "CLI").
     *
     * @return 1 here; the subclasses return their own
     */
    public int exitCode() {
        return EXIT_CODE;
    }
}
