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
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import dev.okapi.relay.manage.OperatorCli;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.EnvironmentVariables;
import io.helidon.webserver.WebServer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
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
 * The Docker files' consistency with the repository and with each other, checked on every build
 * (scripts/compose-trial.sh builds and runs them for real with podman, in CI after the tests):
 * the Dockerfile's stages and targets, its dependency layer, the build context, the compose
 * file's settings, the README's first-token command as the trial runs it, and the compose file's
 * environment run for real, through Helidon's own environment-variable mapping, on loopback.
 * Over 300 lines on purpose: one owner for every check of the Docker files, which all read the
 * same parsed Dockerfile and compose file. Its one relay is its own: the compose file's
 * configuration.
 */
class DockerTest {

    private static Path root;
    private static List<Stage> stages;
    private static Map<String, Object> relayService;

    @TempDir
    Path dataDir;

    /** One {@code FROM} of the Dockerfile: its base, its name, and its instructions after it. */
    private record Stage(String base, String name, List<String> instructions) {

        List<String> all(String keyword) {
            return instructions.stream().filter(l -> l.toUpperCase().startsWith(keyword + " ")).toList();
        }

        String one(String keyword) {
            List<String> found = all(keyword);
            assertThat(name + ": " + keyword, found.size(), is(1));
            return found.get(0);
        }
    }

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void read() throws Exception {
        root = Path.of(System.getProperty("user.dir")).getParent(); // surefire runs in server/
        stages = stages(joinContinuations(Files.readAllLines(root.resolve("Dockerfile"))));
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

    /** The stages; the global {@code ARG}s before the first {@code FROM} go to a stage named "". */
    private static List<Stage> stages(List<String> instructions) {
        Pattern from = Pattern.compile("FROM\\s+(\\S+)(?:\\s+AS\\s+(\\S+))?", Pattern.CASE_INSENSITIVE);
        List<Stage> out = new ArrayList<>();
        Stage current = new Stage("", "", new ArrayList<>());
        for (String line : instructions) {
            Matcher m = from.matcher(line);
            if (m.matches()) {
                out.add(current);
                current = new Stage(m.group(1), m.group(2) == null ? "" : m.group(2), new ArrayList<>());
            } else {
                current.instructions().add(line);
            }
        }
        out.add(current);
        return out;
    }

    private static Stage stage(String name) {
        return stages.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no stage " + name));
    }

    /** The default of a global {@code ARG NAME=default}. */
    private static String argDefault(String name) {
        return stages.get(0).all("ARG").stream().filter(a -> a.startsWith("ARG " + name + "="))
                .map(a -> a.substring(a.indexOf('=') + 1)).findFirst().orElseThrow(() -> new AssertionError("no ARG " + name));
    }

    @Test
    void baseImagesAreArgumentsDefaultingToThePublicImagesOfOneJavaVersion() {
        String build = argDefault("BUILD_IMAGE");
        String runtime = argDefault("RUNTIME_IMAGE");
        assertThat(build, startsWith("maven:3-eclipse-temurin-"));
        assertThat(runtime, startsWith("eclipse-temurin:"));
        assertThat(runtime, containsString("-jre"));
        int buildJdk = Integer.parseInt(build.replaceAll(".*temurin-([0-9]+).*", "$1"));
        int runJre = Integer.parseInt(runtime.replaceAll(".*temurin:([0-9]+).*", "$1"));
        assertThat("the parent pom compiles for release 21", runJre, greaterThanOrEqualTo(21));
        assertThat(buildJdk, is(runJre));
        assertThat(stage("runtime").base(), is("${RUNTIME_IMAGE}"));
        assertThat(stage("build").base(), is("${BUILD_IMAGE}"));
    }

    /**
     * Both targets are the runtime stage plus the jar; the default (last) one builds with Maven.
     * "local-jar" comes before the Maven stage: the classic builder runs every stage up to the
     * target, so building it must never reach Maven (the network).
     */
    @Test
    void bothTargetsRunTheJarOnTheRuntimeStageAsAnUnprivilegedUser() {
        List<String> names = stages.stream().map(Stage::name).toList();
        assertThat(names, is(List.of("", "runtime", "local-jar", "build", "relay")));
        assertThat(stage("local-jar").base(), is("runtime"));
        assertThat(stage("relay").base(), is("runtime"));
        assertThat(stage("relay").all("COPY"), is(List.of(
                "COPY --from=build /src/server/target/okapi-relay.jar /opt/okapi/okapi-relay.jar",
                "COPY --from=build /src/server/target/libs /opt/okapi/libs")));

        Stage runtime = stage("runtime");
        String user = runtime.one("USER").substring(5).split(":")[0].strip();
        assertThat(user, not(is("root")));
        assertThat(user, not(is("0")));
        assertThat(runtime.one("RUN"), containsString("--uid 10001"));
        assertThat(runtime.one("EXPOSE"), containsString("8080"));
        assertThat(runtime.one("VOLUME"), containsString("/var/lib/okapi"));
        String env = runtime.one("ENV");
        assertThat("listens on every interface inside the container", env, containsString("SERVER_HOST=0.0.0.0"));
        assertThat("the token store on the volume", env, containsString("AUTH_DATA_DIR=/var/lib/okapi"));
        assertThat("the JVM would print it on every health probe", env, not(containsString("JAVA_TOOL_OPTIONS")));
        assertThat("exec form: java is PID 1 and gets SIGTERM itself; the heap capped there",
                runtime.one("ENTRYPOINT"), startsWith("ENTRYPOINT [\"java\", \"-Xmx"));
        assertThat(runtime.one("HEALTHCHECK"), containsString(
                "CMD [\"java\", \"-cp\", \"/opt/okapi/okapi-relay.jar\", \"" + HealthProbe.class.getName() + "\"]"));
    }

    /**
     * The dependency layer: every module's pom (Maven reads the whole reactor) before the first
     * source, a Maven run between them, and the build after the sources offline, so a source
     * change downloads nothing; both through the mirror settings when MAVEN_MIRROR_URL is set.
     */
    @Test
    void mavenBuildHasADependencyLayerAndAMirrorArgument() throws Exception {
        List<String> build = stage("build").instructions();
        int firstSource = indexOf(build, l -> l.startsWith("COPY ") && l.contains("/src "));
        List<String> beforeSources = build.subList(0, firstSource);
        Matcher modules = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(root.resolve("pom.xml")));
        while (modules.find()) {
            assertThat(beforeSources, hasItem("COPY " + modules.group(1) + "/pom.xml " + modules.group(1) + "/"));
        }
        List<String> maven = build.stream().filter(l -> l.startsWith("RUN mvn ")).toList();
        assertThat(maven.size(), is(2));
        assertTrue(beforeSources.contains(maven.get(0)), "the dependency run comes before the sources");
        assertThat(maven.get(1), containsString(" -o "));
        assertThat(stage("build").all("ARG"), hasItem("ARG MAVEN_MIRROR_URL="));
        String settings = "scripts/docker/maven-mirror-settings.xml";
        assertThat(build, hasItem("COPY " + settings + " /src/maven-mirror-settings.xml"));
        for (String run : maven) {
            assertThat(run, containsString("${MAVEN_MIRROR_URL:+-s /src/maven-mirror-settings.xml}"));
        }
        // Parsed as Maven parses it: a stray "--" in a comment broke it once.
        Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(root.resolve(settings).toFile());
        assertThat(xml.getElementsByTagName("mirrorOf").item(0).getTextContent(), is("*"));
        assertThat(xml.getElementsByTagName("url").item(0).getTextContent(), is("${env.MAVEN_MIRROR_URL}"));
    }

