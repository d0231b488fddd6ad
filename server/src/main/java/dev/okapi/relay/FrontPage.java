package dev.okapi.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.Answers;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /} and {@code GET /help}: what this relay is, its version and access mode, and
 * copy-paste examples built from the base URL the visitor used (see {@link PublicUrl}).
 *
 * <p>One page, two renderings: HTML for browsers, plain text for everything that does not ask for
 * HTML (curl). The HTML also sends and receives a file from the browser: one inline script,
 * {@code frontpage.js}, the same on every view and allowed by its hash, talks only to this relay's
 * Data API; a strict Content-Security-Policy says so to the browser (no external asset, no other
 * script). Everything that comes from the request is validated by {@link PublicUrl} and escaped
 * anyway, since the page is where a Host header would be injected.
 */
final class FrontPage implements HttpService {

    /** Characters of the random example path: a fresh one per view, so two visitors never collide. */
    private static final String PATH_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";
    /** The page's only script: static, so that one hash in the policy allows it and nothing else. */
    static final String SCRIPT = resource("/frontpage.js");
    static final String CSP = "default-src 'none'; script-src 'sha256-" + sha256(SCRIPT) + "'; connect-src 'self'; "
            + "style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final PublicUrl publicUrl;
    private final BooleanSupplier tokenMode;
    private final String version;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param publicUrl the base URL of the examples
     * @param tokenMode whether the relay requires tokens now (access control decides; asked per view)
     */
    FrontPage(PublicUrl publicUrl, BooleanSupplier tokenMode) {
        this.publicUrl = Objects.requireNonNull(publicUrl, "publicUrl required");
        this.tokenMode = Objects.requireNonNull(tokenMode, "tokenMode required");
        this.version = version();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::show).get("/help", this::show).head("/", this::show).head("/help", this::show);
    }

    private void show(ServerRequest req, ServerResponse res) {
        Page page = new Page(publicUrl.of(req), version, tokenMode.getAsBoolean(), "/demo/" + randomName());
        boolean html = req.headers().acceptedTypes().stream().anyMatch(t -> t.mediaType().text().equals("text/html"));
        res.header(HeaderNames.CACHE_CONTROL, "no-store")
                .header("X-Content-Type-Options", "nosniff");
        if (html) {
            res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                    .header("Content-Security-Policy", CSP)
                    .header("Referrer-Policy", "no-referrer");
        } else {
            res.header(HeaderNames.CONTENT_TYPE, Wire.TEXT_PLAIN);
        }
        Answers.send(req, res, (html ? page.html() : page.text()).getBytes(StandardCharsets.UTF_8));
    }

    private String randomName() {
        StringBuilder sb = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            sb.append(PATH_CHARS.charAt(random.nextInt(PATH_CHARS.length())));
        }
        return sb.toString();
    }

    private static String resource(String name) {
        try (InputStream in = FrontPage.class.getResourceAsStream(name)) {
            return new String(Objects.requireNonNull(in, name + " missing from the jar").readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(String text) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** The build's version ({@code okapi-version.properties}, filtered by Maven), or "unknown". */
    static String version() {
        try (InputStream in = FrontPage.class.getResourceAsStream("/okapi-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** What the page says, rendered as HTML or as text. */
    record Page(String base, String version, boolean tokenMode, String path) {

        /** One example: what it does and the command lines. */
        record Example(String title, List<String> lines) {
        }

        List<Example> curl() {
            String auth = tokenMode ? " -H \"Authorization: Bearer $READ_TOKEN\"" : "";
            String authW = tokenMode ? " -H \"Authorization: Bearer $WRITE_TOKEN\"" : "";
            String data = base + Wire.DATA_PREFIX + path;
            return List.of(
                    new Example("Terminal 1, the consumer: waits silently for its producer, then prints the stream",
                            List.of("curl -sS --fail-with-body" + auth + " " + data)),
                    new Example("Terminal 2, the producer: streams its input; its response is the control channel",
                            List.of("echo 'hello, stream' | curl -sS" + authW + " -T - --expect100-timeout 180 " + data)),
                    new Example("A file, either side first",
                            List.of("curl -sS" + authW + " -T backup.tar.gz --expect100-timeout 180 " + data,
                                    "curl -sS --fail-with-body" + auth + " -o backup.tar.gz " + data)));
        }

        List<Example> cli() {
            String connect = base + Wire.CONNECT_PREFIX;
            String token = tokenMode ? " ZEBRASTREAM_ACCESS_TOKEN=…" : "";
            return List.of(
                    new Example("The zebrastream CLI (client/ in the Okapi sources) or the Python zebrastream-io CLI",
                            List.of("export ZEBRASTREAM_CONNECT_URL=" + connect + token,
                                    "tail -f app.log | zebrastream write -s " + path,
                                    "zebrastream read -s " + path + " | grep ERROR")),
                    new Example("The Connect API: wait until the peer is there, get the Data URL",
                            List.of("curl -sS" + (tokenMode ? " -H \"Authorization: Bearer $READ_TOKEN\"" : "")
                                    + " '" + connect + path + "?mode=" + Wire.Mode.AWAIT_WRITER.word() + "'")));
        }

        String modeText() {
            return tokenMode
                    ? "token: every stream request needs a bearer token for its path (read or write)"
                    : "open: every request is served, no token needed";
        }

        String text() {
            StringBuilder sb = new StringBuilder();
            sb.append("Okapi ").append(version).append(": a ZebraStream relay, UNIX pipes over HTTP.\n")
                    .append("A producer PUTs a byte stream to /data{path}, a consumer GETs it; the relay pairs them.\n")
                    .append("Nothing is stored. Base URL: ").append(base).append('\n')
                    .append("Mode: ").append(modeText()).append("\n")
                    .append("curl shows nothing while it waits for its peer; --fail-with-body turns a refusal into exit code 22.\n\n");
            for (Example e : concat(curl(), cli())) {
                sb.append("# ").append(e.title()).append('\n');
                e.lines().forEach(l -> sb.append(l).append('\n'));
                sb.append('\n');
            }
            return sb.toString();
        }

        String html() {
            StringBuilder sb = new StringBuilder(4096);
            sb.append("""
                    <!DOCTYPE html>
                    <html lang="en">
                    <head>
                    <meta charset="utf-8">
                    <meta name="viewport" content="width=device-width, initial-scale=1">
                    <title>Okapi relay</title>
                    <style>
                    body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#1d2127;background:#fff}
                    h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde1e6;padding-bottom:.2rem}
                    .lead{color:#4a525c;margin-top:0}
                    dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}dd{margin:0}
                    pre{background:#f4f6f8;border:1px solid #dde1e6;border-radius:6px;padding:.7rem .9rem;overflow-x:auto;font-size:.9rem}
                    code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace}
                    .example p{margin:.9rem 0 .3rem}
                    .xfer label{display:block;margin:.5rem 0}.xfer input:not([type=file]){font:inherit;width:22rem;max-width:100%}
                    .xfer progress{width:22rem;max-width:100%}#control:empty{display:none}
                    footer{margin-top:2.5rem;color:#6a737d;font-size:.85rem}
                    </style>
                    </head>
                    <body>
                    <h1>Okapi relay</h1>
                    <p class="lead">A ZebraStream relay: UNIX pipes over HTTP. A producer streams bytes with
                    <code>PUT /data{path}</code>, a consumer reads them with <code>GET /data{path}</code>, and the relay
                    pairs the two. Nothing is stored; a slow reader slows the writer.</p>
                    <dl>
                    """);
            sb.append("<dt>Version</dt><dd id=\"version\">").append(esc(version)).append("</dd>\n")
                    .append("<dt>Mode</dt><dd id=\"mode\">").append(esc(modeText())).append("</dd>\n")
                    .append("<dt>Base URL</dt><dd><code id=\"base\">").append(esc(base)).append("</code></dd>\n")
                    .append("</dl>\n");
            browser(sb);
            sb.append("<h2>With curl</h2>\n<p>curl shows nothing while it waits for its peer; <code>--fail-with-body</code> makes a ")
                    .append("refusal (<code>401</code>, <code>409</code>, <code>504</code> …) an error, exit code 22, instead of data.</p>\n");
            examples(sb, curl());
            sb.append("<h2>With a client</h2>\n");
            examples(sb, cli());
            sb.append("<footer>The stream path above is random, made for you on this view; any path of ")
                    .append("<code>a-z 0-9 . _ -</code> segments works. Status codes and control lines: the ZebraStream ")
                    .append("protocol specification in the Okapi sources.</footer>\n</body>\n</html>\n");
            return sb.toString();
        }

        /** Send and receive a file from this page; {@link #SCRIPT} does the work. */
        private void browser(StringBuilder sb) {
            sb.append("<h2>Send and receive in this browser</h2>\n")
                    .append("<p>One side here, the other in another browser, curl or a client: whoever comes first waits.</p>\n")
                    .append("<div class=\"xfer\">\n<label>Stream path <input id=\"path\" spellcheck=\"false\" value=\"")
                    .append(esc(path)).append("\"></label>\n");
            if (tokenMode) {
                sb.append("<label>Token <input id=\"token\" type=\"password\" autocomplete=\"off\" ")
                        .append("placeholder=\"write token to send, read token to receive\"></label>\n");
            }
            sb.append("<label>File <input id=\"file\" type=\"file\"></label> <button id=\"send\" type=\"button\">Send</button>\n")
                    .append("<label>Save as <input id=\"saveas\" placeholder=\"the sender's file name\"></label> ")
                    .append("<button id=\"receive\" type=\"button\">Receive and save</button>\n")
                    .append("<div><progress id=\"progress\" max=\"1\" value=\"0\"></progress> <span id=\"status\"></span></div>\n")
                    .append("<pre id=\"control\"></pre>\n</div>\n<script>").append(SCRIPT).append("</script>\n");
        }

        private static void examples(StringBuilder sb, List<Example> examples) {
            for (Example e : examples) {
                sb.append("<div class=\"example\"><p>").append(esc(e.title())).append("</p><pre><code>");
                sb.append(esc(String.join("\n", e.lines())));
                sb.append("</code></pre></div>\n");
            }
        }

        private static List<Example> concat(List<Example> a, List<Example> b) {
            return Stream.concat(a.stream(), b.stream()).toList();
        }
    }

    /** HTML-escapes text for element content and double- or single-quoted attributes. */
    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
