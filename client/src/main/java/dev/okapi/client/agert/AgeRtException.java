package dev.okapi.client.agert;

import java.io.IOException;

/**
 * An age-rt stream could not be decoded. The subclasses say why; catching this one type catches
 * every decoding failure, none of which may ever be mistaken for a clean end of stream.
 */
public class AgeRtException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, for a human
     */
    public AgeRtException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, for a human
     * @param cause   the underlying failure
     */
    public AgeRtException(String message, Throwable cause) {
        super(message, cause);
    }
}
