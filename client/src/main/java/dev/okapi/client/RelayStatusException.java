package dev.okapi.client;

/**
 * The relay refused a request with a status that has no more specific exception, e.g. {@code 409}
 * (the path already has a writer or reader), {@code 400} (bad path) or {@code 503} (relay at its
 * limits).
 */
public final class RelayStatusException extends ZebraStreamException {

    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * @param status  the HTTP status
     * @param message the request and the relay's explanation
     */
    public RelayStatusException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** @return the HTTP status the relay answered */
    public int status() {
        return status;
    }
}
