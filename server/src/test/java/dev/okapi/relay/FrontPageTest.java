package dev.okapi.relay;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.okapi.relay.core.Side;

/**
 * The front page: rendered by a real browser (headless Chromium, skipped where it is not
 * installed), its examples built from the URL the browser used, and the curl examples run as
 * copied from the rendered page. Plus what must hold without a browser: plain text for curl,
 * validation and escaping of what the request and the configuration put into the page. On the
 * shared relay, but for token mode and a configured public URL, which take a relay of their own.
 */
@ExtendWith(SharedRelay.class)
class FrontPageTest {

    private static final Path CHROMIUM = Chromium.BINARY;
    private static final Path CURL = Path.of("/usr/bin/curl");
    private static final Pattern CODE_BLOCK = Pattern.compile("<pre><code>(.*?)</code></pre>", Pattern.DOTALL);

    @TempDir
    static Path profile;
    private final TestRelay relay;
    /** The shell commands a test starts, ended after it whatever its outcome. */
    private final List<Process> started = new ArrayList<>();

    FrontPageTest(TestRelay relay) {
        this.relay = relay;
    }

    @AfterEach
    void endProcesses() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private Process bash(String command) throws IOException {
        Process p = new ProcessBuilder("bash", "-c", command).start();
        started.add(p);
        return p;
    }

