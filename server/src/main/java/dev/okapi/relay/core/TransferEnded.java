package dev.okapi.relay.core;

import java.io.IOException;

/**
 * Ends a copy, and says how: thrown by the wrapping streams out of {@link java.io.InputStream#transferTo},
 * so that the outcome follows from which stream failed and why, not from a shared state machine.
 */
final class TransferEnded extends IOException {

    private final Outcome outcome;

    TransferEnded(Outcome outcome, Throwable cause) {
        super(outcome.label(), cause);
        this.outcome = outcome;
    }

    Outcome outcome() {
        return outcome;
    }
}
