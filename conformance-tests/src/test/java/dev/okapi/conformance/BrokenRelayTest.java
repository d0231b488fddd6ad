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
    void aLateContinueFailsDataThree() throws Exception {
        String log = runThrough(TamperingProxy.Mode.LATE_CONTINUE, "data/1/7", 1);
        assertTrue(log.contains("FAIL data/1/7") && log.contains("100 Continue"), log);
    }

    @Test
    void aForeignOriginFailsConnTwelve() throws Exception {
        String log = runThrough(TamperingProxy.Mode.FOREIGN_ORIGIN, "connect/3", 1);
        assertTrue(log.contains("FAIL connect/3/4") && log.contains("requirement: CONN-12 (MUST")
                && log.contains("127.0.0.1:1"), log);
        assertTrue(log.contains("FAIL connect/3/2"), "the field client's sequence follows the URL and fails: " + log);
    }

    @Test
    void refusedDotsFailPathOne() throws Exception {
        String log = runThrough(TamperingProxy.Mode.DOT_REFUSED, "path/1/1", 1);
        assertTrue(log.contains("FAIL path/1/1") && log.contains("requirement: PATH-1 (MUST"), log);
    }

    @Test
    void aNotFoundForAnEmptyPathFailsPathOne() throws Exception {
        String log = runThrough(TamperingProxy.Mode.EMPTY_PATH_404, "path/1/4", 1);
        assertTrue(log.contains("FAIL path/1/4") && log.contains("404"), log);
    }

    @Test
    void aSmuggledBodyBehindARefusalFailsHttpThree() throws Exception {
        String log = runThrough(TamperingProxy.Mode.SMUGGLE, "hostile/2/5", 1);
        assertTrue(log.contains("FAIL hostile/2/5") && log.contains("the refused request reached it"), log);
    }

    @Test
    void noSuccessFailsDataSeven() throws Exception {
        String log = runThrough(TamperingProxy.Mode.NO_SUCCESS, "data/4/2", 1);
        assertTrue(log.contains("FAIL data/4/2") && log.contains("[STATE:TRANSFER_SUCCESSFUL] as its final line"), log);
    }

    @Test
    void successAtTheUploadsEndFailsDataFourteen() throws Exception {
        String log = runThrough(TamperingProxy.Mode.EARLY_SUCCESS, "data/5/5", 1);
        assertTrue(log.contains("FAIL data/5/5") && log.contains("no line yet"), log);
    }

    @Test
    void unboundedBufferingFailsDataTwentyTwo() throws Exception {
        String log = runThrough(TamperingProxy.Mode.UNBOUNDED_BUFFER, "data/7/5", 1);
        assertTrue(log.contains("FAIL data/7/5") && log.contains("a bounded amount"), log);
    }

    @Test
    void theProxyItselfIsTransparentOtherwise() throws Exception {
        // Control: the same proxy, breaking nothing these cases look at, lets them pass.
        runThrough(TamperingProxy.Mode.EARLY_CONTINUE, "data/1/1,data/1/2,data/7/1", 0);
        // The same for the new modes: each breaks only what its case looks at.
        runThrough(TamperingProxy.Mode.NO_SUCCESS, "data/7/1,data/1/7", 0);
        runThrough(TamperingProxy.Mode.UNBOUNDED_BUFFER, "data/1/1,data/1/2", 0);
        runThrough(TamperingProxy.Mode.FOREIGN_ORIGIN, "data/1/1,connect/1/1", 0);
    }
}
