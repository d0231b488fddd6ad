package dev.okapi.client.agert;

import java.security.SecureRandom;

/**
 * Where an encoder takes its random bytes from: the file key, the scrypt salt and the payload
 * nonce, in that order.
 *
 * <p>An interface rather than a {@link SecureRandom} so that tests can hand in the fixed bytes of a
 * known-answer vector and check the encoder byte for byte; production code uses {@link #secure()}.
 */
@FunctionalInterface
public interface RandomBytes {

    /**
     * Fills {@code bytes} completely.
     *
     * @param bytes the array to fill
     */
    void nextBytes(byte[] bytes);

    /**
     * The random source for real use.
     *
     * @return a source backed by a new {@link SecureRandom}
     */
    static RandomBytes secure() {
        SecureRandom random = new SecureRandom();
        return random::nextBytes;
    }
}
