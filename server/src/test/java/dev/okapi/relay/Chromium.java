package dev.okapi.relay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * A headless Chromium driven over the DevTools protocol (a WebSocket; no driver to install), for
 * what {@code --dump-dom} cannot do: picking a file, clicking, saving a download. One page, attached
 * as a flat session of the browser's connection.
 */
final class Chromium implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
    private final List<JsonObject> events = new CopyOnWriteArrayList<>();
    private String session;

    /** Starts Chromium with a fresh profile in {@code profile}; downloads go to {@code downloads}. */
    Chromium(Path profile, Path downloads) throws Exception {
        process = new ProcessBuilder(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        url.complete(m.group(1));
                    }
                }
            } catch (IOException e) {
                // chromium ended
            }
            url.completeExceptionally(new AssertionError("chromium ended without a DevTools address"));
        });
        socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create(url.get(60, TimeUnit.SECONDS)), new Listener()).get(30, TimeUnit.SECONDS);
        send("Browser.setDownloadBehavior", Json.createObjectBuilder().add("behavior", "allow")
                .add("downloadPath", downloads.toString()).add("eventsEnabled", true));
    }

    /** Opens {@code url} in a new page and makes it the page that {@link #eval} and {@link #setFile} act on. */
    void open(String url) throws Exception {
        String target = send("Target.createTarget", Json.createObjectBuilder().add("url", url)).getString("targetId");
        session = send("Target.attachToTarget", Json.createObjectBuilder().add("targetId", target).add("flatten", true))
                .getString("sessionId");
        // A new page is about:blank, complete, until the navigation commits: wait for the URL too.
        await("the page loaded", () -> evalString("location.href + ' ' + document.readyState").equals(url + " complete"));
    }

    /** The value of a JavaScript expression on the page (awaited if it is a promise). */
    JsonValue eval(String expression) throws Exception {
        JsonObject r = send("Runtime.evaluate", Json.createObjectBuilder().add("expression", expression)
                .add("returnByValue", true).add("awaitPromise", true));
        if (r.containsKey("exceptionDetails")) {
            throw new AssertionError(expression + " threw: " + r.get("exceptionDetails"));
        }
        return r.getJsonObject("result").getOrDefault("value", JsonValue.NULL);
    }

    String evalString(String expression) throws Exception {
        JsonValue v = eval(expression);
        return v instanceof JsonString s ? s.getString() : String.valueOf(v);
    }

    /** Puts a file into an {@code <input type=file>}, as the file picker would. */
    void setFile(String selector, Path file) throws Exception {
        int root = send("DOM.getDocument", Json.createObjectBuilder()).getJsonObject("root").getInt("nodeId");
        int node = send("DOM.querySelector", Json.createObjectBuilder().add("nodeId", root).add("selector", selector)).getInt("nodeId");
        send("DOM.setFileInputFiles", Json.createObjectBuilder().add("nodeId", node)
                .add("files", Json.createArrayBuilder().add(file.toString())));
    }

    /** Whether the browser reported an event of this method that matches. */
    boolean sawEvent(String method, Predicate<JsonObject> params) {
        return events.stream().anyMatch(e -> method.equals(e.getString("method", "")) && params.test(e.getJsonObject("params")));
    }

    /** Polls a condition, bounded so that a broken page fails the test instead of hanging it. */
    static void await(String what, Check condition) throws Exception {
        Instant end = Instant.now().plus(Duration.ofSeconds(60));
        while (!condition.holds()) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.sleep(50); // polling a browser's state: there is no signal to wait on
        }
    }

    /** A condition that may throw. */
    interface Check {
        boolean holds() throws Exception;
    }

    private JsonObject send(String method, JsonObjectBuilder params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonObject> answer = new CompletableFuture<>();
        pending.put(id, answer);
        JsonObjectBuilder message = Json.createObjectBuilder().add("id", id).add("method", method).add("params", params);
        if (session != null && !method.startsWith("Browser.") && !method.startsWith("Target.")) {
            message.add("sessionId", session);
        }
        socket.sendText(message.build().toString(), true).get(30, TimeUnit.SECONDS);
        JsonObject reply = answer.get(60, TimeUnit.SECONDS);
        if (reply.containsKey("error")) {
            throw new AssertionError(method + ": " + reply.get("error"));
        }
        return reply.getJsonObject("result");
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                JsonObject message = Json.createReader(new StringReader(text.toString())).readObject();
                text.setLength(0);
                if (message.containsKey("id")) {
                    CompletableFuture<JsonObject> waiting = pending.remove(message.getInt("id"));
                    if (waiting != null) {
                        waiting.complete(message);
                    }
                } else {
                    events.add(message);
                }
            }
            ws.request(1);
            return null;
        }
    }

    @Override
    public void close() throws Exception {
        socket.abort();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
