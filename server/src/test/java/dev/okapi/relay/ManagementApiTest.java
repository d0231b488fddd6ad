package dev.okapi.relay;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import dev.okapi.relay.access.AuthConfig;
import dev.okapi.relay.access.Secrets;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.EnvironmentVariables;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/**
 * The Management API (spec section 8) on real HTTP, and that tokens survive a restart. Relays of
 * its own: token mode with a management key, on token stores that outlive a relay.
 */
class ManagementApiTest {

    @TempDir
    static Path dir;
    private static Mgmt mgmt;
    private static final Optional<String> KEY = Optional.of(Mgmt.KEY);

    @BeforeAll
    static void start() {
        mgmt = Mgmt.start(dir);
    }

    @AfterAll
    static void stop() {
        mgmt.relay.close();
    }

    private static void assertJson(HttpResponse<String> r, int status, String what) {
        assertThat(what + ": " + r.body(), r.statusCode(), is(status));
        assertThat(what, r.headers().firstValue("content-type").orElse(""), startsWith("application/json"));
        assertThat(what, r.body(), startsWith("{"));
    }

    @Test
    void everyEndpointWantsTheKey() throws Exception {
        String w = mgmt.create(TestRelay.freshPath(), "write", false).token();
        for (Optional<String> key : List.of(Optional.<String>empty(), Optional.of("wrong-key-0123456789"), Optional.of(Mgmt.KEY + "x"),
                Optional.of(w))) {
            for (HttpResponse<String> r : List.of(
                    mgmt.post("/accesstoken.create", Mgmt.tokenForm("/x", "read", false, Mgmt.inAnHour()), key),
                    mgmt.post("/accesstoken.delete", Map.of("token_id", "key_0123456789abcdef"), key),
                    mgmt.get("/accesstoken.list", key),
                    mgmt.get("/usage.show?month=2026-01", key))) {
                assertJson(r, 401, "with " + key.map(k -> "a wrong key").orElse("no key"));
                assertThat(r.headers().firstValue("www-authenticate").orElse(""), startsWith("Bearer"));
                assertThat(r.body(), containsString("\"detail\""));
            }
        }
    }