    private static int indexOf(List<String> lines, Predicate<String> p) {
        for (int i = 0; i < lines.size(); i++) {
            if (p.test(lines.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no such instruction in " + lines);
    }

    /** Every COPY source exists and passes .dockerignore; the local jar and libs pass it too. */
    @Test
    void buildContextHoldsWhatEachTargetCopies() throws Exception {
        List<String> ignored = Files.readAllLines(root.resolve(".dockerignore")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(ignored, hasItem("**/target"));
        List<String> sources = new ArrayList<>();
        for (Stage stage : stages) {
            for (String copy : stage.all("COPY")) {
                if (!copy.contains("--from=")) {
                    String[] parts = copy.split("\\s+");
                    sources.addAll(List.of(parts).subList(1, parts.length - 1));
                }
            }
        }
        for (String s : sources.stream().filter(s -> !s.contains("[")).toList()) {
            assertTrue(Files.exists(root.resolve(s)), "COPY source missing from the repository: " + s);
            assertTrue(ignored.stream().noneMatch(i -> s.equals(i) || s.startsWith(i + "/")), ".dockerignore hides " + s);
        }
        // local-jar: the directory "mvn package" fills (the pom's finalName), let through exactly.
        assertThat(stage("local-jar").one("COPY"), is("COPY server/pom.xml server/targe[t] /opt/okapi/"));
        assertThat(Files.readString(root.resolve("server/pom.xml")), containsString("<finalName>okapi-relay</finalName>"));
        assertThat(ignored, hasItem("!server/target/okapi-relay.jar"));
        assertThat(ignored, hasItem("!server/target/libs"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeKeepsPortsOnLoopbackAndAllowsForTheGracePeriod() {
        List<String> ports = ((List<Object>) relayService.get("ports")).stream().map(String::valueOf).toList();
        assertThat(ports, is(List.of("127.0.0.1:${OKAPI_PORT:-8080}:8080")));
        Map<String, Object> env = (Map<String, Object>) relayService.get("environment");
        assertThat(String.valueOf(env.get("SERVER_SOCKETS_0_PORT")), is("9090"));
        assertThat(env.containsKey("JAVA_TOOL_OPTIONS"), is(false));
        assertThat((List<String>) relayService.get("volumes"), hasItem("okapi-data:" + env.get("AUTH_DATA_DIR")));
        List<String> test = (List<String>) ((Map<String, Object>) relayService.get("healthcheck")).get("test");
        assertThat(test, hasItem(HealthProbe.class.getName()));
        assertThat(String.valueOf(env.get("OKAPI_HEALTH_URL")), is("http://127.0.0.1:9090/observe/health"));
        Map<String, Object> build = (Map<String, Object>) relayService.get("build");
        assertThat(String.valueOf(build.get("target")), is("${OKAPI_BUILD_TARGET:-relay}"));
        Map<String, Object> nofile = (Map<String, Object>) ((Map<String, Object>) relayService.get("ulimits")).get("nofile");
        assertThat(nofile, is(Map.of("soft", 16384, "hard", 16384)));
        // docker stop waits stop_grace_period before SIGKILL: the relay's grace (default) + abort + margin.
        long stop = Long.parseLong(String.valueOf(relayService.get("stop_grace_period")).replace("s", ""));
        long grace = new TestRelayConfig().shutdownGrace().toSeconds();
        assertThat(stop, greaterThanOrEqualTo(grace + 5));
    }

    /**
     * The trial makes its first tokens with the README's command (plus -T: no terminal in CI).
     * The Docker documentation may live in README.md or in docs/: both are read.
     */
    @Test
    void trialCreatesTheFirstTokenAsTheReadmeSays() throws Exception {
        StringBuilder docs = new StringBuilder(Files.readString(root.resolve("README.md")));
        if (Files.isDirectory(root.resolve("docs"))) {
            try (Stream<Path> files = Files.walk(root.resolve("docs"))) {
                for (Path md : files.filter(f -> f.toString().endsWith(".md")).toList()) {
                    docs.append(Files.readString(md));
                }
            }
        }
        String readme = docs.toString();
        String command = "java -jar /opt/okapi/okapi-relay.jar token create --path /demo --recursive --mode %s --expires 1d";
        for (String mode : List.of("write", "read")) {
            assertThat(readme, containsString("docker compose exec relay " + command.formatted(mode)));
        }
        assertThat(Files.readString(root.resolve("scripts/compose-trial.sh")),
                containsString("dc exec -T \"${2:-relay}\" " + command.formatted("\"$1\"")));
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
        private final Config relay = Config.builder().disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource().sources(ConfigSources.classpath("application.yaml")).build().get("relay");

        Duration shutdownGrace() {
            return Shutdown.grace(relay);
        }
    }
}
