package dev.okapi.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Objects;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Which relays the client trusts over TLS, and what to tell a user whose relay is not trusted.
 *
 * <p>{@link #load(Path)}: a context that trusts exactly the certificates of one PEM file, a
 * self-signed relay's own certificate or the private CA that signed it ({@code zebrastream
 * --cacert FILE}). The JDK reads PEM itself ({@link CertificateFactory} accepts Base64 between
 * BEGIN/END lines), so no extra library is needed. The host name is still verified by
 * {@link HttpConnection}.
 */
final class TlsTrust {

    private TlsTrust() {
    }

    /**
     * @param pemFile one or more {@code -----BEGIN CERTIFICATE-----} blocks
     * @return a context trusting those certificates only
     * @throws IllegalArgumentException if the file cannot be read or holds no certificate
     */
    static SSLContext load(Path pemFile) {
        Objects.requireNonNull(pemFile, "pemFile required");
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pemFile)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("CA certificate file " + pemFile + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read CA certificate file " + pemFile + ": " + e.getMessage(), e);
        } catch (CertificateException e) {
            throw new IllegalArgumentException("CA certificate file " + pemFile + " is not PEM certificates: "
                    + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("CA certificate file " + pemFile
                    + " holds no certificate (expected -----BEGIN CERTIFICATE----- blocks)");
        }
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int n = 0;
            for (Certificate certificate : certificates) {
                trusted.setCertificateEntry("ca-" + n++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("this JDK cannot build a TLS context from " + pemFile + ": " + e, e);
        }
    }

    /**
     * The failure of a TLS handshake in words a user can act on. The JDK's own message for an
     * untrusted certificate ("PKIX path building failed: …unable to find valid certification
     * path…") names neither the cause nor the fix.
     *
     * @param authority host[:port] of the relay
     */
    static ZebraStreamException handshakeFailed(String authority, SSLHandshakeException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertPathBuilderException) {
                return new ZebraStreamException("the TLS certificate of the relay at " + authority
                        + " is not trusted (self-signed, or from a private CA): trust it with --cacert FILE or "
                        + "ZEBRASTREAM_CA_CERT (a PEM file), or ZebraStream.Builder.caCertificates in Java", e);
            }
        }
        return new ZebraStreamException("TLS handshake with the relay at " + authority + " failed: " + e.getMessage(), e);
    }
}
