package dev.okapi.relay.access;

/** The relay will not start as configured; the message says why and what to set instead. */
public final class StartupRefusedException extends RuntimeException {

    public StartupRefusedException(String message) {
        super(message, null, false, false);
    }
}
