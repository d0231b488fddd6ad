package dev.okapi.client.agert;

/**
 * A payload chunk failed authentication: the bytes were changed, reordered or spliced after
 * encryption. No byte of such a chunk is ever handed to the caller.
 */
public final class AgeRtAuthenticationException extends AgeRtException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message which chunk failed
     * @param cause   the AEAD failure
     */
    public AgeRtAuthenticationException(String message, Throwable cause) {
        super(message, cause);
    }
}
