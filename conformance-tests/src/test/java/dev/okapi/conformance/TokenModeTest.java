package dev.okapi.conformance;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.WebServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The token and Management cases run against a token-mode relay (our open relay behind
 * {@link AuthProxy}, written from spec sections 7 and 8) and pass; the runner's credential
 * handling works with tokens, with a management key alone, and warns when tokens are missing.
 */
final class TokenModeTest {

    private static final String KEY = "conformance-management-key";
    private static WebServer relay;
    private static AuthProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(Map.of("server.port", "0", "server.host", "127.0.0.1",
                        "relay.max-wait-seconds", "3")), ConfigSources.classpath("application.yaml"))
                .build();
        relay = dev.okapi.relay.Main.start(config);
        proxy = new AuthProxy(relay.port(), KEY);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (relay != null) {
            relay.stop();
        }
    }

    private static String run(int expectedExit, String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int exit;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            exit = Main.run(args, out);
        }
        String log = buf.toString(StandardCharsets.UTF_8);
        System.out.println(log);
        assertEquals(expectedExit, exit, log);
        return log;
    }

    @Test
    void tokenAndManagementCasesPass() {
        String w = proxy.issue("/conformance", "write", true);
        String r = proxy.issue("/conformance", "read", true);
        String log = run(0, "--target", "http://127.0.0.1:" + proxy.port(), "--write-token", w, "--read-token", r,
                "--management-key", KEY, "--strict", "--wait-limit", "3", "--only", "auth,mgmt,connect,data/1,data/2,data/5");
        assertFalse(log.contains("SKIP auth/2") || log.contains("SKIP mgmt"), "token and management cases ran:\n" + log);
        assertTrue(log.contains("(token mode)"), log);
    }

    @Test
    void aManagementKeyAloneIsEnough() {
        String log = run(0, "--target", "http://127.0.0.1:" + proxy.port(), "--management-key", KEY, "--only", "auth/2,mgmt/2/1");
        assertTrue(log.contains("made a write and a read token"), log);
    }

    @Test
    void missingTokensAreExplained() {
        String log = run(1, "--target", "http://127.0.0.1:" + proxy.port(), "--only", "data/1/1");
        assertTrue(log.contains("runs in token mode"), log);
    }
}
