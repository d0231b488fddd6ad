package dev.okapi.client;

/**
 * The relay aborted the transfer and said why on the control channel, with an {@code [ERROR:…]}
 * line other than the reader's disconnect (e.g. {@code [ERROR:IDLE_TIMEOUT]},
 * {@code [ERROR:RELAY_SHUTDOWN]}, {@code [ERROR:STREAM_TOO_LARGE]}).
 */
public final class TransferAbortedException extends ZebraStreamException {

    private static final long serialVersionUID = 1L;

    private final String controlLine;

    /**
     * @param controlLine the line as received, without its line feed
     * @param message     what it means for the stream
     */
    public TransferAbortedException(String controlLine, String message) {
        super(message);
        this.controlLine = controlLine;
    }

    /** @return the relay's control line, e.g. {@code [ERROR:IDLE_TIMEOUT]} */
    public String controlLine() {
        return controlLine;
    }
}
