package dev.okapi.client;

import dev.okapi.protocol.Wire;

/** Turns a relay's refusing status into the exception a caller (and the CLI's exit code) acts on. */
final class Refusals {

    private Refusals() {
    }

    /**
     * @param status the final status, not 200
     * @param detail the relay's explanation (its text body), possibly empty
     * @param what   the request, e.g. "Connect API GET /connect/v0/a?mode=await-reader"
     */
    static ZebraStreamException of(int status, String detail, String what) {
        String because = detail.isEmpty() ? "" : ": " + detail;
        return switch (status) {
            case Wire.UNAUTHORIZED -> new AuthenticationException(status,
                    what + " answered " + status + ", the access token is missing, unknown or expired" + because);
            case Wire.FORBIDDEN -> new AuthenticationException(status,
                    what + " answered " + status + ", the access token is not valid for this path or direction" + because);
            case Wire.WAIT_EXPIRED -> new ConnectTimeoutException(
                    what + " answered " + status + ", no peer arrived within the relay's wait limit" + because);
            case Wire.BUSY -> new RelayStatusException(status,
                    what + " answered " + status + ", the stream path is busy" + because);
            default -> new RelayStatusException(status, what + " answered " + status + because);
        };
    }
}
