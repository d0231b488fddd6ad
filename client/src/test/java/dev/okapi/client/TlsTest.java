package dev.okapi.client;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

import dev.okapi.client.cli.Stdio;
import dev.okapi.client.cli.ZebraStreamCli;
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
    private static Path pem;

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
        pem = dir.resolve("relay.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n", StandardCharsets.US_ASCII);
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
            assertThat(e.getMessage(), containsString("is not trusted (self-signed, or from a private CA): trust it with --cacert"));
        }
    }

    @Test
    void pemFileOfTheRelayMakesItTrusted() throws Exception {
        try (ScriptedServer server = refusingServer()) {
            ZebraStream stream = ZebraStream.builder(server.base("https", "localhost") + Wire.CONNECT_PREFIX, "/x")
                    .caCertificates(pem).build();
            assertThrows(AuthenticationException.class, stream::openReader); // 401 through a completed handshake
        }
    }

    @Test
    void cliTrustsCacertFromOptionOrEnvironment() throws Exception {
        try (ScriptedServer server = refusingServer(); ScriptedServer again = refusingServer()) {
            String url = server.base("https", "localhost") + Wire.CONNECT_PREFIX;
            assertThat(cli(Map.of(), "read", "-s", "/x", "-U", url, "--cacert", pem.toString()).exit(), is(3));
            String url2 = again.base("https", "localhost") + Wire.CONNECT_PREFIX;
            assertThat(cli(Map.of("ZEBRASTREAM_CA_CERT", pem.toString()), "read", "-s", "/x", "-U", url2).exit(), is(3));
        }
    }

    @Test
    void cliWithoutCacertSaysHowToTrustTheRelay() throws Exception {
        try (ScriptedServer server = refusingServer().tolerateFailures()) {
            Run run = cli(Map.of(), "read", "-s", "/x", "-U", server.base("https", "localhost") + Wire.CONNECT_PREFIX);
            assertThat(run.exit(), is(1));
            assertThat(run.err(), run.err().strip().split("\n").length, is(1));
            assertThat(run.err(), containsString("--cacert FILE or ZEBRASTREAM_CA_CERT"));
            assertThat(run.err(), not(containsString("PKIX")));
        }
    }

    @Test
    void unreadableCacertIsAUsageError() throws Exception {
        Path notPem = dir.resolve("not.pem");
        Files.writeString(notPem, "hello\n");
        Run missing = cli(Map.of(), "read", "-s", "/x", "--cacert", dir.resolve("missing.pem").toString());
        assertThat(missing.exit(), is(2));
        assertThat(missing.err(), containsString("missing.pem does not exist"));
        Run garbage = cli(Map.of(), "read", "-s", "/x", "--cacert", notPem.toString());
        assertThat(garbage.exit(), is(2));
        assertThat(garbage.err(), containsString("not.pem"));
    }

    record Run(int exit, String err) {
    }

    private static Run cli(Map<String, String> env, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ZebraStreamCli.run(Stdio.of(InputStream.nullInputStream(), new ByteArrayOutputStream(),
                new PrintStream(err, true)), env, args);
        return new Run(exit, err.toString(StandardCharsets.UTF_8));
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
