package dev.okapi.client;

/**
 * The relay answered something this client cannot read as the ZebraStream protocol: a malformed
 * HTTP message, a Connect answer that is not a URL, or a control channel whose last line is not
 * {@code [STATE:TRANSFER_SUCCESSFUL]}. In the last case the stream must be treated as not
 * delivered.
 */
public final class ProtocolViolationException extends ZebraStreamException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what was expected and what came
     */
    public ProtocolViolationException(String message) {
        super(message);
    }

    /**
     * @param message what was expected and what came
     * @param cause   the underlying failure
     */
    public ProtocolViolationException(String message, Throwable cause) {
        super(message, cause);
    }
}
