package dev.okapi.client.agert;

/**
 * The header is well formed but the passphrase does not unwrap its file key: a wrong passphrase,
 * or a damaged wrapped key (the two cannot be told apart, by design of the AEAD).
 */
public final class AgeRtPassphraseException extends AgeRtHeaderException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed
     * @param cause   the AEAD failure
     */
    public AgeRtPassphraseException(String message, Throwable cause) {
        super(message, cause);
    }
}
