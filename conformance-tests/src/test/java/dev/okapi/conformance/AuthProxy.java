package dev.okapi.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import dev.okapi.protocol.Wire;

/**
 * A token-mode relay for the suite's own tests, until the real one (issue 3) lands: a proxy in
 * front of our open relay that enforces spec section 7 and serves section 8 itself, written from
 * the spec alone. It lets the token and Management cases run against something, so that their
 * logic is checked now; it is not a reference implementation (no persistence, no constant time).
 */
final class AuthProxy implements AutoCloseable {

    /** A token as the Management API describes it. */
    private record Token(String id, String secret, String path, String mode, boolean recursive, long expires) {
        boolean covers(String p) {
            return p.equals(path) || recursive && p.startsWith(path.endsWith("/") ? path : path + "/");
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final ServerSocket server;
    private final int upstreamPort;
    private final String managementKey;
    private final Map<String, Token> bySecret = new ConcurrentHashMap<>();
    private final Map<String, Token> byIdem = new ConcurrentHashMap<>();
    private final AtomicLong volume = new AtomicLong();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    AuthProxy(int upstreamPort, String managementKey) throws IOException {
        this.upstreamPort = upstreamPort;
        this.managementKey = managementKey;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.submit(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Issues a token directly (what an operator's command line would do). */
    String issue(String path, String mode, boolean recursive) {
        Token t = new Token("key_" + random(12), random(24), path, mode, recursive, Instant.now().getEpochSecond() + 7200);
        bySecret.put(t.secret(), t);
        return t.secret();
    }

    private static String random(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(ALNUM.charAt(RANDOM.nextInt(ALNUM.length())));
        }
        return sb.toString();
    }

    private Void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.submit(() -> serve(client));
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    private Void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String head = readHead(in);
            if (head == null) {
                return null;
            }
            String[] lines = head.split("\r\n");
            String[] rl = lines[0].split(" ");
            String method = rl[0];
            String target = rl.length > 1 ? rl[1] : "/";
            String rawPath = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
            Map<String, String> query = form(target.contains("?") ? target.substring(target.indexOf('?') + 1) : "");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                if (c > 0) {
                    headers.putIfAbsent(lines[i].substring(0, c).strip().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).strip());
                }
            }
            String bearer = headers.getOrDefault("authorization", "");
            String token = bearer.regionMatches(true, 0, "Bearer ", 0, 7) ? bearer.substring(7).strip() : null;
            if (rawPath.startsWith(Wire.API_PREFIX + "/")) {
                management(method, rawPath.substring(Wire.API_PREFIX.length()), query, headers, token, in, out);
                return null;
            }
            if (token == null) {
                token = query.get(Wire.PARAM_ACCESS_TOKEN);
            }
            String refusal = check(method, rawPath, query, token);
            if (refusal != null) {
                out.write(refusal.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return null;
            }
            forward(head, in, out, method.equals("PUT"));
        } catch (IOException e) {
            // a side went away
        }
        return null;
    }

    /** Spec 7: null to let the request through, else the whole refusal. */
    private String check(String method, String rawPath, Map<String, String> query, String token) {
        String path;
        String need;
        if (rawPath.startsWith(Wire.DATA_PREFIX + "/")) {
            path = rawPath.substring(Wire.DATA_PREFIX.length());
            need = method.equals("PUT") ? "write" : method.equals("GET") ? "read" : null;
        } else if (rawPath.startsWith(Wire.CONNECT_PREFIX + "/")) {
            path = rawPath.substring(Wire.CONNECT_PREFIX.length());
            String mode = query.get(Wire.PARAM_MODE);
            need = !method.equals("GET") ? null : Wire.Mode.AWAIT_READER.word().equals(mode) ? "write"
                    : Wire.Mode.AWAIT_WRITER.word().equals(mode) ? "read" : null;
        } else {
            return null; // not a stream API: the relay answers (404)
        }
        if (need == null || path.length() > Wire.STREAM_PATH_MAX || !Wire.STREAM_PATH.matcher(path).matches()) {
            return null; // 400 / 405 from the relay come first (spec 10, precedence)
        }
        Token t = token == null ? null : bySecret.get(token);
        if (t == null || t.expires() <= Instant.now().getEpochSecond()) {
            return answer(401, "text/plain; charset=utf-8", "missing, unknown or expired token\n", "WWW-Authenticate: Bearer\r\n");
        }
        if (!t.mode().equals(need) || !t.covers(path)) {
            return answer(403, "text/plain; charset=utf-8", "this token does not allow this request\n", "");
        }
        return null;
    }

