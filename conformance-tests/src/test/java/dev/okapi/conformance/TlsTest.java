package dev.okapi.conformance;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.WebServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The suite speaks TLS: an https target (our relay behind a TLS-terminating proxy with a
 * self-signed certificate made by the JDK's keytool) passes with --insecure, and without it the
 * run stops at the untrusted certificate instead of testing something else.
 */
final class TlsTest {

    private static WebServer relay;
    private static ServerSocket tls;
    private static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("tls.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit", "-alias", "relay", "-keyalg", "EC",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2")).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, new String(p.getInputStream().readAllBytes()));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(store.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        tls = ctx.getServerSocketFactory().createServerSocket(0, 100, InetAddress.getLoopbackAddress());
        // The relay behind the proxy names the proxy's https origin in its Connect answers ([CONN-12]).
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(Map.of("server.port", "0", "server.host", "127.0.0.1",
                        "relay.max-wait-seconds", "3", "relay.public-url", "https://127.0.0.1:" + tls.getLocalPort())),
                        ConfigSources.classpath("application.yaml"))
                .build();
        relay = dev.okapi.relay.Main.start(config);
        THREADS.submit(TlsTest::accept);
    }

    private static Void accept() {
        while (!tls.isClosed()) {
            try {
                Socket client = tls.accept();
                THREADS.submit(() -> relayTo(client));
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    private static Void relayTo(Socket client) {
        try (client; Socket up = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
            THREADS.submit(() -> copy(client.getInputStream(), up.getOutputStream(), up));
            copy(up.getInputStream(), client.getOutputStream(), client);
        } catch (IOException e) {
            // a side went away
        }
        return null;
    }

    private static Void copy(InputStream in, OutputStream out, Socket to) {
        byte[] buf = new byte[65536];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // closed
        }
        try {
            to.close();
        } catch (IOException e) {
            // closed
        }
        return null;
    }

    @AfterAll
    static void stop() throws IOException {
        if (tls != null) {
            tls.close();
        }
        THREADS.shutdownNow();
        if (relay != null) {
            relay.stop();
        }
    }

    private static String run(int expectedExit, String... args) {
        return SuiteRun.expectExit(expectedExit, "", SuiteRun.withPendingRelayWork(args));
    }

    @Test
    void httpsTargetPassesWithInsecure() {
        String log = run(0, "--target", "https://127.0.0.1:" + tls.getLocalPort(), "--insecure", "--only",
                "data/1,data/2,data/10/2,connect/3,http/3/2,http/3/7");
        // Exit 0: every case passed but the relay's pending ones (reported as failures with their reason).
        assertTrue(log.contains("PASS connect/3/4") && log.contains("PASS data/10/2"), "the URL was followed over TLS: " + log);
    }

    @Test
    void anUntrustedCertificateStopsTheRun() {
        String log = run(2, "--target", "https://127.0.0.1:" + tls.getLocalPort(), "--only", "data/1/1");
        assertTrue(log.contains("cannot connect"), log);
    }
}
