package dev.okapi.conformance;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cluster started by {@code scripts/cluster.sh} (PostgreSQL, relay nodes, a balancer), for the
 * cluster tests: the script is what operators and the README use, so the tests run it as is.
 */
final class Cluster implements AutoCloseable {

    static final Path SCRIPT = Path.of(System.getProperty("okapi.repo", "..")).resolve("scripts/cluster.sh").toAbsolutePath();
    private static final Pattern NODE = Pattern.compile("node (\\d+) (\\d+) (\\d+)");

    final Path dir;
    final String balancer;
    final int port;
    final String key;
    /** Each node's loopback port, by node number - 1. */
    final List<Integer> nodePorts = new ArrayList<>();
    private boolean closed;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Cluster(Path dir, String balancer, int port, String key) {
        this.dir = dir;
        this.balancer = balancer;
        this.port = port;
        this.key = key;
    }

    /** {@code cluster.sh up}; on failure the cluster is taken down again and the script's output is the message. */
    static Cluster up(Path dir, String balancer, int nodes, String key, String nodeOpts) throws IOException, InterruptedException {
        int port = freePort();
        Cluster c = new Cluster(dir, balancer, port, key);
        String out = c.script(Map.of("OKAPI_NODE_OPTS", nodeOpts), "up", "--nodes", Integer.toString(nodes), "--port",
                Integer.toString(port), "--management-key", key, "--dir", dir.toString(), "--balancer", balancer);
        Matcher m = NODE.matcher(out);
        while (m.find()) {
            c.nodePorts.add(Integer.parseInt(m.group(3)));
        }
        if (c.nodePorts.size() != nodes) {
            c.close();
            throw new IllegalStateException("cluster.sh up printed " + c.nodePorts.size() + " nodes:\n" + out);
        }
        // A test run stopped from outside (Ctrl-C, a CI timeout's SIGTERM) skips @AfterAll: the
        // cluster's processes are daemons, so they would outlive it. Only SIGKILL still leaves them.
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            try {
                c.close();
            } catch (IOException | RuntimeException | InterruptedException e) {
                System.err.println("cluster.sh down --dir " + dir + ": " + e.getMessage());
            }
        }));
        return c;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    String nodeUrl(int node) {
        return "http://127.0.0.1:" + nodePorts.get(node - 1);
    }

    void killNode(int node) throws IOException, InterruptedException {
        script(Map.of(), "kill-node", "--dir", dir.toString(), Integer.toString(node));
    }

    /** {@code cluster.sh start-node}: a killed node again, on its port, with the same options. */
    void startNode(int node, String nodeOpts) throws IOException, InterruptedException {
        script(Map.of("OKAPI_NODE_OPTS", nodeOpts), "start-node", "--dir", dir.toString(), Integer.toString(node));
    }

    /** Stops the cluster's PostgreSQL at once (SIGINT: its fast shutdown), as an outage would. */
    void stopDatabase() throws IOException, InterruptedException {
        String pid = Files.readString(dir.resolve("pg.pid")).strip();
        Process kill = new ProcessBuilder("kill", "-INT", pid).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -INT " + pid + " failed");
        }
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(h -> h.onExit().join());
    }

    /** A GET on one node: status and body. */
    HttpResponse<String> get(int node, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(nodeUrl(node) + path)).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The operator's {@code token …} command line against the cluster's PostgreSQL, as an operator
     * runs it on any machine that reaches the database: what it printed, and its exit code.
     */
    String[] tokenCli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx96m",
                "-Dauth.store=postgresql", "-Dauth.jdbc-user=okapi",
                "-Dauth.jdbc-url=jdbc:postgresql://127.0.0.1:" + Files.readString(dir.resolve("pg.port")).strip() + "/okapi",
                "-jar", Path.of(System.getProperty("okapi.relayJar", "../server/target/okapi-relay.jar")).toAbsolutePath().toString(),
                "token"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new String[] {out, Integer.toString(p.waitFor())};
    }

    String nodeLog(int node) throws IOException {
        return Files.readString(dir.resolve("node-" + node + ".log"));
    }

    /** HAProxy's view of its servers ({@code show servers state}): server name and operational state (2 = up). */
    String haproxyState() throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(dir.resolve("haproxy.sock")));
            ch.write(ByteBuffer.wrap("show servers state relays\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            while (ch.read(buf) >= 0 && buf.hasRemaining()) {
                // to the end: HAProxy closes after one command
            }
            return new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
        }
    }

    /** A token made through one node's Management API: the secret. */
    String createToken(int node, String path, String mode, boolean recursive) throws IOException, InterruptedException {
        String form = "path=" + path + "&access_mode=" + mode + "&recursive=" + recursive + "&expires="
                + (System.currentTimeMillis() / 1000 + 3600);
        HttpResponse<String> r = mgmt(node, "/accesstoken.create", HttpRequest.BodyPublishers.ofString(form));
        if (r.statusCode() != 200) {
            throw new IllegalStateException("token create through node " + node + ": " + r.statusCode() + " " + r.body());
        }
        return field(r.body(), "token");
    }

    /** A Management API request through one node: GET without a form, POST with one. */
    HttpResponse<String> mgmt(int node, String endpoint, HttpRequest.BodyPublisher form) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(nodeUrl(node) + "/api/v0" + endpoint))
                .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(20));
        b = form == null ? b.GET() : b.header("Content-Type", "application/x-www-form-urlencoded").POST(form);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A string field of a flat JSON object. */
    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return m.group(1);
    }

    /** The status of a consumer's GET with {@code token} on one node: 403 proves the token known (wrong mode). */
    int consumerStatus(String base, String path, String token) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/data" + path))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(20)).GET().build();
        return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The status of a producer's PUT of one byte through the balancer (504: no consumer within the wait limit). */
    int producerStatus(String path, String token) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url() + "/data" + path))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(20))
                .PUT(HttpRequest.BodyPublishers.ofString("x")).build();
        return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** {@code cluster.sh down}, once (the test's @AfterAll and the shutdown hook both call it). */
    @Override
    public synchronized void close() throws IOException, InterruptedException {
        if (!closed) {
            closed = true;
            script(Map.of(), "down", "--dir", dir.toString());
        }
    }

    private String script(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().put("JAVA", ProcessHandle.current().info().command().orElse("java"));
        pb.environment().put("OKAPI_RELAY_JAR", Path.of(System.getProperty("okapi.relayJar", "../server/target/okapi-relay.jar"))
                .toAbsolutePath().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            StringBuilder logs = new StringBuilder();
            try (var files = Files.list(dir)) {
                for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList()) {
                    List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                    logs.append("\n--- ").append(f.getFileName()).append(" (end)\n")
                            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
                }
            }
            throw new IllegalStateException("cluster.sh " + String.join(" ", args) + " failed:\n" + out + logs);
        }
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static boolean installed(String... commands) {
        for (String c : commands) {
            boolean found = Files.isExecutable(Path.of("/usr/sbin", c)) || Files.isExecutable(Path.of("/usr/bin", c));
            if (!found) {
                return false;
            }
        }
        return true;
    }

    static boolean postgresInstalled() throws IOException {
        Path lib = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(lib)) {
            return false;
        }
        try (var versions = Files.list(lib)) {
            return versions.anyMatch(v -> Files.isExecutable(v.resolve("bin/initdb")));
        }
    }

    @Override
    public String toString() {
        return balancer + " cluster in " + Objects.toString(dir);
    }
}
