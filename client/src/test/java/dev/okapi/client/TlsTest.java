package dev.okapi.client;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

import dev.okapi.protocol.Wire;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client over TLS against a loopback peer with a throwaway certificate for {@code localhost}
 * (made with the JDK's keytool): it works with a context that trusts the certificate, and it
 * refuses both an untrusted certificate and a certificate for another name.
 */
class TlsTest {

    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    static Path dir;
    private static SSLContext serverContext;
    private static SSLContext trustingContext;

    @BeforeAll
    static void makeCertificate() throws Exception {
        Path store = dir.resolve("relay.p12");
        Process keytool = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "relay", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", "changeit", "-keypass", "changeit")).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertThat(output, keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, is(true));

        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);

        Certificate certificate = keys.getCertificate("relay");
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("relay", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        trustingContext = SSLContext.getInstance("TLS");
        trustingContext.init(null, tmf.getTrustManagers(), null);
    }

    private static ScriptedServer refusingServer() throws Exception {
        return new ScriptedServer(serverContext.getServerSocketFactory(),
                ex -> ex.send("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"));
    }

    @Test
    void httpsWorksWithATrustedCertificate() throws Exception {
        try (ScriptedServer server = refusingServer()) {
            ZebraStream stream = ZebraStream.builder(server.base("https", "localhost") + Wire.CONNECT_PREFIX, "/x")
                    .sslContext(trustingContext).build();
            // the 401 could only be read through a completed handshake
            assertThrows(AuthenticationException.class, stream::openReader);
        }
    }

    @Test
    void untrustedCertificateIsRefused() throws Exception {
        try (ScriptedServer server = refusingServer().tolerateFailures()) { // its side of the handshake fails too
            ZebraStream stream = ZebraStream.builder(server.base("https", "localhost") + Wire.CONNECT_PREFIX, "/x").build();
            ZebraStreamException e = assertThrows(ZebraStreamException.class, stream::openReader);
            assertThat(e.getCause(), instanceOf(SSLHandshakeException.class));
        }
    }

    @Test
    void certificateForAnotherNameIsRefused() throws Exception {
        try (ScriptedServer server = refusingServer().tolerateFailures()) {
            ZebraStream stream = ZebraStream.builder(server.base("https", "127.0.0.1") + Wire.CONNECT_PREFIX, "/x")
                    .sslContext(trustingContext).build();
            ZebraStreamException e = assertThrows(ZebraStreamException.class, stream::openReader);
            assertThat(e.getCause(), instanceOf(SSLHandshakeException.class));
            assertThat(e.getCause().getMessage(), containsString("127.0.0.1"));
        }
    }
}
