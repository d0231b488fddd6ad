package dev.okapi.relay.core;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The producer's body as the copy reads it. It carries the policies of the read side: counting
 * (metrics and usage, per MiB rather than per read), the maximum stream size, the holder's pacing,
 * the idle clock, and the relay's own abort, which the copy sees between two reads. Every way a
 * read can fail is turned into a {@link TransferEnded} that names the outcome.
 */
final class ProducerInput extends FilterInputStream {

    private static final int REPORT_EVERY = 1 << 20;

    private final Gate.Pass pass;
    private final long maxBytes;
    private final RelayMetrics metrics;
    private volatile long lastProgress = System.nanoTime();
    private volatile Outcome abort;
    private boolean cleanEnd; // guarded by this
    private long bytes;
    private int unreported;

    ProducerInput(Gate.Pass pass, long maxBytes, RelayMetrics metrics) {
        super(InputStream.nullInputStream());
        this.pass = pass;
        this.maxBytes = maxBytes;
        this.metrics = metrics;
    }

    /** The producer's body, taken only once paired: asking Helidon for it sends the {@code 100 Continue}. */
    void open(InputStream body) {
        in = body;
    }

    InputStream body() {
        return in;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (abort != null) {
            throw new TransferEnded(abort, null);
        }
        int n;
        try {
            n = in.read(b, off, len);
        } catch (IOException | RuntimeException e) {
            // Includes Helidon's unchecked InsufficientDataAvailableException: the upload broke off
            // without its final chunk. Never swallowed: the consumer must see an error.
            throw ended(Outcome.PRODUCER_GONE, e);
        }
        lastProgress = System.nanoTime();
        if (n > 0) {
            if (maxBytes > 0 && bytes + n > maxBytes && abort(Outcome.STREAM_TOO_LARGE)) {
                throw new TransferEnded(Outcome.STREAM_TOO_LARGE, null); // none of these bytes is forwarded
            }
            bytes += n;
            try {
                pass.pace(n);
            } catch (InterruptedException e) {
                throw ended(Outcome.PRODUCER_GONE, e); // only an abort interrupts the copy
            }
            unreported += n;
            if (unreported >= REPORT_EVERY) {
                report();
            }
        }
        return n;
    }

    /** Adds the bytes read since the last report to the metrics: once per MiB, not per read. */
    void report() {
        if (unreported > 0) {
            metrics.relayed(unreported);
            unreported = 0;
        }
    }

    long bytes() {
        return bytes;
    }

    long idleNanos(long now) {
        return now - lastProgress;
    }

    /** Asks the copy to end as {@code why}, before its next read; false if it ends cleanly already or was aborted. */
    synchronized boolean abort(Outcome why) {
        if (cleanEnd || abort != null) {
            return false;
        }
        abort = why;
        return true;
    }

    Outcome aborted() {
        return abort;
    }

    /** The copy has read the producer's clean end; false if an abort came first. */
    synchronized boolean claimCleanEnd() {
        cleanEnd = abort == null;
        return cleanEnd;
    }

    private TransferEnded ended(Outcome outcome, Throwable cause) {
        Outcome why = abort;
        return new TransferEnded(why != null ? why : outcome, cause);
    }
}
