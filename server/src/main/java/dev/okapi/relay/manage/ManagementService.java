package dev.okapi.relay.manage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.access.AccessControl;
import dev.okapi.relay.access.InvalidRequestException;
import dev.okapi.relay.access.Token;
import dev.okapi.relay.access.TokenService;
import dev.okapi.relay.access.TokenStoreException;
import dev.okapi.relay.access.UsageMeter;
import dev.okapi.relay.http.Answers;
import dev.okapi.relay.http.Target;

import jakarta.json.Json;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.common.parameters.Parameters;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.HttpMediaType;
import io.helidon.http.WritableHeaders;
import io.helidon.http.media.FormParamsSupport;
import io.helidon.http.media.MediaSupport;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The Management API (spec section 8), served only when a management key is configured:
 * {@code POST /api/v0/accesstoken.create|accesstoken.delete}, {@code GET /api/v0/accesstoken.list},
 * {@code GET /api/v0/usage.show?month=YYYY-MM}. Every answer is JSON; errors are
 * {@code {"detail": "…"}}. Order of checks: unknown endpoint {@code 404}, wrong method {@code 405},
 * no or wrong key {@code 401} (before the body is read), then validation {@code 422}.
 */
public final class ManagementService implements HttpService {

    private static final Logger LOG = Logger.getLogger(ManagementService.class.getName());
    /** Forms are four short fields; anything longer is not one. */
    private static final int MAX_FORM_BYTES = 16 * 1024;
    private static final MediaSupport FORMS = FormParamsSupport.create();
    /** The form's media type as Helidon's reader needs it; the content type was checked by then. */
    private static final Headers FORM_HEADERS = WritableHeaders.create()
            .contentType(HttpMediaType.create(MediaTypes.APPLICATION_FORM_URLENCODED).withCharset("UTF-8"));
    private static final Map<String, Method> ENDPOINTS = Map.of(
            Wire.MGMT_CREATE, Method.POST,
            Wire.MGMT_DELETE, Method.POST,
            Wire.MGMT_LIST, Method.GET,
            Wire.MGMT_USAGE, Method.GET);

    private final TokenService tokens;
    private final AccessControl access;
    private final UsageMeter usage;

    public ManagementService(TokenService tokens, AccessControl access, UsageMeter usage) {
        this.tokens = Objects.requireNonNull(tokens, "tokens required");
        this.access = Objects.requireNonNull(access, "access required");
        this.usage = Objects.requireNonNull(usage, "usage required");
    }

    @Override
    public void routing(HttpRules rules) {
        rules.any(this::handle);
    }

    @Override
    public void afterStop() {
        usage.close(); // the last second of usage reaches the store
    }

    private void handle(ServerRequest req, ServerResponse res) {
        String endpoint = Target.rawPath(req).substring(Wire.API_PREFIX.length());
        Method method = ENDPOINTS.get(endpoint);
        if (method == null) {
            answer(req, res, Wire.NOT_FOUND, detail("no such Management API endpoint"));
            return;
        }
        if (!req.prologue().method().equals(method)) {
            res.header(HeaderNames.ALLOW, method.text());
            answer(req, res, Wire.METHOD_NOT_ALLOWED, detail(endpoint.substring(1) + " takes " + method.text() + " only"));
            return;
        }
        var refused = access.refuseManagement(req, res);
        if (refused.isPresent()) {
            answer(req, res, Wire.UNAUTHORIZED, detail(refused.get()));
            return;
        }
        try {
            answer(req, res, Wire.OK, switch (endpoint) {
                case Wire.MGMT_CREATE -> create(form(req));
                case Wire.MGMT_DELETE -> delete(form(req));
                case Wire.MGMT_LIST -> list();
                default -> usage(req);
            });
        } catch (InvalidRequestException e) {
            if (!req.content().consumed()) { // a body left unread (too long, or not a form) is not skipped
                res.header(HeaderValues.CONNECTION_CLOSE);
            }
            answer(req, res, e.status(), detail(e.getMessage()));
        } catch (TokenStoreException e) {
            LOG.log(Level.SEVERE, "Management API: " + e.getMessage());
            answer(req, res, Wire.UNAVAILABLE, detail("token store unavailable; see the relay's log"));
        }
    }

