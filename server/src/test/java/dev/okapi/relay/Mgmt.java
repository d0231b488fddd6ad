package dev.okapi.relay;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/** A token-mode test relay (management key, private data directory) and Management API calls to it. */
final class Mgmt {

    static final String KEY = "test-management-key-0123456789";

    final TestRelay relay;

    private Mgmt(TestRelay relay) {
        this.relay = relay;
    }

    /** A relay in token mode with the test key, its token store in {@code dataDir}. */
    static Mgmt start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    static Mgmt start(Path dataDir, Map<String, String> more) {
        Map<String, String> settings = new LinkedHashMap<>(Map.of("auth.management-key", KEY, "auth.data-dir", dataDir.toString()));
        settings.putAll(more);
        return new Mgmt(new TestRelay(settings));
    }

    /**
     * A created token.
     *
     * @param token the secret
     * @param id    its id
     */
    record Created(String token, String id) {
    }

    HttpResponse<String> post(String endpoint, Map<String, String> form, Optional<String> key) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(relay.uri("/api/v0" + endpoint))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(form)));
        key.ifPresent(k -> b.header("Authorization", "Bearer " + k));
        return relay.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String endpointAndQuery, Optional<String> key) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(relay.uri("/api/v0" + endpointAndQuery));
        key.ifPresent(k -> b.header("Authorization", "Bearer " + k));
        return relay.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Map<String, String> tokenForm(String path, String mode, boolean recursive, long expires) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("path", path);
        f.put("access_mode", mode);
        f.put("recursive", Boolean.toString(recursive));
        f.put("expires", Long.toString(expires));
        return f;
    }

    static long inAnHour() {
        return Instant.now().getEpochSecond() + 3600;
    }

    Created create(Map<String, String> form) throws IOException, InterruptedException {
        HttpResponse<String> r = post("/accesstoken.create", form, Optional.of(KEY));
        assertThat(r.body(), r.statusCode(), is(200));
        return new Created(string(r.body(), "token"), string(r.body(), "token_id"));
    }

    Created create(String path, String mode, boolean recursive) throws IOException, InterruptedException {
        return create(tokenForm(path, mode, recursive, inAnHour()));
    }

    void delete(String tokenId) throws IOException, InterruptedException {
        HttpResponse<String> r = post("/accesstoken.delete", Map.of("token_id", tokenId), Optional.of(KEY));
        assertThat(r.body(), r.statusCode(), is(200));
    }

    /** A string member of a flat JSON object. */
    static String string(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no string " + name + " in " + json);
        }
        return m.group(1);
    }

    /** A number member of a flat JSON object. */
    static long number(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":([0-9]+)").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no number " + name + " in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    static String form(Map<String, String> form) {
        StringBuilder sb = new StringBuilder();
        form.forEach((k, v) -> {
            if (!sb.isEmpty()) {
                sb.append('&');
            }
            sb.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
        return sb.toString();
    }
}
