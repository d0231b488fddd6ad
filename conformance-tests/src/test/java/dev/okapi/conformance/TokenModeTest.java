package dev.okapi.conformance;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.WebServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runner's credential handling against our relay in token mode: tokens given on the command
 * line, a management key alone (the runner makes its tokens), and a warning when a token-mode
 * relay gets neither. The whole suite in token mode runs in {@link OurRelayTest}.
 */
final class TokenModeTest {

    private static final String KEY = "conformance-management-key";
    @TempDir
    static Path store;
    private static WebServer relay;
    private static String url;

    @BeforeAll
    static void start() {
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(Map.of("server.port", "0", "server.host", "127.0.0.1",
                        "relay.max-wait-seconds", "3", "auth.management-key", KEY, "auth.data-dir", store.toString())),
                        ConfigSources.classpath("application.yaml"))
                .build();
        relay = dev.okapi.relay.Main.start(config);
        url = "http://127.0.0.1:" + relay.port();
    }

    @AfterAll
    static void stop() {
        if (relay != null) {
            relay.stop();
        }
    }

    private static String run(int expectedExit, String... args) {
        return SuiteRun.expectExit(expectedExit, "", SuiteRun.withPendingRelayWork(args));
    }

    private static String issue(String mode) throws IOException {
        return Mgmt.create(Target.parse(url, false), KEY,
                Mgmt.tokenForm("/conformance", mode, true, Instant.now().plusSeconds(3600))).token();
    }

    @Test
    void tokensGivenOnTheCommandLine() throws IOException {
        String w = issue("write");
        String r = issue("read");
        String log = run(0, "--target", url, "--write-token", w, "--read-token", r,
                "--management-key", KEY, "--strict", "--wait-limit", "3", "--only", "auth,mgmt,connect,data/1,data/2,data/5");
        assertFalse(log.contains("SKIP auth/2") || log.contains("SKIP mgmt"), "token and management cases ran:\n" + log);
        assertTrue(log.contains("(token mode)"), log);
        assertFalse(log.contains("made a write and a read token"), log);
    }

    @Test
    void aManagementKeyAloneIsEnough() {
        String log = run(0, "--target", url, "--management-key", KEY, "--only", "auth/2,mgmt/2/1");
        assertTrue(log.contains("made a write and a read token"), log);
    }

    @Test
    void missingTokensAreExplained() {
        String log = run(1, "--target", url, "--only", "data/1/1");
        assertTrue(log.contains("runs in token mode"), log);
    }
}
