package dev.okapi.relay.access;

/**
 * A Management API or command-line request that the relay refuses, with its status ({@code 422}
 * for validation errors, {@code 409} for idempotency conflicts) and a detail that names the field.
 * The detail never contains a secret.
 */
public final class InvalidRequestException extends RuntimeException {

    private final int status;

    public InvalidRequestException(int status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
