package dev.okapi.relay;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.config.Config;
import io.helidon.config.EnvironmentVariables;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The configuration reference ({@code docs/configuration.md}) against the code: every embedded key is listed with its
 * real default, every listed environment variable maps to its key by Helidon's own rule, and the
 * configuration sources come in the documented order.
 */
class ConfigReferenceTest {

    /** A table row: key, environment variable, default. */
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z0-9_.-]+)` \\| `([A-Za-z0-9_]+)` \\| ([^|]+) \\|", Pattern.MULTILINE);

    private static final Map<String, String[]> rows = new LinkedHashMap<>();
    private static final Map<String, String> embedded = new LinkedHashMap<>();

    @TempDir
    Path dir;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void read() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        String reference = Files.readString(root.resolve("docs/configuration.md"));
        assertTrue(reference.startsWith("# Configuration reference\n"), "docs/configuration.md is the configuration reference");
        Matcher m = ROW.matcher(reference);
        while (m.find()) {
            rows.put(m.group(1), new String[] {m.group(2), m.group(3).strip()});
        }
        try (var in = ConfigReferenceTest.class.getResourceAsStream("/application.yaml")) {
            flatten("", new Yaml().load(in), embedded);
        }
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Object node, Map<String, String> out) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> flatten(prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k, v, out));
        } else {
            out.put(prefix, node == null ? "" : String.valueOf(node));
        }
    }

    @Test
    void everyEmbeddedKeyIsListedWithItsDefault() {
        assertThat(embedded.size() > 10, is(true));
        embedded.forEach((key, value) -> {
            assertThat("the reference lists " + key, rows, hasKey(key));
            String documented = rows.get(key)[1].replaceAll(" \\(.*\\)$", "").replace("`", "");
            assertThat("the reference's default of " + key, documented, is(value.isEmpty() ? "empty" : value));
        });
        // Keys without an embedded value, read by the code with a default of its own.
        for (String key : List.of("auth.data-dir", "server.max-concurrent-requests", "server.features.observe.sockets")) {
            assertThat(rows, hasKey(key));
        }
    }

    @Test
    void everyListedVariableMapsToItsKey() {
        rows.forEach((key, row) -> {
            Map<String, String> mapped = EnvironmentVariables.expand(Map.of(row[0], "x"));
            // relay.* and auth.* also take the plain spelling (Settings), which the table shows.
            boolean ok = mapped.containsKey(key) || Settings.plainSpellings(Map.of(row[0], "x")).containsKey(key);
            if (key.equals("server.tls.protocols") || key.equals("server.features.observe.sockets")) {
                ok = mapped.containsKey(key + ".0"); // lists: the index is a segment
            }
            assertTrue(ok, row[0] + " should map to " + key + ", maps to " + mapped.keySet());
        });
    }

    @Test
    void aHyphenIsDashNotUnderscoreForHelidonButThePlainSpellingWorksForOurKeys() {
        assertThat(EnvironmentVariables.expand(Map.of("RELAY_MAX_WAIT_SECONDS", "60")), not(hasKey("relay.max-wait-seconds")));
        assertThat(EnvironmentVariables.expand(Map.of("RELAY_MAX_dash_WAIT_dash_SECONDS", "60")), hasKey("relay.max-wait-seconds"));
        assertThat(Settings.plainSpellings(Map.of("RELAY_MAX_WAIT_SECONDS", "60")), is(Map.of("relay.max-wait-seconds", "60")));
        assertThat(Settings.plainSpellings(Map.of("SERVER_MAX_PAYLOAD_SIZE", "1", "RELAY_NO_SUCH_KEY", "1")), is(Map.of()));
    }

    @Test
    void aConfigFileOverridesOnlyWhatItSetsAndSystemPropertiesWin() throws Exception {
        Path file = dir.resolve("relay.yaml");
        Files.writeString(file, "relay:\n  max-wait-seconds: 77\n");
        System.setProperty("okapi.config", file.toString());
        try {
            Config config = Settings.load();
            assertThat(config.get("relay.max-wait-seconds").asInt().get(), is(77));
            assertThat(config.get("relay.max-waiting").asInt().get(), is(10000));    // embedded default kept
            assertThat(config.get("server.host").asString().get(), is("127.0.0.1"));
            System.setProperty("relay.max-wait-seconds", "78");
            assertThat(Settings.load().get("relay.max-wait-seconds").asInt().get(), is(78));
        } finally {
            System.clearProperty("okapi.config");
            System.clearProperty("relay.max-wait-seconds");
        }
    }

    @Test
    void aMissingConfigFileIsAOneLineRefusal() {
        System.setProperty("okapi.config", dir.resolve("absent.yaml").toString());
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    Settings::load);
            assertThat(e.getMessage(), startsWith("configuration file not readable: " + dir.resolve("absent.yaml") + " "));
        } finally {
            System.clearProperty("okapi.config");
        }
    }
}
