package dev.okapi.relay;

/**
 * A request the relay refuses, with the status and the one-line reason the client gets.
 *
 * <p>Thrown anywhere before a response has started; {@link Main} answers it as {@code text/plain}
 * without a stack trace, because these are the client's mistakes, not the relay's.
 */
final class RelayException extends RuntimeException {

    private final int status;

    RelayException(int status, String reason) {
        super(reason, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }
}
