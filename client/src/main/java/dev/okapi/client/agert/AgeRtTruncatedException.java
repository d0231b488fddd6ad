package dev.okapi.client.agert;

/**
 * The stream ended before its final chunk (the one encrypted with the last-chunk flag): the writer
 * was cut off, so what was read so far must not be taken for the whole.
 */
public final class AgeRtTruncatedException extends AgeRtException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message where the stream ended
     */
    public AgeRtTruncatedException(String message) {
        super(message);
    }
}
