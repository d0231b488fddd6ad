package dev.okapi.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** Large test payloads from a seeded PRNG, produced and hashed block by block, never held whole. */
final class SeededData {

    static final int BLOCK = 64 * 1024;

    private SeededData() {
    }

    /** Writes {@code total} pseudo-random bytes in 64 KiB writes; returns their SHA-256. */
    static String write(OutputStream out, long seed, long total) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        MessageDigest sha = sha256();
        byte[] block = new byte[BLOCK];
        for (long left = total; left > 0; ) {
            int n = (int) Math.min(left, BLOCK);
            fill(random, block, n);
            sha.update(block, 0, n);
            out.write(block, 0, n);
            left -= n;
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Reads to the end; returns the SHA-256 and the count of what was read, and when the first bytes came. */
    static Digest read(InputStream in) throws IOException {
        MessageDigest sha = sha256();
        byte[] buf = new byte[BLOCK];
        long count = 0;
        long first = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            if (first == 0) {
                first = System.nanoTime();
            }
            sha.update(buf, 0, n);
            count += n;
        }
        return new Digest(HexFormat.of().formatHex(sha.digest()), count, first == 0 ? System.nanoTime() : first);
    }

    record Digest(String sha256, long bytes, long firstByteNanos) {
    }

    private static void fill(SplittableRandom random, byte[] block, int n) {
        for (int i = 0; i < n; i += 8) {
            long v = random.nextLong();
            for (int j = 0; j < 8 && i + j < n; j++) {
                block[i + j] = (byte) (v >>> (8 * j));
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
