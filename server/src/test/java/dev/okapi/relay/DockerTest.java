package dev.okapi.relay;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.okapi.relay.core.RelayConfig;
import dev.okapi.relay.manage.OperatorCli;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.EnvironmentVariables;
import io.helidon.webserver.WebServer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What can be checked of the Docker files without a Docker engine (there is none on the build
 * machines; CI also runs {@code docker-compose config}): the Dockerfile's shape, its consistency
 * with the repository, and the compose file's environment run for real, through Helidon's own
 * environment-variable mapping, on loopback.
 */
class DockerTest {

    private static Path root;
    private static List<String> dockerfile;
    private static Map<String, Object> relayService;

    @TempDir
    Path dataDir;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void read() throws Exception {
        root = Path.of(System.getProperty("user.dir")).getParent(); // surefire runs in server/
        dockerfile = joinContinuations(Files.readAllLines(root.resolve("Dockerfile")));
        Map<String, Object> compose = new Yaml().load(Files.readString(root.resolve("docker-compose.yml")));
        relayService = (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get("relay");
    }

    /** Dockerfile instructions, one per element, continuation lines joined, comments dropped. */
    private static List<String> joinContinuations(List<String> lines) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.startsWith("#") || (line.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
            } else {
                out.add(current.append(line).toString().strip());
                current.setLength(0);
            }
        }
        return out;
    }

    private static List<String> instructions(String keyword) {
        return dockerfile.stream().filter(l -> l.toUpperCase().startsWith(keyword + " ")).toList();
    }

    /** The instructions of the last stage: what the running image is made of. */
    private static List<String> runtimeStage() {
        int last = 0;
        for (int i = 0; i < dockerfile.size(); i++) {
            if (dockerfile.get(i).toUpperCase().startsWith("FROM ")) {
                last = i;
            }
        }
        return dockerfile.subList(last, dockerfile.size());
    }

    @Test
    void dockerfileBuildsWithMavenAndRunsOnAJreAsAnUnprivilegedUser() throws Exception {
        List<String> from = instructions("FROM");
        assertThat(from.size(), is(2));
        assertThat(from.get(0), startsWith("FROM maven:3-eclipse-temurin-"));
        assertThat(from.get(0), containsString(" AS build"));
        assertThat(from.get(1), startsWith("FROM eclipse-temurin:"));
        assertThat(from.get(1), containsString("-jre"));
        int buildJdk = Integer.parseInt(from.get(0).replaceAll(".*temurin-([0-9]+).*", "$1"));
        int runJre = Integer.parseInt(from.get(1).replaceAll(".*temurin:([0-9]+).*", "$1"));
        assertThat("the parent pom compiles for release 21", runJre, greaterThanOrEqualTo(21));
        assertThat(buildJdk, is(runJre));

        List<String> runtime = runtimeStage();
        List<String> users = runtime.stream().filter(l -> l.startsWith("USER ")).toList();
        assertThat(users.size(), is(1));
        String user = users.get(0).substring(5).split(":")[0].strip();
        assertThat(user, not(is("root")));
        assertThat(user, not(is("0")));
        assertTrue(runtime.stream().anyMatch(l -> l.startsWith("COPY --from=build ")), "runtime copies from the build stage");
        assertTrue(runtime.stream().anyMatch(l -> l.startsWith("EXPOSE ") && l.contains("8080")), "EXPOSE 8080");
        assertTrue(runtime.stream().anyMatch(l -> l.startsWith("VOLUME ") && l.contains("/var/lib/okapi")), "VOLUME");
        assertTrue(runtime.stream().anyMatch(l -> l.startsWith("ENV ") && l.contains("SERVER_HOST=0.0.0.0")),
                "listens on every interface inside the container");
        assertTrue(runtime.stream().anyMatch(l -> l.startsWith("ENV ") && l.contains("AUTH_DATA_DIR=/var/lib/okapi")),
                "the token store on the volume");

        String entrypoint = runtime.stream().filter(l -> l.startsWith("ENTRYPOINT ")).findFirst().orElseThrow();
        assertThat("exec form: java is PID 1 and gets SIGTERM itself", entrypoint, startsWith("ENTRYPOINT [\"java\""));
        String healthcheck = runtime.stream().filter(l -> l.startsWith("HEALTHCHECK ")).findFirst().orElseThrow();
        assertThat(healthcheck, containsString("CMD [\"java\", \"-cp\", \"/opt/okapi/okapi-relay.jar\", \"" + HealthProbe.class.getName() + "\"]"));
    }

    @Test
    void dockerfileCopiesWhatTheBuildNeeds() throws Exception {
        List<String> sources = new ArrayList<>();
        for (String copy : instructions("COPY")) {
            if (!copy.contains("--from=")) {
                String[] parts = copy.split("\\s+");
                for (int i = 1; i < parts.length - 1; i++) {
                    sources.add(parts[i]);
                }
            }
        }
        for (String s : sources) {
            assertTrue(Files.exists(root.resolve(s)), "COPY source missing from the repository: " + s);
        }
        // Maven reads every module of the reactor: each one's pom must be in the image.
        Matcher modules = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(root.resolve("pom.xml")));
        while (modules.find()) {
            assertThat(sources, hasItem(modules.group(1) + "/pom.xml"));
        }
        List<String> ignored = Files.readAllLines(root.resolve(".dockerignore")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(ignored, hasItem("**/target"));
        for (String s : sources) {
            assertTrue(ignored.stream().noneMatch(i -> s.equals(i) || s.startsWith(i + "/")), ".dockerignore hides " + s);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeKeepsTheAdminPortUnpublishedAndAllowsForTheGracePeriod() {
        List<String> ports = ((List<Object>) relayService.get("ports")).stream().map(String::valueOf).toList();
        assertThat(ports, is(List.of("8080:8080")));
        Map<String, Object> env = (Map<String, Object>) relayService.get("environment");
        assertThat(String.valueOf(env.get("SERVER_SOCKETS_0_PORT")), is("9090"));
        assertThat(ports.stream().anyMatch(p -> p.contains("9090")), is(false));
        assertThat((List<String>) relayService.get("volumes"), hasItem("okapi-data:" + env.get("AUTH_DATA_DIR")));
        List<String> test = (List<String>) ((Map<String, Object>) relayService.get("healthcheck")).get("test");
        assertThat(test, hasItem(HealthProbe.class.getName()));
        assertThat(String.valueOf(env.get("OKAPI_HEALTH_URL")), is("http://127.0.0.1:9090/observe/health"));
        // docker stop waits stop_grace_period before SIGKILL: the relay's grace (default) + abort + margin.
        long stop = Long.parseLong(String.valueOf(relayService.get("stop_grace_period")).replace("s", ""));
        long grace = new TestRelayConfig().shutdownGrace().toSeconds();
        assertThat(stop, greaterThanOrEqualTo(grace + 5));
    }

    /**
     * The compose file's environment, mapped by Helidon exactly as in the container, on loopback
     * and free ports: token mode, observe only on the admin socket, the health probe's answer, and
     * a stream with tokens made by the operator command the README gives.
     */
    @Test
    @SuppressWarnings("unchecked")
    void composeEnvironmentRunsAsDocumented() throws Exception {
        Map<String, String> env = new HashMap<>();
        ((Map<String, Object>) relayService.get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
        env.replaceAll((k, v) -> v.replaceAll("\\$\\{[A-Z_]+:-([^}]*)}", "$1")); // compose's ${VAR:-default}
        env.put("SERVER_HOST", "127.0.0.1");      // loopback here; 0.0.0.0 in the container
        env.put("SERVER_SOCKETS_0_HOST", "127.0.0.1");
        env.put("SERVER_PORT", "0");
        env.put("SERVER_SOCKETS_0_PORT", "0");
        env.put("AUTH_DATA_DIR", dataDir.toString());
        Config config = Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .sources(ConfigSources.create(EnvironmentVariables.expand(env)), ConfigSources.classpath("application.yaml"))
                .build();
        WebServer server = Main.start(config);
        try (TestRelay relay = new TestRelay(server)) {
            int admin = server.port("admin");
            assertThat(HealthProbe.probe("http://127.0.0.1:" + admin + "/observe/health"), is(200));
            assertThat(HealthProbe.probe("http://127.0.0.1:" + relay.port() + "/observe/health"), is(404));
            assertThat(relay.get("/data/demo/x").statusCode(), is(401)); // token mode

            String write = createToken(config, "write");
            String read = createToken(config, "read");
            URI data = relay.uri("/data/demo/x");
            CompletableFuture<HttpResponse<String>> consumer = relay.http.sendAsync(HttpRequest.newBuilder(data)
                    .header("Authorization", "Bearer " + read).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> producer = relay.http.send(HttpRequest.newBuilder(data)
                    .header("Authorization", "Bearer " + write).timeout(Duration.ofSeconds(30))
                    .PUT(HttpRequest.BodyPublishers.ofString("from the compose environment")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(producer.body(), is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
            assertThat(consumer.get().body(), is("from the compose environment"));
        }
    }

    /** {@code token create} as the README's trial runs it, against the same configuration. */
    private static String createToken(Config config, String mode) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = OperatorCli.run(new String[] {"create", "--path", "/demo/x", "--mode", mode, "--expires", "1d"},
                config, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(err.toString(), code, is(0));
        Matcher m = Pattern.compile("(?m)^token\\s+(\\S+)").matcher(out.toString());
        assertTrue(m.find(), out.toString());
        return m.group(1);
    }

    /** The embedded defaults of the relay node, as the relay reads them. */
    private static final class TestRelayConfig {
        private final RelayConfig config = RelayConfig.from(Config.builder().disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource().sources(ConfigSources.classpath("application.yaml")).build().get("relay"));

        java.time.Duration shutdownGrace() {
            return config.shutdownGrace();
        }
    }
}
