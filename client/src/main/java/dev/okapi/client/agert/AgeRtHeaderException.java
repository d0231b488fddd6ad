package dev.okapi.client.agert;

/**
 * The header is not an age-rt v0.2 passphrase header: not age at all, another recipient type, a
 * work factor other than 18, bad base64, or longer than 1024 bytes.
 */
public class AgeRtHeaderException extends AgeRtException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong with the header
     */
    public AgeRtHeaderException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong with the header
     * @param cause   the underlying failure
     */
    public AgeRtHeaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
