package dev.okapi.conformance;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.okapi.protocol.Wire;

/** Management API calls (spec section 8) over the suite's own client. */
final class Mgmt {

    private Mgmt() {
    }

    /**
     * One call; {@code key} empty sends no Authorization; {@code form} non-null is sent
     * form-encoded.
     */
    static Ctx.Reply call(Target target, Optional<String> key, String method, String pathAndQuery,
                          Map<String, String> form) throws IOException {
        try (Conn c = Conn.open(target, Duration.ofSeconds(10))) {
            StringBuilder sb = new StringBuilder(method).append(' ').append(Wire.API_PREFIX).append(pathAndQuery)
                    .append(" HTTP/1.1\r\nHost: ").append(target.hostHeader()).append("\r\n");
            key.ifPresent(k -> sb.append("Authorization: Bearer ").append(k).append("\r\n"));
            byte[] body = form == null ? new byte[0] : Text.ascii(encode(form));
            if (form != null) {
                sb.append("Content-Type: application/x-www-form-urlencoded\r\n");
            }
            if (form != null || method.equals("POST")) {
                sb.append("Content-Length: ").append(body.length).append("\r\n");
            }
            sb.append("\r\n");
            c.send(sb.toString());
            c.send(body);
            Head h = c.readHead();
            return new Ctx.Reply(h, c.readBody(h, 1 << 20));
        }
    }

    static String encode(Map<String, String> form) {
        StringBuilder sb = new StringBuilder();
        form.forEach((k, v) -> {
            if (!sb.isEmpty()) {
                sb.append('&');
            }
            sb.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
        return sb.toString();
    }

    /** The form of a create request. */
    static Map<String, String> tokenForm(String path, String mode, boolean recursive, Instant expires) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("path", path);
        f.put("access_mode", mode);
        f.put("recursive", Boolean.toString(recursive));
        f.put("expires", Long.toString(expires.getEpochSecond()));
        return f;
    }

    /**
     * A created token.
     *
     * @param token   the secret
     * @param tokenId its id
     */
    record Token(String token, String tokenId) {
    }

    /** Creates a token or fails saying what the relay answered. */
    static Token create(Target target, String key, Map<String, String> form) throws IOException {
        Ctx.Reply r = call(target, Optional.of(key), "POST", "/accesstoken.create", form);
        Ctx.status(r, Wire.OK, "accesstoken.create");
        Map<String, Object> m = object(r, "accesstoken.create");
        Object token = m.get("token");
        Object id = m.get("token_id");
        Ctx.expect(token instanceof String && id instanceof String, "accesstoken.create answer",
                "JSON with string members token and token_id", r::describe);
        return new Token((String) token, (String) id);
    }

    static void delete(Target target, String key, String tokenId) throws IOException {
        call(target, Optional.of(key), "POST", "/accesstoken.delete", Map.of("token_id", tokenId));
    }

    /** The answer's JSON object, or a failure. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Ctx.Reply r, String what) {
        Ctx.expect(r.head().mediaType().filter(t -> t.equals("application/json")).isPresent(), what + ": Content-Type",
                "application/json", r::describe);
        Object v;
        try {
            v = Json.parse(r.text());
        } catch (RuntimeException e) {
            throw new Failure(what + ": body", "a JSON object", "not JSON (" + e.getMessage() + "): " + Text.clip(r.text(), 300));
        }
        Ctx.expect(v instanceof Map, what + ": body", "a JSON object", () -> Text.clip(r.text(), 300));
        return (Map<String, Object>) v;
    }
}
