package dev.okapi.relay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Start-up that fails loudly, run raw: the relay as a child JVM started by {@link Main#main} as
 * {@code java -jar} starts it (on this test's class path: the jar is packaged after the tests),
 * its output and exit code read as an operator would see them.
 */
class StartupTest {

    private static final String LISTENING = "Okapi relay listening on ";

    @TempDir
    Path dataDir;

    /** What a finished (or, once listening, stopped) relay process printed, and how it ended. */
    private record Run(int exit, String output, boolean listened) {

        List<String> severe() {
            return output.lines().filter(l -> l.contains(" SEVERE ")).toList();
        }
    }

    /** Runs the relay with these arguments; if it starts listening, it is stopped (SIGTERM) at once. */
    private Run run(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "-Dauth.data-dir=" + dataDir));
        List<String> main = new ArrayList<>();
        for (String a : args) {
            (a.startsWith("-D") ? command : main).add(a);
        }
        command.add(Main.class.getName());
        command.addAll(main);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("RELAY_") || k.startsWith("AUTH_") || k.startsWith("SERVER_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        CompletableFuture<Boolean> listened = new CompletableFuture<>();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (out) {
                        out.append(line).append('\n');
                    }
                    if (line.contains(LISTENING)) {
                        listened.complete(true);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            listened.complete(false);
        });
        try {
            boolean up = listened.get(60, TimeUnit.SECONDS);
            if (up) {
                p.toHandle().destroy();
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "relay did not end:\n" + out);
            reader.join(5000);
            synchronized (out) {
                return new Run(p.exitValue(), out.toString(), up);
            }
        } finally {
            p.destroyForcibly();
        }
    }

    /** One refusal line naming the setting, no stack trace, a non-zero exit, nothing started. */
    private static void assertOneLineRefusal(Run run, String setting) {
        assertThat(run.output(), run.exit(), is(2));
        assertThat(run.output(), run.listened(), is(false));
        assertThat(run.output(), run.severe(), hasSize(1));
        assertThat(run.severe().getFirst(), containsString(setting));
        assertThat(run.output(), not(containsString("\tat ")));
        assertThat(run.output(), not(containsString("Exception")));
    }

    @Test
    void helpAndVersionExitZeroWithoutStarting() throws Exception {
        Run help = run(Map.of(), "--help");
        assertThat(help.exit(), is(0));
        assertThat(help.listened(), is(false));
        assertThat(help.output(), startsWith("Usage: okapi "));
        assertThat(help.output(), containsString("okapi token --help"));
        Run version = run(Map.of(), "--version");
        assertThat(version.exit(), is(0));
        assertThat(version.output(), is("okapi-relay " + FrontPage.version() + "\n"));
        Run unknown = run(Map.of(), "--port=9000");
        assertThat(unknown.exit(), is(2));
        assertThat(unknown.output(), is("okapi: unknown argument '--port=9000' (try --help)\n"));
    }

    @Test
    void aPortInUseIsOneLineAndAnError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run run = run(Map.of(), "-Dserver.port=" + taken.getLocalPort());
            assertOneLineRefusal(run, "server.port " + taken.getLocalPort() + " on 127.0.0.1 cannot be bound");
            assertThat(run.severe().getFirst(), containsString("SERVER_PORT"));
        }
    }

    @Test
    void badValuesAndMissingFilesAreOneLineNamingTheSetting() throws Exception {
        Run port = run(Map.of("SERVER_PORT", "abc"));
        assertOneLineRefusal(port, "server.port: 'abc' is not a valid value");
        Run wait = run(Map.of(), "-Dserver.port=0", "-Drelay.max-wait-seconds=soon");
        assertOneLineRefusal(wait, "relay.max-wait-seconds: 'soon' is not a valid value");
        assertThat(wait.severe().getFirst(), containsString("RELAY_MAX_WAIT_SECONDS"));
        Run waiting = run(Map.of(), "-Dserver.port=0", "-Drelay.max-waiting=0");
        assertOneLineRefusal(waiting, "relay.max-waiting must be positive");
        Run drain = run(Map.of(), "-Dserver.port=0", "-Drelay.drain-millis=-1");
        assertOneLineRefusal(drain, "relay.drain-millis must not be negative");
        Run host = run(Map.of(), "-Dserver.port=0", "-Dserver.host=relay.invalid");
        assertOneLineRefusal(host, "server.host is relay.invalid, which names no address");
        assertThat(host.severe().getFirst(), containsString("SERVER_HOST"));
        Run url = run(Map.of("RELAY_PUBLIC_URL", "relay.example.org"), "-Dserver.port=0");
        assertOneLineRefusal(url, "relay.public-url must be an absolute http or https URL");
        Run withPassword = run(Map.of("RELAY_PUBLIC_URL", "https://user:s3cret@relay.example.org"), "-Dserver.port=0");
        assertOneLineRefusal(withPassword, "not 'https://***@relay.example.org'");
        assertThat(withPassword.output(), not(containsString("s3cret")));
        Run jdbc = run(Map.of(), "-Dserver.port=0", "-Dauth.store=postgres",
                "-Dauth.jdbc-url=jdbc:postgresql://127.0.0.1:1/okapi?user=okapi&password=s3cret");
        assertThat(jdbc.output(), containsString("auth.jdbc-url=jdbc:postgresql://127.0.0.1:1/okapi?user=okapi&password=***"));
        assertThat(jdbc.output(), not(containsString("s3cret")));
        String key = "server.tls.private-key.keystore.resource.path";
        Run tls = run(Map.of(), "-Dserver.port=0", "-D" + key + "=" + dataDir.resolve("absent.p12"),
                "-Dserver.tls.private-key.keystore.passphrase=changeit");
        assertOneLineRefusal(tls, key + ": " + dataDir.resolve("absent.p12") + " does not exist");
        Run config = run(Map.of("OKAPI_CONFIG", dataDir.resolve("absent.yaml").toString()));
        assertOneLineRefusal(config, "configuration file not readable");
    }

    @Test
    void jsonLogLinesOnRequest() throws Exception {
        Run json = run(Map.of("OKAPI_LOG_FORMAT", "json"), "-Dserver.port=-5");
        assertThat(json.output(), json.exit(), is(2));
        List<String> lines = json.output().lines().toList();
        assertThat(lines.getLast(), startsWith("{\"time\":\""));
        assertThat(lines.getLast(), containsString("\"level\":\"SEVERE\",\"logger\":\"dev.okapi.relay.Main\",\"message\":"
                + "\"server.port is -5, not a port"));
        assertThat(json.output(), lines.stream().allMatch(l -> l.startsWith("{\"time\":") && l.endsWith("}")), is(true));
        Run bad = run(Map.of(), "-Dokapi.log.format=xml");
        assertThat(bad.exit(), is(2));
        assertThat(bad.output(), is("okapi: okapi.log.format (or OKAPI_LOG_FORMAT) must be text or json, not xml\n"));
    }

    /**
     * A started relay: typos and variables that map to nothing are warned about, the plain spelling
     * of a variable is accepted, what differs from the defaults is listed, and token mode says how
     * to create the first token.
     */
    @Test
    void unknownSettingsAreWarnedAboutAndTheRestIsLogged() throws Exception {
        Run run = run(Map.of("RELAY_MAX_WAIT_SECONDS", "77", "RELAY_IDLE_TIMEOUT", "5", "AUTH_MANAGEMENT_KEY", "a-management-key-0123"),
                "-Dserver.port=0", "-Drelay.max-wait-second=60", "-Dauth.mode=token");
        assertThat(run.output(), run.listened(), is(true));
        String out = run.output();
        assertThat(out, containsString("WARNING dev.okapi.relay.Main: unknown setting relay.max-wait-second is ignored;"
                + " did you mean relay.max-wait-seconds?"));
        assertThat(out, containsString("WARNING dev.okapi.relay.Main: environment variable RELAY_IDLE_TIMEOUT sets no setting"
                + " and is ignored; did you mean RELAY_IDLE_TIMEOUT_SECONDS?"));
        assertThat(out, not(containsString("RELAY_MAX_WAIT_SECONDS sets no setting")));
        String settings = out.lines().filter(l -> l.contains("settings other than the defaults: ")).findFirst().orElseThrow();
        assertThat(settings, containsString("relay.max-wait-seconds=77"));
        assertThat(settings, containsString("server.port=0"));
        assertThat(settings, containsString("auth.mode=token"));
        assertThat(settings, containsString("auth.management.key=(set)"));
        assertThat(out, not(containsString("a-management-key-0123")));
        assertThat(out, containsString("there is no token yet, create the first with: bin/okapi token create --path"));
        assertThat(run.severe(), hasSize(0));
    }
}
