package dev.okapi.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
 * CI's run of the whole suite, strict, against our relay with its embedded configuration and a
 * 3 s wait limit, so that the wait-expiry cases stay short: once in open mode, and once in token
 * mode (a management key; the suite makes its own tokens through the Management API, so the
 * token and Management cases run too).
 */
final class OurRelayTest {

    /**
     * TEMPORARY: the cases of spec 1 that our relay fails today, each with the requirement and what
     * the relay has to do, while the relay core is rewritten to the spec. They are NOT skipped:
     * they run in every build and are reported as failures with this reason (through the suite's
     * {@code --expected-failures}), but do not fail this test. An entry whose case PASSES fails
     * this test ("now passes: remove it from PENDING_RELAY_WORK"), so the list only shrinks. Empty
     * it; a requirement that can only be met by copying a Helidon class belongs in the spec's
     * deviation note and a permanent expected-failures file instead, never here.
     */
    static final Map<String, String> PENDING_RELAY_WORK = pending();

    private static Map<String, String> pending(String... idAndReason) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < idAndReason.length; i += 2) {
            m.put(idAndReason[i], idAndReason[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }

    /** The token-mode relay's management key (a test value, nothing else knows it). */
    static final String MANAGEMENT_KEY = "conformance-management-key-" + UUID.randomUUID();

    private static WebServer relay;
    private static String target;
    private static WebServer tokenRelay;
    private static String tokenTarget;
    /** The token-mode relay's token store, fresh for each run. */
    private static Path tokenStore;

    /**
     * The relay as CI ships it: the built jar, started by the suite's own --server-command (which
     * also proves that option: free port, wait, process tree killed). Without the jar (a module
     * built alone), the same relay in process.
     */
    @BeforeAll
    static void start() throws IOException {
        tokenStore = Files.createTempDirectory("okapi-conformance-tokens");
        String tokenMode = "-Dauth.management-key=" + MANAGEMENT_KEY + " -Dauth.data-dir=" + tokenStore;
        Path jar = Path.of(System.getProperty("okapi.relayJar", "../server/target/okapi-relay.jar"));
        if (Files.isRegularFile(jar)) {
            String java = ProcessHandle.current().info().command().orElse("java");
            target = "--server-command=" + java + " -Xmx256m -Dserver.port=$PORT -Drelay.max-wait-seconds=3 -D" + MARKER
                    + " -jar " + jar.toAbsolutePath();
            tokenTarget = "--server-command=" + java + " -Xmx256m -Dserver.port=$PORT -Drelay.max-wait-seconds=3 -D" + MARKER
                    + " " + tokenMode + " -jar " + jar.toAbsolutePath();
            return;
        }
        relay = dev.okapi.relay.Main.start(config(Map.of()));
        target = "--target=http://127.0.0.1:" + relay.port();
        tokenRelay = dev.okapi.relay.Main.start(config(Map.of("auth.management-key", MANAGEMENT_KEY,
                "auth.data-dir", tokenStore.toString())));
        tokenTarget = "--target=http://127.0.0.1:" + tokenRelay.port();
    }

    private static Config config(Map<String, String> more) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "server.port", "0",
                "server.host", "127.0.0.1",
                "relay.max-wait-seconds", "3"));
        settings.putAll(more);
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(settings), ConfigSources.classpath("application.yaml"))
                .build();
    }

    /** Marks the relay processes this test starts, to check that none outlives the run. */
    private static final String MARKER = "okapi.conformance.run=" + UUID.randomUUID();

    @AfterAll
    static void stop() throws IOException {
        if (relay != null) {
            relay.stop();
        }
        if (tokenRelay != null) {
            tokenRelay.stop();
        }
        if (tokenStore != null) {
            try (var files = Files.walk(tokenStore)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    @Test
    void wholeSuiteStrictPasses() {
        suite(target, "okapi-conformance", List.of());
    }

    @Test
    void wholeSuiteStrictPassesInTokenMode() {
        String log = suite(tokenTarget, "okapi-conformance-token-mode", List.of("--management-key", MANAGEMENT_KEY));
        assertTrue(log.contains("(token mode)")
                && log.contains("made a write and a read token"), "the suite ran in token mode:\n" + log);
        assertFalse(log.contains("SKIP auth/2") || log.contains("SKIP mgmt"),
                "the token and Management cases ran:\n" + log);
    }

    private static String suite(String target, String report, List<String> more) {
        String reports = System.getProperty("okapi.reports", "target/conformance");
        List<String> args = new ArrayList<>(List.of(target, "--strict", "--wait-limit", "3", "--long-transfer", "3",
                "--junit-xml", reports + "/" + report + ".xml", "--json", reports + "/" + report + ".jsonl"));
        args.addAll(more);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int exit;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            exit = Main.run(SuiteRun.withPendingRelayWork(args.toArray(String[]::new)), out);
        }
        String log = buf.toString(StandardCharsets.UTF_8);
        System.out.println("the conformance suite against our relay:\n" + log);
        List<String> nowPass = PENDING_RELAY_WORK.keySet().stream()
                .filter(id -> log.lines().anyMatch(l -> l.startsWith("PASS " + id + " "))).toList();
        assertEquals(List.of(), nowPass, "now passes: remove it from PENDING_RELAY_WORK");
        assertEquals(0, exit, "the conformance suite against our relay (exit code):\n" + log);
        assertFalse(log.contains("\nSKIP "), "no case was skipped:\n" + log);
        List<String> left = ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().orElse("").contains(MARKER)).map(h -> h.pid() + "").toList();
        assertEquals(List.of(), left, "relay processes left running after the suite");
        return log;
    }
}
