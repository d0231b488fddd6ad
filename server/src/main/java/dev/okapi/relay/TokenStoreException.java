package dev.okapi.relay;

/** The token store cannot be read or written (disk, permissions, a hand-edited file). */
final class TokenStoreException extends RuntimeException {

    TokenStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
