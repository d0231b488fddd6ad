package dev.okapi.client;

/**
 * No peer arrived in time: the relay's wait limit expired ({@code 504} from the Connect or Data
 * API), the client's own connect timeout fired, or the relay could not even be reached by TCP
 * within its bound.
 */
public final class ConnectTimeoutException extends ZebraStreamException {

    /** Exit code of the CLI. */
    public static final int EXIT_CODE = 4;

    private static final long serialVersionUID = 1L;

    /**
     * @param message what timed out
     */
    public ConnectTimeoutException(String message) {
        super(message);
    }

    /**
     * @param message what timed out
     * @param cause   the underlying timeout
     */
    public ConnectTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return EXIT_CODE;
    }
}
