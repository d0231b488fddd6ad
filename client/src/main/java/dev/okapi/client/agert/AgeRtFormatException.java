package dev.okapi.client.agert;

/**
 * The payload framing is broken: a chunk length outside 16 … 16 MiB, or bytes after the final
 * chunk.
 */
public final class AgeRtFormatException extends AgeRtException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong with the framing
     */
    public AgeRtFormatException(String message) {
        super(message);
    }
}