    /** The DOM of {@code url} after Chromium rendered it. */
    private static String renderedDom(String url) throws Exception {
        Process p = new ProcessBuilder(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + Files.createTempDirectory(profile, "chromium"), "--dump-dom", url))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 60 s");
        }
        return out.get(10, TimeUnit.SECONDS);
    }

    private static String unescape(String html) {
        return html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
                .replace("&amp;", "&");
    }

    private static List<String> commandLines(String dom) {
        List<String> lines = new ArrayList<>();
        Matcher m = CODE_BLOCK.matcher(dom);
        while (m.find()) {
            lines.addAll(List.of(unescape(m.group(1)).split("\n")));
        }
        return lines;
    }

    @Test
    void rendersInChromiumWithExamplesForThisRelay() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "chromium not installed");
        String base = "http://127.0.0.1:" + relay.port();
        String dom = renderedDom(base + "/");
        assertThat(dom, containsString("<title>Okapi relay</title>"));
        assertThat(dom, containsString("<dd id=\"version\">" + FrontPage.version() + "</dd>"));
        assertThat(FrontPage.version(), not(is("unknown"))); // the build filled it in
        assertThat(dom, containsString("<dd id=\"mode\">open: "));
        assertThat(dom, containsString("<code id=\"base\">" + base + "</code>"));

        List<String> lines = commandLines(dom);
        String consumer = lines.stream().filter(l -> l.startsWith("curl -sS --fail-with-body " + base + "/data/demo/"))
                .findFirst().orElseThrow();
        String producer = lines.stream().filter(l -> l.startsWith("echo ")).findFirst().orElseThrow();
        assertTrue(consumer.matches("curl -sS --fail-with-body http://127\\.0\\.0\\.1:[0-9]+/data/demo/[a-z0-9]{8}"), consumer);
        assertThat(producer, containsString("-T - --expect100-timeout 180 " + base + "/data/demo/"));
        assertTrue(lines.contains("export ZEBRASTREAM_CONNECT_URL=" + base + "/connect/v0"), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("curl -sS '" + base + "/connect/v0/demo/")
                && l.endsWith("?mode=await-writer'")), lines.toString());

        // The examples work as copied: run the two curl lines in a shell.
        if (Files.isExecutable(CURL)) {
            Process read = bash(consumer);
            relay.awaitWaiting(Side.CONSUMER, 1);
            Process write = bash(producer);
            assertTrue(write.waitFor(60, TimeUnit.SECONDS) && read.waitFor(60, TimeUnit.SECONDS));
            assertThat(new String(read.getInputStream().readAllBytes(), StandardCharsets.UTF_8), is("hello, stream\n"));
            assertThat(new String(write.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                    is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
        }
        // /help is the same page.
        assertThat(renderedDom(base + "/help"), containsString("<code id=\"base\">" + base + "</code>"));
    }

    /**
     * The page's own send and receive, in a real browser: one page waits to receive on a path,
     * another picks a file and sends it; the saved download has the file's SHA-256, and the
     * sender shows the relay's control lines.
     */
    @Test
    void sendsAndReceivesAFileInChromium() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "chromium not installed");
        Path dir = Files.createTempDirectory(profile, "roundtrip");
        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        Path file = dir.resolve("payload.bin");
        byte[] payload = new byte[3 * 1024 * 1024 + 17];
        new Random(14).nextBytes(payload);
        Files.write(file, payload);
        String path = TestRelay.freshPath();
        String base = "http://127.0.0.1:" + relay.port();
        try (Chromium receiver = new Chromium(dir.resolve("profile-r"), downloads);
             Chromium sender = new Chromium(dir.resolve("profile-s"), dir)) {
            receiver.open(base + "/");
            receiver.eval("document.getElementById('path').value = '" + path + "'");
            receiver.eval("document.getElementById('saveas').value = 'received.bin'");
            receiver.eval("document.getElementById('receive').click()");
            relay.awaitWaiting(Side.CONSUMER, 1);
            assertThat(receiver.evalString("document.getElementById('status').textContent"), startsWith("waiting for a writer on"));

            sender.open(base + "/help");
            sender.eval("document.getElementById('path').value = '" + path + "'");
            sender.setFile("#file", file);
            sender.eval("document.getElementById('send').click()");

            Path saved = downloads.resolve("received.bin");
            Chromium.await("the download saved", () -> receiver.sawEvent("Browser.downloadProgress",
                    p -> p.getString("state", "").equals("completed")));
            assertThat(sha256(Files.readAllBytes(saved)), is(sha256(payload)));
            assertThat(receiver.evalString("document.getElementById('status').textContent"),
                    is("received " + payload.length + " bytes from " + path + ", saved as received.bin"));
            assertThat(receiver.evalString("String(document.getElementById('progress').value)"), is(String.valueOf(payload.length)));

            Chromium.await("the sender's control lines", () -> !sender.evalString("document.getElementById('control').textContent").isEmpty());
            assertThat(sender.evalString("document.getElementById('control').textContent"),
                    is("[STATE:CONNECTED]\n[STATE:TRANSFER_SUCCESSFUL]\n"));
            assertThat(sender.evalString("document.getElementById('status').textContent"), is("sent " + payload.length + " bytes to " + path));
        }
    }

    /** In token mode the page has a token field, and a refusal is shown, not saved. */
    @Test
    void tokenModeAsksForATokenAndShowsARefusal() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "chromium not installed");
        Path dir = Files.createTempDirectory(profile, "token");
        try (TestRelay tokens = new TestRelay(Map.of("auth.mode", "token", "auth.data-dir", dir.resolve("store").toString()));
             Chromium browser = new Chromium(dir.resolve("profile"), dir)) {
            browser.open("http://127.0.0.1:" + tokens.port() + "/");
            assertThat(browser.evalString("document.getElementById('token').type"), is("password"));
            browser.eval("document.getElementById('token').value = 'not-a-token'");
            browser.eval("document.getElementById('receive').click()");
            Chromium.await("the refusal shown", () -> browser.evalString("document.getElementById('status').textContent")
                    .startsWith("not received: HTTP 401 "));
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void plainTextForClientsThatDoNotAskForHtml() throws Exception {
        HttpResponse<String> r = relay.get("/help");
        assertThat(r.statusCode(), is(200));
        assertThat(r.headers().firstValue("Content-Type").orElseThrow(), startsWith("text/plain"));
        assertThat(r.body(), startsWith("Okapi " + FrontPage.version() + ": a ZebraStream relay"));
        assertThat(r.body(), containsString("curl -sS --fail-with-body http://127.0.0.1:" + relay.port() + "/data/demo/"));
    }

    @Test
    void htmlHasNoExternalAssetsAndAStrictPolicy() throws Exception {
        HttpResponse<String> r = html("/", Map.of());
        assertThat(r.statusCode(), is(200));
        assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow(), startsWith("default-src 'none'"));
        assertThat(r.headers().firstValue("Cache-Control").orElseThrow(), is("no-store"));
        // One script, inline, allowed by its hash and by nothing else; it may talk to this relay only.
        String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
        String hash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(FrontPage.SCRIPT.getBytes(StandardCharsets.UTF_8)));
        assertThat(csp, containsString("script-src 'sha256-" + hash + "';"));
        assertThat(csp, containsString("connect-src 'self';"));
        assertThat(csp, not(containsString("unsafe-eval")));
        assertThat(r.body().split("<script", -1).length, is(2));
        assertThat(r.body(), containsString("<script>" + FrontPage.SCRIPT + "</script>"));
        assertThat(r.body(), not(containsString("src=")));
        assertThat(r.body(), not(containsString("<link")));
    }

    @Test
    void forwardedHeadersAreValidatedNotEchoed() throws Exception {
        HttpResponse<String> evil = html("/", Map.of("X-Forwarded-Host", "x\"><script>alert(1)</script>"));
        assertThat(evil.statusCode(), is(400));
        assertThat(evil.body(), is("malformed Host header\n"));
        assertThat(html("/", Map.of("X-Forwarded-Proto", "javascript")).statusCode(), is(400));
        HttpResponse<String> proxied = html("/", Map.of("X-Forwarded-Host", "relay.example.org", "X-Forwarded-Proto", "https"));
        assertThat(proxied.body(), containsString("<code id=\"base\">https://relay.example.org</code>"));
    }

    /** Helidon 4.3.0 would send a HEAD the page too, which the next answer on the connection would start with. */
    @Test
    void aHeadOfThePageIsItsHeadAlone() throws Exception {
        try (RawHttp raw = new RawHttp(relay.port())) {
            raw.head("GET", "/");
            RawHttp.Response get = raw.response();
            raw.in.readNBytes(Integer.parseInt(get.header("content-length")));
            raw.head("HEAD", "/");
            RawHttp.Response head = raw.response();
            assertThat(head.status(), is(200));
            assertThat(head.header("content-length"), is(get.header("content-length")));
            raw.head("GET", "/connect/v0" + TestRelay.freshPath() + "?mode=await-reader&timeout=0");
            assertThat(raw.response().status(), is(504)); // the next answer, not the page's body
        }
    }

    @Test
    void aConfiguredPublicUrlIsEscaped() throws Exception {
        try (TestRelay configured = new TestRelay(Map.of("relay.public-url", "https://relay.example.org/a&b'c"))) {
            HttpResponse<String> r = configured.http.send(HttpRequest.newBuilder(configured.uri("/"))
                    .header("Accept", "text/html").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.body(), containsString("https://relay.example.org/a&amp;b&#39;c/data/demo/"));
            assertThat(r.body(), not(containsString("a&b'c")));
        }
    }

    private HttpResponse<String> html(String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(relay.uri(path)).header("Accept", "text/html,*/*;q=0.8");
        headers.forEach(b::header);
        return relay.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
