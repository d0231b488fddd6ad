package dev.okapi.relay.access;

/** The token store cannot be read or written (disk, permissions, a hand-edited file). */
public final class TokenStoreException extends RuntimeException {

    TokenStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
