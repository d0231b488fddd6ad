package dev.okapi.conformance;

import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.WebServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The suite catches bad relays: pointed at our relay behind a {@link TamperingProxy} that breaks
 * one requirement, it fails, and its output names that requirement.
 */
final class BrokenRelayTest {

    private static WebServer relay;

    @BeforeAll
    static void start() {
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(Map.of("server.port", "0", "server.host", "127.0.0.1",
                        "relay.max-wait-seconds", "3")), ConfigSources.classpath("application.yaml"))
                .build();
        relay = dev.okapi.relay.Main.start(config);
    }

    @AfterAll
    static void stop() {
        if (relay != null) {
            relay.stop();
        }
    }

    /** Runs the suite through a proxy in the given mode; returns its output. */
    private static String runThrough(TamperingProxy.Mode mode, String only, int expectedExit) throws Exception {
        try (TamperingProxy proxy = new TamperingProxy(relay.port(), mode)) {
            return SuiteRun.expectExit(expectedExit, "---- through a " + mode + " proxy:\n", SuiteRun.withPendingRelayWork(
                    "--target", "http://127.0.0.1:" + proxy.port(), "--only", only));
        }
    }

    @Test
    void aCutMadeCleanFailsDataTwentyOne() throws Exception {
        String log = runThrough(TamperingProxy.Mode.CLEAN_CUT, "data/7", 1);
        assertTrue(log.contains("FAIL data/7/1") && log.contains("requirement: DATA-21 (MUST"), log);
        assertTrue(log.contains("a cut"), "the message says what was expected: " + log);
    }

    @Test
    void anEarlyContinueFailsDataThree() throws Exception {
        String log = runThrough(TamperingProxy.Mode.EARLY_CONTINUE, "DATA-3", 1);
        assertTrue(log.contains("FAIL data/1/7") && log.contains("requirement: DATA-3 (MUST"), log);
        assertTrue(log.contains("100 Continue"), log);
    }

    @Test
    void anEarlyOkFailsDataThree() throws Exception {
        String log = runThrough(TamperingProxy.Mode.EARLY_OK, "DATA-3", 1);
        assertTrue(log.contains("FAIL data/1/8") && log.contains("requirement: DATA-3 (MUST"), log);
    }

    @Test
    void theProxyItselfIsTransparentOtherwise() throws Exception {
        // Control: the same proxy, breaking nothing these cases look at, lets them pass.
        runThrough(TamperingProxy.Mode.EARLY_CONTINUE, "data/1/1,data/1/2,data/7/1", 0);
    }
}