    @Test
    void createAnswersPathTokenAndIdAndTheTokenWorksAtOnce() throws Exception {
        String p = TestRelay.freshPath();
        HttpResponse<String> r = mgmt.post("/accesstoken.create", Mgmt.tokenForm(p, "write", false, Mgmt.inAnHour()), KEY);
        assertJson(r, 200, "create");
        assertThat(Mgmt.string(r.body(), "path"), is(p));
        String token = Mgmt.string(r.body(), "token");
        assertThat(token.matches("[A-Za-z0-9]{24}"), is(true));
        assertThat(Mgmt.string(r.body(), "token_id").matches("key_[a-z0-9]{16}"), is(true));
        assertThat(r.headers().firstValue("cache-control").orElse(""), is("no-store"));
        HttpResponse<String> probe = mgmt.relay.http.send(HttpRequest.newBuilder(mgmt.relay.uri("/connect/v0" + p + "?mode=await-reader&timeout=0"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(probe.statusCode(), is(504)); // authorised; no reader yet
    }

    @Test
    void idempotentCreateReturnsTheSameTokenAndNoSecondOne() throws Exception {
        String p = TestRelay.freshPath();
        Map<String, String> form = new LinkedHashMap<>(Mgmt.tokenForm(p, "read", true, Mgmt.inAnHour()));
        form.put("idem_key", "abcdef012345");
        Mgmt.Created a = mgmt.create(form);
        Mgmt.Created b = mgmt.create(form);
        assertThat(b, is(a));
        String list = mgmt.get("/accesstoken.list", KEY).body();
        assertThat(list.split(Pattern.quote("\"" + p + "\""), -1).length - 1, is(1));
        // The same idem_key for another request is a conflict, not a second token.
        Map<String, String> other = new LinkedHashMap<>(form);
        other.put("access_mode", "write");
        assertJson(mgmt.post("/accesstoken.create", other, KEY), 409, "idem_key reused for another request");
    }

    /** The relay does not read 100 MB to find the next request: it answers and closes. */
    @Test
    void anOverLongFormIsRefusedAndItsConnectionClosed() throws Exception {
        try (RawHttp raw = new RawHttp(mgmt.relay.port())) {
            raw.head("POST", "/api/v0/accesstoken.create", "Authorization: Bearer " + Mgmt.KEY,
                    "Content-Type: application/x-www-form-urlencoded", "Content-Length: 100000000");
            raw.out.write(new byte[20_000]);
            RawHttp.Response r = raw.response();
            assertThat(r.status(), is(422));
            assertThat(r.header("connection"), is("close"));
            raw.in.readNBytes(Integer.parseInt(r.header("content-length")));
            assertThat(raw.in.read(), is(-1));
        }
    }

    @Test
    void malformedRequestsGet422WithADetail() throws Exception {
        String p = TestRelay.freshPath();
        long exp = Mgmt.inAnHour();
        List<Map<String, String>> bad = List.of(
                Map.of("path", "/Bad/Path", "access_mode", "read", "recursive", "false", "expires", "" + exp),
                Map.of("path", p + "/%2e%2e", "access_mode", "read", "recursive", "false", "expires", "" + exp),
                Map.of("path", p + "/..", "access_mode", "read", "recursive", "false", "expires", "" + exp),
                Map.of("path", "relative", "access_mode", "read", "recursive", "false", "expires", "" + exp),
                Map.of("path", "/" + "a".repeat(1000), "access_mode", "read", "recursive", "false", "expires", "" + exp),
                Map.of("path", p, "access_mode", "readwrite", "recursive", "false", "expires", "" + exp),
                Map.of("path", p, "access_mode", "read", "recursive", "maybe", "expires", "" + exp),
                Map.of("path", p, "access_mode", "read", "recursive", "false", "expires", "tomorrow"),
                Map.of("path", p, "access_mode", "read", "recursive", "false", "expires", "" + (exp - 7200)),
                Map.of("path", p, "access_mode", "read", "recursive", "false", "expires", "" + exp, "idem_key", "short"),
                Map.of("path", p, "access_mode", "read", "recursive", "false", "expires", "" + exp, "idem_key", "has a space!"),
                Map.of("access_mode", "read", "recursive", "false", "expires", "" + exp),
                Map.of("path", p, "recursive", "false", "expires", "" + exp),
                Map.of("path", p, "access_mode", "read"));
        for (Map<String, String> form : bad) {
            assertJson(mgmt.post("/accesstoken.create", form, KEY), 422, "create " + form);
        }
        for (String month : new String[] {"2026-13", "2026-00", "202601", "26-01", "", "2026-1"}) {
            assertJson(mgmt.get("/usage.show?month=" + month, KEY), 422, "usage.show?month=" + month);
        }
        assertJson(mgmt.get("/usage.show", KEY), 422, "usage.show without month");
        HttpResponse<String> twoMonths = mgmt.get("/usage.show?month=2026-01&month=2026-02", KEY);
        assertJson(twoMonths, 422, "usage.show with two months");
        assertThat(twoMonths.body(), is("{\"detail\":\"field \\\"month\\\" given twice\"}"));
        assertJson(mgmt.post("/accesstoken.delete", Map.of("token_id", "key_0123456789abcdef"), KEY), 422, "unknown token_id");
        assertJson(mgmt.post("/accesstoken.delete", Map.of(), KEY), 422, "no token_id");
        HttpResponse<String> twice = mgmt.relay.http.send(HttpRequest.newBuilder(mgmt.relay.uri("/api/v0/accesstoken.create"))
                .header("Authorization", "Bearer " + Mgmt.KEY).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("path=" + p + "&path=/other&access_mode=read&expires=" + exp)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertJson(twice, 422, "a field given twice");
        assertThat(twice.body(), is("{\"detail\":\"field \\\"path\\\" given twice\"}"));
        HttpResponse<String> badEscape = mgmt.relay.http.send(HttpRequest.newBuilder(mgmt.relay.uri("/api/v0/accesstoken.create"))
                .header("Authorization", "Bearer " + Mgmt.KEY).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("path=%zz&access_mode=read&expires=" + exp)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertJson(badEscape, 422, "a malformed percent-encoding");
        assertThat(badEscape.body(), is("{\"detail\":\"malformed percent-encoding in the form\"}"));
        HttpResponse<String> json = mgmt.relay.http.send(HttpRequest.newBuilder(mgmt.relay.uri("/api/v0/accesstoken.create"))
                .header("Authorization", "Bearer " + Mgmt.KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"path\":\"" + p + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertJson(json, 422, "a JSON body");
    }

    @Test
    void wrongMethodsGet405AndUnknownEndpoints404() throws Exception {
        for (String[] rq : new String[][] {{"GET", "/accesstoken.create", "POST"}, {"GET", "/accesstoken.delete", "POST"},
            {"POST", "/accesstoken.list", "GET"}, {"POST", "/usage.show?month=2026-01", "GET"}, {"DELETE", "/accesstoken.list", "GET"}}) {
            HttpResponse<String> r = mgmt.relay.http.send(HttpRequest.newBuilder(mgmt.relay.uri("/api/v0" + rq[1]))
                    .header("Authorization", "Bearer " + Mgmt.KEY).method(rq[0], HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertJson(r, 405, rq[0] + " " + rq[1]);
            assertThat(r.headers().firstValue("allow").orElse(""), is(rq[2]));
        }
        assertJson(mgmt.get("/accesstoken.nothing", KEY), 404, "unknown endpoint");
        assertThat(mgmt.relay.get("/api/v1/accesstoken.list").statusCode(), is(404));
    }

    @Test
    void deleteRevokesAtOnceAndListNeverShowsSecrets() throws Exception {
        String p = TestRelay.freshPath();
        Mgmt.Created t = mgmt.create(p, "read", true);
        String list = mgmt.get("/accesstoken.list", KEY).body();
        assertThat(list, containsString("\"token_id\":\"" + t.id() + "\",\"path\":\"" + p
                + "\",\"access_mode\":\"read\",\"recursive\":true,\"expires\":"));
        assertThat(list, not(containsString(t.token())));
        assertThat(list, not(containsString(Secrets.hex(Secrets.sha256(t.token())))));
        HttpResponse<String> del = mgmt.post("/accesstoken.delete", Map.of("token_id", t.id()), KEY);
        assertJson(del, 200, "delete");
        assertThat(del.body(), is("{\"token_id\":\"" + t.id() + "\"}"));
        assertThat(mgmt.get("/accesstoken.list", KEY).body(), not(containsString(t.id())));
        HttpResponse<String> refused = mgmt.relay.get("/data" + p + "?accesstoken=" + t.token());
        assertThat(refused.statusCode(), is(401));
        assertJson(mgmt.post("/accesstoken.delete", Map.of("token_id", t.id()), KEY), 422, "a second delete");
    }

    @Test
    void usageCountsTheBytesOfFinishedTransfers() throws Exception {
        String month = YearMonth.now(ZoneOffset.UTC).toString();
        HttpResponse<String> first = mgmt.get("/usage.show?month=" + month, KEY);
        assertJson(first, 200, "usage.show");
        assertThat(Mgmt.string(first.body(), "month"), is(month));
        long before = Mgmt.number(first.body(), "volume_bytes");
        String p = TestRelay.freshPath();
        Mgmt.Created w = mgmt.create(p, "write", false);
        Mgmt.Created r = mgmt.create(p, "read", false);
        CompletableFuture<HttpResponse<String>> consumer = mgmt.relay.http.sendAsync(HttpRequest.newBuilder(
                mgmt.relay.uri("/data" + p + "?accesstoken=" + r.token())).build(), HttpResponse.BodyHandlers.ofString());
        String data = "x".repeat(100_000);
        HttpResponse<String> producer = mgmt.relay.http.send(HttpRequest.newBuilder(mgmt.relay.uri("/data" + p))
                .header("Authorization", "Bearer " + w.token()).PUT(HttpRequest.BodyPublishers.ofString(data)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(producer.body(), containsString("[STATE:TRANSFER_SUCCESSFUL]"));
        assertThat(consumer.get(10, TimeUnit.SECONDS).body().length(), is(data.length()));
        long after = Mgmt.number(mgmt.get("/usage.show?month=" + month, KEY).body(), "volume_bytes");
        assertThat(after, greaterThanOrEqualTo(before + data.length()));
        assertThat(Mgmt.number(mgmt.get("/usage.show?month=1999-01", KEY).body(), "volume_bytes"), is(0L));
    }

    @Test
    void tokensIdempotencyAndUsageSurviveARestart(@TempDir Path own) throws Exception {
        String p = TestRelay.freshPath();
        Map<String, String> form = new LinkedHashMap<>(Mgmt.tokenForm(p, "write", false, Mgmt.inAnHour()));
        form.put("idem_key", "restart-0001");
        Mgmt first = Mgmt.start(own);
        Mgmt.Created t;
        try {
            t = first.create(form);
        } finally {
            first.relay.close();
        }
        Mgmt second = Mgmt.start(own);
        try {
            HttpResponse<String> probe = second.relay.http.send(HttpRequest.newBuilder(second.relay.uri(
                    "/connect/v0" + p + "?mode=await-reader&timeout=0")).header("Authorization", "Bearer " + t.token()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(probe.statusCode(), is(504));
            assertThat(second.create(form), is(t)); // the sealed secret survived the restart
        } finally {
            second.relay.close();
        }
        // Under another management key, the sealed secret cannot be opened: a conflict, never a second token.
        Mgmt third = Mgmt.start(own, Map.of("auth.management-key", "another-management-key-42"));
        try {
            HttpResponse<String> r = third.post("/accesstoken.create", form, Optional.of("another-management-key-42"));
            assertJson(r, 409, "idem_key under another key");
            assertThat(r.body(), not(containsString(t.token())));
        } finally {
            third.relay.close();
        }
    }

    @Test
    void noManagementKeyMeansNoManagementApi(@TempDir Path own) throws Exception {
        TestRelay r = new TestRelay(Map.of("auth.mode", "token", "auth.data-dir", own.toString()));
        try {
            assertThat(r.get("/api/v0/accesstoken.list").statusCode(), is(404));
            assertThat(r.get("/data/t/x").statusCode(), is(401)); // token mode all the same
        } finally {
            r.close();
        }
    }

    @Test
    void theKeyComesFromTheEnvironmentAsAuthManagementKey() {
        // What Helidon's environment source makes of AUTH_MANAGEMENT_KEY (auth.management.key) is read too.
        Map<String, String> env = EnvironmentVariables.expand(Map.of("AUTH_MANAGEMENT_KEY", "from-the-environment-123",
                "AUTH_DATA_DIR", "/srv/okapi"));
        Config config = Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .sources(ConfigSources.create(env), ConfigSources.classpath("application.yaml")).build();
        AuthConfig auth = AuthConfig.from(config);
        assertThat(auth.managementKey(), is(Optional.of("from-the-environment-123")));
        assertThat(auth.dataDir(), is(Path.of("/srv/okapi")));
        // The hyphenated key, from -D or YAML, wins over the environment's dotted alias.
        Config both = Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .sources(ConfigSources.create(Map.of("auth.management-key", "from-a-system-property")), ConfigSources.create(env),
                        ConfigSources.classpath("application.yaml")).build();
        assertThat(AuthConfig.from(both).managementKey(), is(Optional.of("from-a-system-property")));
    }
}
