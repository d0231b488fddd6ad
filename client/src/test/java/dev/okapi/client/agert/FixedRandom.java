package dev.okapi.client.agert;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/** Hands out given byte strings in order and checks that each request has the expected size. */
final class FixedRandom implements RandomBytes {

    private final Deque<byte[]> values;

    FixedRandom(byte[]... values) {
        this.values = new ArrayDeque<>(List.of(values));
    }

    static byte[] repeat(int value, int count) {
        byte[] b = new byte[count];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Override
    public void nextBytes(byte[] bytes) {
        byte[] next = values.pollFirst();
        if (next == null || next.length != bytes.length) {
            throw new AssertionError("encoder asked for " + bytes.length + " random bytes, the vector has "
                    + (next == null ? "none left" : next.length));
        }
        System.arraycopy(next, 0, bytes, 0, bytes.length);
    }

    boolean usedUp() {
        return values.isEmpty();
    }
}
