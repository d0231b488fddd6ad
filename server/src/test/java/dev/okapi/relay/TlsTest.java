package dev.okapi.relay;

import java.io.FileInputStream;
import java.io.InputStream;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTPS from the two key formats docs/tls.md documents: a PKCS#12 keystore on a named socket beside
 * plain HTTP, and PEM files on the default socket (HTTPS only). The key is made here by keytool,
 * self-signed for 127.0.0.1, exactly as its example does it. Relays of its own: HTTPS sockets.
 */
class TlsTest {

    private static final String PASS = "changeit";

    @TempDir
    static Path dir;
    private static Path p12;
    private static Path keyPem;
    private static Path certPem;
    private static HttpClient trusting;

    @BeforeAll
    static void keys() throws Exception {
        p12 = dir.resolve("relay.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-keystore", p12.toString(),
                "-storetype", "PKCS12", "-storepass", PASS, "-alias", "relay", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2"))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(p12.toFile())) {
            ks.load(in, PASS.toCharArray());
        }
        // The same key as PEM files (PKCS#8 key, certificate), as openssl would write them.
        Certificate cert = ks.getCertificate("relay");
        keyPem = dir.resolve("key.pem");
        certPem = dir.resolve("cert.pem");
        Files.writeString(keyPem, pem("PRIVATE KEY", ((PrivateKey) ks.getKey("relay", PASS.toCharArray())).getEncoded()));
        Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("relay", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        trusting = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ctx)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    @Test
    void pkcs12OnANamedSocketBesidePlainHttp() throws Exception {
        try (TestRelay relay = new TestRelay(Map.of(
                "server.sockets.0.name", "https",
                "server.sockets.0.host", "127.0.0.1",
                "server.sockets.0.port", "0",
                "server.sockets.0.tls.private-key.keystore.resource.path", p12.toString(),
                "server.sockets.0.tls.private-key.keystore.passphrase", PASS,
                "server.sockets.0.tls.private-key.keystore.key.alias", "relay"))) {
            URI https = URI.create("https://127.0.0.1:" + relay.server.port("https"));
            transfer(https, 3 * 1024 * 1024 + 17);
            transfer(URI.create("http://127.0.0.1:" + relay.port()), 1000); // the HTTP port goes on
            assertThat(relay.server.hasTls("https"), is(true));
            // The throughput fix reaches the TLS listener too (Helidon forces 4096 on each socket).
            Object rcvbuf = relay.server.prototype().sockets().get("https").listenerSocketOptions()
                    .get(StandardSocketOptions.SO_RCVBUF);
            assertThat((Integer) rcvbuf, greaterThanOrEqualTo(1024 * 1024));
            // Connect answers with an https Data URL on the TLS port.
            HttpResponse<String> connect = trusting.send(HttpRequest.newBuilder(
                    https.resolve("/connect/v0/t/tls-connect?mode=await-writer&timeout=1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(connect.statusCode(), is(504)); // nobody came; the request went through TLS
        }
    }

    @Test
    void pemOnTheDefaultSocketOnly() throws Exception {
        try (TestRelay relay = new TestRelay(Map.of(
                "server.tls.private-key.pem.key.resource.path", keyPem.toString(),
                "server.tls.private-key.pem.cert-chain.resource.path", certPem.toString()))) {
            URI https = URI.create("https://127.0.0.1:" + relay.port());
            transfer(https, 2 * 1024 * 1024);
            // A client that does not trust the certificate is stopped at the handshake.
            HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(SSLHandshakeException.class, () -> untrusting.send(
                    HttpRequest.newBuilder(https.resolve("/observe/health")).build(), HttpResponse.BodyHandlers.ofString()));
            HttpResponse<String> health = trusting.send(HttpRequest.newBuilder(https.resolve("/observe/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.body(), containsString("UP"));
        }
    }

    /** One transfer of {@code size} random bytes through {@code base}, checked by SHA-256. */
    private static void transfer(URI base, int size) throws Exception {
        byte[] payload = new byte[size];
        new Random(size).nextBytes(payload);
        URI data = base.resolve("/data" + TestRelay.freshPath());
        CompletableFuture<HttpResponse<InputStream>> consumer = trusting.sendAsync(HttpRequest.newBuilder(data).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<String> producer = trusting.send(HttpRequest.newBuilder(data)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(payload)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(producer.statusCode(), is(200));
        assertThat(producer.body(), is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
        HttpResponse<InputStream> got = consumer.get(30, TimeUnit.SECONDS);
        assertThat(got.statusCode(), is(200));
        byte[] received;
        try (InputStream in = got.body()) {
            received = in.readAllBytes();
        }
        assertThat(received.length, is(size));
        assertThat(sha256(received), is(sha256(payload)));
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
