package dev.okapi.client;

import java.io.EOFException;

/**
 * The connection ended before the HTTP body's own end: a chunked body without its terminating
 * chunk, or fewer bytes than {@code Content-Length}. The relay ends a stream this way on purpose
 * when the writer aborted, so it must never read as a clean end of stream.
 */
final class IncompleteBodyException extends EOFException {

    private static final long serialVersionUID = 1L;

    IncompleteBodyException(String message) {
        super(message);
    }
}
