package dev.okapi.client;

/**
 * The relay refused the access token ({@code 401}: missing, unknown or expired; {@code 403}: not
 * valid for this path or direction). Retrying with the same token cannot help.
 */
public final class AuthenticationException extends ZebraStreamException {

    /** Exit code of the CLI. */
    public static final int EXIT_CODE = 3;

    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * @param status  the HTTP status, 401 or 403
     * @param message what was refused
     */
    public AuthenticationException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** @return the HTTP status the relay answered, 401 or 403 */
    public int status() {
        return status;
    }

    @Override
    public int exitCode() {
        return EXIT_CODE;
    }
}
