package dev.okapi.relay.access;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Token secrets, ids and hashes, and the one place a secret is ever kept: encrypted, for an
 * idempotent create's retry.
 *
 * <p>Secrets look like the field's: 24 characters of {@code A-Za-z0-9} from {@link SecureRandom},
 * about 143 bits. The relay stores only their SHA-256 and finds a token by it; a plain hash is
 * enough because the secrets are random, not passwords. Comparisons of digests use
 * {@link MessageDigest#isEqual}, which takes the same time wherever two digests differ.
 */
public final class Secrets {

    static final int SECRET_LENGTH = 24;
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] IDEM_LABEL = "okapi idem_key secrets v1".getBytes(StandardCharsets.US_ASCII);
    private static final int IV_BYTES = 12;

    private Secrets() {
    }

    /** A new token secret. */
    public static String newSecret() {
        return random(ALNUM, SECRET_LENGTH);
    }

    /** A new token id, {@code key_} and 16 characters of {@code a-z0-9}. */
    public static String newId() {
        return "key_" + random(LOWER_ALNUM, 16);
    }

    private static String random(String alphabet, int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** SHA-256 of a secret's UTF-8 bytes. */
    public static byte[] sha256(String secret) {
        Objects.requireNonNull(secret, "secret required");
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** Whether two strings are equal, in time that does not depend on where they differ. */
    static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(sha256(a), sha256(b));
    }

    /**
     * Encrypts a secret for the idempotent-create window (AES-256-GCM, the token id as associated
     * data, so a ciphertext cannot be moved to another token). The key is derived from the
     * management key: whoever could decrypt it could create any token anyway.
     */
    static String seal(String secret, String tokenId, String managementKey) {
        try {
            byte[] iv = new byte[IV_BYTES];
            RANDOM.nextBytes(iv);
            Cipher c = cipher(Cipher.ENCRYPT_MODE, iv, tokenId, managementKey);
            byte[] ct = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            byte[] out = Arrays.copyOf(iv, IV_BYTES + ct.length);
            System.arraycopy(ct, 0, out, IV_BYTES, ct.length);
            return Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** The secret {@link #seal} sealed, or empty if it was sealed under another management key. */
    static Optional<String> open(String sealed, String tokenId, String managementKey) {
        try {
            byte[] in = Base64.getDecoder().decode(sealed);
            if (in.length <= IV_BYTES) {
                return Optional.empty();
            }
            Cipher c = cipher(Cipher.DECRYPT_MODE, Arrays.copyOf(in, IV_BYTES), tokenId, managementKey);
            return Optional.of(new String(c.doFinal(in, IV_BYTES, in.length - IV_BYTES), StandardCharsets.UTF_8));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Cipher cipher(int mode, byte[] iv, String tokenId, String managementKey) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(managementKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] key = mac.doFinal(IDEM_LABEL);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
        c.updateAAD(tokenId.getBytes(StandardCharsets.US_ASCII));
        return c;
    }
}
