package dev.okapi.client;

/**
 * The other side went away before the clean end of the stream: for a writer, the reader left
 * (the relay's {@code [ERROR:RECEIVER_PREMATURE_DISCONNECT]}); for a reader, the stream broke off
 * without its clean end (the writer aborted, or the connection was lost), so what was read is
 * incomplete.
 */
public final class PeerDisconnectedException extends ZebraStreamException {

    /** Exit code of the CLI. */
    public static final int EXIT_CODE = 5;

    private static final long serialVersionUID = 1L;

    /**
     * @param message who left and when
     */
    public PeerDisconnectedException(String message) {
        super(message);
    }

    /**
     * @param message who left and when
     * @param cause   the underlying failure
     */
    public PeerDisconnectedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return EXIT_CODE;
    }
}