    private String create(Map<String, String> form) {
        TokenService.Created c = tokens.create(form);
        Token t = c.token();
        LOG.info(() -> "token created or replayed: id=" + t.id() + " access=" + t.access().word() + " path=" + t.path()
                + " recursive=" + t.recursive() + " expires=" + t.expires());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(Wire.FIELD_PATH, t.path());
        m.put(Wire.FIELD_TOKEN, c.secret());
        m.put(Wire.FIELD_TOKEN_ID, t.id());
        return json(m);
    }

    private String delete(Map<String, String> form) {
        String id = form.get(Wire.FIELD_TOKEN_ID);
        tokens.delete(id);
        LOG.info(() -> "token revoked: id=" + id);
        return json(Map.of(Wire.FIELD_TOKEN_ID, id));
    }

    private String list() {
        List<Map<String, Object>> items = tokens.list().stream().map(ManagementService::listed).toList();
        return json(Map.of(Wire.FIELD_TOKENS, items));
    }

    private String usage(ServerRequest req) {
        List<String> months = req.query().all(Wire.FIELD_MONTH, List::of);
        if (months.size() > 1) {
            throw twice(Wire.FIELD_MONTH); // as in a form: which one was meant is not ours to guess
        }
        String month = months.isEmpty() ? null : months.getFirst();
        long bytes = tokens.usage(month);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(Wire.FIELD_MONTH, month);
        m.put(Wire.FIELD_VOLUME_BYTES, bytes);
        return json(m);
    }

    /** A token as {@code accesstoken.list} shows it: never its secret or hash. */
    static Map<String, Object> listed(Token t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(Wire.FIELD_TOKEN_ID, t.id());
        m.put(Wire.FIELD_PATH, t.path());
        m.put(Wire.FIELD_ACCESS_MODE, t.access().word());
        m.put(Wire.FIELD_RECURSIVE, t.recursive());
        m.put(Wire.FIELD_EXPIRES, t.expires());
        return m;
    }

    /**
     * The request's form fields ({@code application/x-www-form-urlencoded}), parsed by Helidon's own
     * form support after a bounded read (Helidon's reader would read a body of any length). A part
     * without {@code =} is no field (Helidon skips it); every field this API reads has a value.
     */
    private static Map<String, String> form(ServerRequest req) {
        String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse(Wire.FORM_URLENCODED);
        if (!type.split(";")[0].strip().toLowerCase(Locale.ROOT).equals(Wire.FORM_URLENCODED)) {
            throw unprocessable("the form must be " + Wire.FORM_URLENCODED);
        }
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            body = in.readNBytes(MAX_FORM_BYTES + 1);
        } catch (IOException | RuntimeException e) {
            throw unprocessable("the form could not be read");
        }
        if (body.length > MAX_FORM_BYTES) {
            throw unprocessable("the form is longer than " + MAX_FORM_BYTES + " bytes");
        }
        Parameters params;
        try {
            params = FORMS.reader(Parameters.GENERIC_TYPE, FORM_HEADERS).supplier().get()
                    .read(Parameters.GENERIC_TYPE, new ByteArrayInputStream(body), FORM_HEADERS);
        } catch (IllegalArgumentException e) {
            throw unprocessable("malformed percent-encoding in the form");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String name : params.names()) {
            List<String> values = params.all(name);
            if (values.size() > 1) {
                throw twice(name);
            }
            fields.put(name, values.isEmpty() ? "" : values.getFirst()); // Helidon keeps no value for "name="
        }
        return fields;
    }

    /** A JSON object of strings, booleans, integers, lists and maps, in the map's order, compact. */
    static String json(Map<String, ?> members) {
        return Json.createObjectBuilder(members).build().toString();
    }

    private static InvalidRequestException unprocessable(String detail) {
        return new InvalidRequestException(Wire.UNPROCESSABLE, detail);
    }

    private static InvalidRequestException twice(String field) {
        return unprocessable("field " + Json.createValue(field) + " given twice");
    }

    private static String detail(String text) {
        return json(Map.of(Wire.FIELD_DETAIL, text));
    }

    private static void answer(ServerRequest req, ServerResponse res, int status, String json) {
        res.status(status)
                .header(HeaderNames.CONTENT_TYPE, Wire.APPLICATION_JSON)
                .header(HeaderNames.CACHE_CONTROL, "no-store"); // a create answer holds a secret
        Answers.send(req, res, json.getBytes(StandardCharsets.UTF_8));
    }
}
