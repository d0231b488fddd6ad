package dev.okapi.client.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;

import dev.okapi.client.ZebraStream;
import dev.okapi.client.agert.AgeRtInputStream;

/**
 * Keeps {@code zebrastream read} without a passphrase from writing an encrypted stream's
 * ciphertext to its output and exiting 0 as if that were the data: a stream that starts with the
 * age-rt header line fails with a clear message instead.
 *
 * <p>Only bytes that could still be the start of that line are held back, so a plain stream's
 * first line ("hi\n") still arrives at once: the first byte that differs releases everything.
 */
final class PlaintextCheck {

    private static final byte[] HEADER = (AgeRtInputStream.VERSION_LINE + "\n").getBytes(StandardCharsets.US_ASCII);

    private PlaintextCheck() {
    }

    /**
     * @param in   the stream as received
     * @param path its stream path, for the message
     * @return the same bytes, none lost
     * @throws EncryptedStreamException if the stream starts with the age-rt header line
     */
    static InputStream requirePlain(InputStream in, String path) throws IOException {
        byte[] held = new byte[HEADER.length];
        int n = 0;
        boolean differs = false;
        while (n < HEADER.length && !differs) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            held[n] = (byte) c;
            differs = c != HEADER[n];
            n++;
        }
        if (n == HEADER.length && !differs) {
            throw new EncryptedStreamException("the stream " + path + " is end-to-end encrypted (age-rt): give its "
                    + "passphrase with -p or " + ZebraStream.ENV_PASSPHRASE);
        }
        return new SequenceInputStream(new ByteArrayInputStream(held, 0, n), in);
    }

    /** An encrypted stream read without a passphrase. */
    static final class EncryptedStreamException extends IOException {
        private static final long serialVersionUID = 1L;

        EncryptedStreamException(String message) {
            super(message);
        }
    }
}
