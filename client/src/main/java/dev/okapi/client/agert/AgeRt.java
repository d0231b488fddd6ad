package dev.okapi.client.agert;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.generators.SCrypt;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The constants and primitives of age-rt v0.2 (protocol-spec/README.md, Appendix B), shared by
 * the encoder and the decoder so that both sides derive keys and nonces from one definition.
 *
 * <p>scrypt and HKDF-SHA256 come from BouncyCastle (the JDK has no scrypt, and its own HKDF,
 * {@code javax.crypto.KDF}, is newer than the Java 17 this library targets); ChaCha20-Poly1305
 * from the JDK.
 */
final class AgeRt {

    /** First header line. */
    static final String VERSION_LINE = "age-encryption.org/v1";
    /** Stanza prefix of the only recipient type age-rt uses. */
    static final String SCRYPT_STANZA = "-> scrypt";
    /** Last header line. */
    static final String END_LINE = "---";
    /** The only scrypt work factor accepted: N = 2^18. */
    static final int WORK_FACTOR = 18;
    static final int SCRYPT_R = 8;
    static final int SCRYPT_P = 1;
    static final int FILE_KEY_BYTES = 32;
    static final int SALT_BYTES = 16;
    static final int PAYLOAD_NONCE_BYTES = 16;
    static final int TAG_BYTES = 16;
    static final int WRAPPED_KEY_BYTES = FILE_KEY_BYTES + TAG_BYTES;
    /** Longest header a decoder reads before giving up. */
    static final int MAX_HEADER_BYTES = 1024;
    /** Largest plaintext chunk the encoder emits (one per flush, or per full buffer). */
    static final int MAX_PLAINTEXT_CHUNK = 64 * 1024;
    /** Ciphertext length range a decoder accepts: an empty chunk's tag … 16 MiB. */
    static final int MIN_CIPHERTEXT_CHUNK = TAG_BYTES;
    static final int MAX_CIPHERTEXT_CHUNK = 16 * 1024 * 1024;
    /** Bytes of the big-endian length before each chunk. */
    static final int LENGTH_BYTES = 4;

    private static final byte[] PAYLOAD_INFO = "payload".getBytes(StandardCharsets.US_ASCII);
    private static final String AEAD = "ChaCha20-Poly1305";

    private AgeRt() {
    }

    /** The key that wraps the file key: scrypt(passphrase UTF-8, raw salt, 2^18, 8, 1, 32). */
    static byte[] wrapKey(String passphrase, byte[] salt) {
        byte[] secret = passphrase.getBytes(StandardCharsets.UTF_8);
        try {
            return SCrypt.generate(secret, salt, 1 << WORK_FACTOR, SCRYPT_R, SCRYPT_P, 32);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** The payload key: HKDF-SHA256(ikm = file key, salt = payload nonce, info = "payload"), 32 bytes. */
    static byte[] payloadKey(byte[] fileKey, byte[] payloadNonce) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(fileKey, payloadNonce, PAYLOAD_INFO));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, key.length);
        return key;
    }

    /** A new ChaCha20-Poly1305 cipher; every JDK 11+ has one, so its absence is a broken runtime. */
    static Cipher newCipher() {
        try {
            return Cipher.getInstance(AEAD);
        } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
            throw new IllegalStateException(AEAD + " unavailable in this JDK", e);
        }
    }

    static SecretKeySpec aeadKey(byte[] key) {
        return new SecretKeySpec(key, "ChaCha20");
    }

    /** Chunk nonce: the 11-byte big-endian counter, then 0x01 on the final chunk, else 0x00. */
    static void chunkNonce(long counter, boolean last, byte[] nonce) {
        Arrays.fill(nonce, 0, 3, (byte) 0); // a long fills bytes 3..10 of the 11-byte counter
        for (int i = 10; i >= 3; i--) {
            nonce[i] = (byte) counter;
            counter >>>= 8;
        }
        nonce[11] = last ? (byte) 1 : (byte) 0;
    }

    /** Seals {@code in[off, off+len)} into {@code out} at {@code outOff}; returns the ciphertext length. */
    static int seal(Cipher cipher, SecretKeySpec key, byte[] nonce, byte[] in, int off, int len, byte[] out, int outOff) {
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(nonce));
            return cipher.doFinal(in, off, len, out, outOff);
        } catch (InvalidKeyException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 refused a 32-byte key and 12-byte nonce", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 encryption failed", e);
        }
    }

    /**
     * Opens {@code in[off, off+len)} into {@code out}; returns the plaintext length.
     *
     * @throws AEADBadTagException if the tag does not verify (nothing usable is written)
     */
    static int open(Cipher cipher, SecretKeySpec key, byte[] nonce, byte[] in, int off, int len, byte[] out)
            throws AEADBadTagException {
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(nonce));
            return cipher.doFinal(in, off, len, out, 0);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (InvalidKeyException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 refused a 32-byte key and 12-byte nonce", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 decryption failed", e);
        }
    }
}