    private void management(String method, String endpoint, Map<String, String> query, Map<String, String> headers,
                            String token, InputStream in, OutputStream out) throws IOException {
        long length = Long.parseLong(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes((int) Math.min(length, 1 << 16));
        String reply;
        if (!managementKey.equals(token)) {
            reply = answer(401, "application/json", "{\"detail\":\"management key required\"}", "WWW-Authenticate: Bearer\r\n");
        } else {
            String ep = endpoint.contains("?") ? endpoint.substring(0, endpoint.indexOf('?')) : endpoint;
            boolean post = ep.equals("/accesstoken.create") || ep.equals("/accesstoken.delete");
            boolean get = ep.equals("/accesstoken.list") || ep.equals("/usage.show");
            if (!post && !get) {
                reply = answer(404, "application/json", "{\"detail\":\"no such endpoint\"}", "");
            } else if (post != method.equals("POST") || get != method.equals("GET")) {
                reply = answer(405, "application/json", "{\"detail\":\"method not allowed\"}", "Allow: " + (post ? "POST" : "GET") + "\r\n");
            } else {
                reply = switch (ep) {
                    case "/accesstoken.create" -> create(form(new String(body, StandardCharsets.US_ASCII)));
                    case "/accesstoken.delete" -> delete(form(new String(body, StandardCharsets.US_ASCII)));
                    case "/accesstoken.list" -> list();
                    default -> usage(query.getOrDefault("month", ""));
                };
            }
        }
        out.write(reply.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private String create(Map<String, String> f) {
        String path = f.get("path");
        String mode = f.get("access_mode");
        String rec = f.getOrDefault("recursive", "false");
        String exp = f.get("expires");
        String idem = f.get("idem_key");
        String problem = path == null || path.length() > Wire.STREAM_PATH_MAX || !Wire.STREAM_PATH.matcher(path).matches() ? "path"
                : !"read".equals(mode) && !"write".equals(mode) ? "access_mode"
                : !rec.matches("true|false|1|0") ? "recursive"
                : exp == null || !exp.matches("[0-9]{1,12}") || Long.parseLong(exp) <= Instant.now().getEpochSecond() ? "expires"
                : idem != null && idem.length() != 12 ? "idem_key" : null;
        if (problem != null) {
            return answer(422, "application/json", "{\"detail\":\"invalid " + problem + "\"}", "");
        }
        if (idem != null && byIdem.containsKey(idem)) {
            return created(byIdem.get(idem));
        }
        Token t = new Token("key_" + random(12), random(24), path, mode, rec.equals("true") || rec.equals("1"), Long.parseLong(exp));
        bySecret.put(t.secret(), t);
        if (idem != null) {
            byIdem.put(idem, t);
        }
        return created(t);
    }

    private static String created(Token t) {
        return answer(200, "application/json", "{\"path\":" + Json.quote(t.path()) + ",\"token\":" + Json.quote(t.secret())
                + ",\"token_id\":" + Json.quote(t.id()) + "}", "");
    }

    private String delete(Map<String, String> f) {
        String id = f.get("token_id");
        boolean removed = bySecret.values().removeIf(t -> t.id().equals(id));
        byIdem.values().removeIf(t -> t.id().equals(id));
        return removed ? answer(200, "application/json", "{\"token_id\":" + Json.quote(id) + "}", "")
                : answer(422, "application/json", "{\"detail\":\"unknown token_id\"}", "");
    }

    private String list() {
        StringBuilder sb = new StringBuilder("{\"tokens\":[");
        String sep = "";
        for (Token t : bySecret.values()) {
            sb.append(sep).append("{\"token_id\":").append(Json.quote(t.id())).append(",\"path\":").append(Json.quote(t.path()))
                    .append(",\"access_mode\":").append(Json.quote(t.mode())).append(",\"recursive\":").append(t.recursive())
                    .append(",\"expires\":").append(t.expires()).append('}');
            sep = ",";
        }
        return answer(200, "application/json", sb.append("]}").toString(), "");
    }

    private String usage(String month) {
        if (!month.matches("[0-9]{4}-(0[1-9]|1[0-2])")) {
            return answer(422, "application/json", "{\"detail\":\"month must be YYYY-MM\"}", "");
        }
        return answer(200, "application/json", "{\"month\":" + Json.quote(month) + ",\"volume_bytes\":" + volume.get() + "}", "");
    }

    private static String answer(int status, String type, String body, String extra) {
        return "HTTP/1.1 " + status + " X\r\nContent-Type: " + type + "\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n" + extra + "Connection: close\r\n\r\n" + body;
    }

    /** Passes an authorised request to the relay, both ways, counting a producer's bytes as usage. */
    private void forward(String head, InputStream cin, OutputStream cout, boolean producer) throws IOException {
        try (Socket up = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            up.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            up.getOutputStream().flush();
            threads.submit(() -> {
                byte[] buf = new byte[65536];
                try {
                    for (int n; (n = cin.read(buf)) >= 0; ) {
                        up.getOutputStream().write(buf, 0, n);
                        up.getOutputStream().flush();
                        if (producer) {
                            volume.addAndGet(n);
                        }
                    }
                    up.shutdownOutput();
                } catch (IOException e) {
                    try {
                        up.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
                return null;
            });
            InputStream uin = up.getInputStream();
            byte[] buf = new byte[65536];
            for (int n; (n = uin.read(buf)) >= 0; ) {
                cout.write(buf, 0, n);
                cout.flush();
            }
        }
    }

    private static Map<String, String> form(String s) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : s.split("&")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            try {
                m.putIfAbsent(URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                m.putIfAbsent(kv, "");
            }
        }
        return m;
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : c == '\r' ? 1 : 0;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
