package dev.okapi.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.okapi.protocol.Wire;
import dev.okapi.protocol.Wire.ControlLine;

/**
 * Reads the response of a producer's PUT on its own thread while the producer is still uploading:
 * the control channel (protocol-spec/README.md, section 5.3), one {@code [STATE:…]} or {@code [ERROR:…]} line at
 * a time.
 *
 * <p>An error line is recorded as the writer's failure and the connection is closed at once, so a
 * writer blocked in a socket write (backpressure) fails now instead of after the relay's drain,
 * and a writer between writes fails on its next one. The last line is kept: the writer's
 * {@code close()} succeeds only if it is {@code [STATE:TRANSFER_SUCCESSFUL]}.
 */
final class ControlChannel implements Runnable {

    private static final int MAX_LINE = 1024;

    private final HttpConnection connection;
    private final ResponseHead earlyHead;
    private final String path;
    private final String what;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile ZebraStreamException failure;
    private volatile String lastLine;
    private volatile IOException broken;

    /**
     * @param earlyHead the final response head if it already came before the body, else null
     */
    ControlChannel(HttpConnection connection, ResponseHead earlyHead, String path, String what) {
        this.connection = connection;
        this.earlyHead = earlyHead;
        this.path = path;
        this.what = what;
    }

    void start() {
        Thread thread = new Thread(this, "zebrastream-control " + path); // Java 17: no Thread.ofPlatform()
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run() {
        try {
            ResponseHead head = earlyHead != null ? earlyHead : connection.readFinalHead();
            if (head.status() != Wire.OK) {
                fail(Refusals.of(head.status(), connection.readErrorText(head, 2048), what));
                return;
            }
            InputStream body = connection.body(head);
            String line;
            while ((line = nextLine(body)) != null) {
                lastLine = line;
                String text = line.strip();
                Optional<ControlLine> known = ControlLine.parse(text);
                if (known.isPresent() && known.get() == ControlLine.RECEIVER_PREMATURE_DISCONNECT) {
                    fail(new PeerDisconnectedException("the reader of " + path
                            + " disconnected before the end of the stream (relay: " + text + ")"));
                    return;
                }
                if (known.map(ControlLine::isError).orElse(false) || text.startsWith("[ERROR:")) {
                    fail(new TransferAbortedException(text, "the relay aborted the transfer on " + path + ": " + text));
                    return;
                }
                // [STATE:…] lines, known or not, only report progress
            }
        } catch (IOException e) {
            broken = e; // the writer decides what it means: after the success line it means nothing
        } catch (RuntimeException e) {
            broken = new IOException(e);
        } finally {
            done.countDown();
        }
    }

    /** The failure the relay reported (or its refusal), if any. */
    ZebraStreamException failure() {
        return failure;
    }

    /** The last control line received, without its line feed, or null if none came. */
    String lastLine() {
        return lastLine;
    }

    /** Why the channel ended other than cleanly, if it did. */
    IOException broken() {
        return broken;
    }

    /** Waits until the relay ended the channel (or the connection broke). */
    void awaitEnd() throws InterruptedException {
        done.await();
    }

    /** Waits at most {@code bound} for the channel to end; true if it did. */
    boolean awaitEnd(Duration bound) {
        try {
            return done.await(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return done.getCount() == 0;
        }
    }

    private void fail(ZebraStreamException e) {
        failure = e;
        connection.close(); // unblocks a writer stuck in a socket write
    }

    /** One line without its line feed; null at the clean end of the body. */
    private static String nextLine(InputStream body) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        while (true) {
            int c = body.read();
            if (c < 0) {
                if (line.size() == 0) {
                    return null;
                }
                return line.toString(StandardCharsets.UTF_8); // an unterminated last line still counts
            }
            if (c == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            if (line.size() == MAX_LINE) {
                throw new ProtocolViolationException("control line longer than " + MAX_LINE + " bytes");
            }
            line.write(c);
        }
    }
}
