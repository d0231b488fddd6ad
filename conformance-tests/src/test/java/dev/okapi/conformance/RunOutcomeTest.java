package dev.okapi.conformance;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.WebServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a run ends, against our relay (open mode, in process): --strict refuses a skipped MUST and
 * names it, requirements that cannot apply are N/A, an expected failure is shown as a failure with
 * its reason without failing the run, a listed case that passes fails it, a target that is not
 * a relay is said to be one in one line, and so is a usage error.
 */
final class RunOutcomeTest {

    private static WebServer relay;
    private static String target;

    @BeforeAll
    static void start() {
        relay = dev.okapi.relay.Main.start(Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(Map.of("server.port", "0", "server.host", "127.0.0.1",
                        "relay.max-wait-seconds", "3")), ConfigSources.classpath("application.yaml"))
                .build());
        target = "http://127.0.0.1:" + relay.port();
    }

    @AfterAll
    static void stop() {
        if (relay != null) {
            relay.stop();
        }
    }

    @Test
    void strictRefusesASkippedMustAndNamesIt() {
        String log = SuiteRun.expectExit(1, "strict without --wait-limit:\n", "--target", target, "--strict", "--only", "OPS-1,DATA-1");
        assertTrue(log.contains("SKIP data/4/5") && log.contains("MUST requirements not verified (their cases were skipped): OPS-1"), log);
        SuiteRun.expectExit(0, "the same without --strict:\n", "--target", target, "--only", "OPS-1,DATA-1");
    }

    @Test
    void tokenCasesDoNotApplyToAnOpenRelay() {
        String log = SuiteRun.expectExit(0, "token cases, open relay, strict:\n", "--target", target, "--strict", "--only", "auth/2/1,mgmt/2/1");
        assertTrue(log.contains("N/A  auth/2/1") && log.contains("N/A  mgmt/2/1") && log.contains("2 not applicable"), log);
    }

    @Test
    void anExpectedFailureIsShownAsAFailureWithItsReason(@TempDir Path dir) throws Exception {
        Path list = Files.writeString(dir.resolve("expected.txt"), "# known\ndata/7/1 this proxy turns cuts into clean ends\n");
        try (TamperingProxy proxy = new TamperingProxy(relay.port(), TamperingProxy.Mode.CLEAN_CUT)) {
            String log = SuiteRun.expectExit(0, "an expected failure:\n", "--target", "http://127.0.0.1:" + proxy.port(),
                    "--only", "data/7/1", "--expected-failures", list.toString());
            assertTrue(log.contains("FAIL data/7/1") && log.contains("expected failure of this relay: this proxy turns cuts")
                    && log.contains("1 failed") && log.contains("1 of the failures expected"), log);
        }
    }

    @Test
    void aListedCaseThatPassesFailsTheRun(@TempDir Path dir) throws Exception {
        Path list = Files.writeString(dir.resolve("expected.txt"), "DATA-1 said to fail\n");
        String log = SuiteRun.expectExit(1, "a listed case passes:\n", "--target", target, "--only", "data/1/1",
                "--expected-failures", list.toString());
        assertTrue(log.contains("listed as an expected failure, but passes: remove it from the list"), log);
    }

    @Test
    void aTargetThatIsNotARelayIsSaidToBeOne() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().start(() -> answer404s(other));
            String log = SuiteRun.expectExit(2, "not a relay:\n", "--target", "http://127.0.0.1:" + other.getLocalPort());
            assertTrue(log.contains("is not a ZebraStream relay") && log.contains("404") && !log.contains("FAIL "), log);
        }
    }

    @Test
    void aUsageErrorIsOneLineAndHelpIsTheUsage() {
        String log = SuiteRun.expectExit(2, "a usage error:\n", "--target", target, "--bogus");
        assertEquals("error: unknown option --bogus (try --help)\n", log);
        assertTrue(SuiteRun.expectExit(0, "--help:\n", "--help").contains("Usage: java -jar okapi-conformance.jar"));
    }

    /** A mistyped id would otherwise run nothing and pass. */
    @Test
    void aSelectorThatNamesNoCaseIsAUsageError() {
        String log = SuiteRun.expectExit(2, "an unknown id:\n", "--target", target, "--only", "data/1/1,data/99", "--skip", "DATA-999");
        assertEquals("error: --only or --skip names no case: data/99, DATA-999 (see --list)\n", log);
    }

    @Test
    void anExpectedFailureThatNamesNoCaseIsAnError(@TempDir Path dir) throws Exception {
        Path list = Files.writeString(dir.resolve("expected.txt"), "data/7/99 a case that does not exist\n");
        String log = SuiteRun.expectExit(2, "an unknown expected failure:\n", "--target", target, "--only", "data/1/1",
                "--expected-failures", list.toString());
        assertEquals("error: --expected-failures names no case: data/7/99 (see --list)\n", log);
    }

    /** A web server that knows nothing: 404 to every request. */
    private static void answer404s(ServerSocket s) {
        while (!s.isClosed()) {
            try (Socket c = s.accept()) {
                c.getInputStream().read(new byte[8192]);
                OutputStream out = c.getOutputStream();
                out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                // closed
            }
        }
    }
}
