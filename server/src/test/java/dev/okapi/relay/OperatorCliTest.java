package dev.okapi.relay;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.okapi.relay.manage.OperatorCli;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/**
 * {@code token create|list|revoke}: the operator's command line against the store of a running
 * relay that has no Management API (auth.mode=token), as on an air-gapped install. A relay of its
 * own: token mode on the store the command line writes.
 */
class OperatorCliTest {

    @TempDir
    Path dir;

    /** One command's exit code and output. */
    record Run(int exit, String out, String err) {
    }

    private Run cli(String... args) {
        Config config = Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .sources(ConfigSources.create(Map.of("auth.data-dir", dir.toString())), ConfigSources.classpath("application.yaml"))
                .build();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = OperatorCli.run(args, config, new PrintWriter(out), new PrintWriter(err));
        return new Run(exit, out.toString(), err.toString());
    }

    private static String field(String out, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\s+(\\S+)").matcher(out);
        if (!m.find()) {
            throw new AssertionError("no " + name + " in:\n" + out);
        }
        return m.group(1);
    }

    @Test
    void createListRevokeAgainstARunningRelay() throws Exception {
        TestRelay relay = new TestRelay(Map.of("auth.mode", "token", "auth.data-dir", dir.toString()));
        try {
            Run created = cli("create", "--path", "/supplier/inventory", "--mode", "write", "--expires", "30d", "--recursive");
            assertThat(created.err(), created.exit(), is(0));
            String token = field(created.out(), "token");
            String id = field(created.out(), "token_id");
            assertThat(token.matches("[A-Za-z0-9]{24}"), is(true));
            assertThat(created.out(), containsString("shown once"));
            assertThat(Files.readString(dir.resolve("tokens.tsv")), not(containsString(token)));

            // The running relay takes it at once: authorised and no reader yet, so 504.
            assertThat(probe(relay, "/supplier/inventory/today", token), is(504));
            assertThat(probe(relay, "/supplier/inventoryx", token), is(403));

            Run list = cli("list");
            assertThat(list.exit(), is(0));
            assertThat(list.out(), containsString(id));
            assertThat(list.out(), containsString("/supplier/inventory"));
            assertThat(list.out(), not(containsString(token)));

            Run json = cli("list", "--json");
            assertThat(json.out(), containsString("\"token_id\":\"" + id + "\""));

            Run revoked = cli("revoke", id);
            assertThat(revoked.err(), revoked.exit(), is(0));
            assertThat(probe(relay, "/supplier/inventory/today", token), is(401));
            assertThat(cli("list").out(), not(containsString(id)));
        } finally {
            relay.close();
        }
    }

    @Test
    void dataDirWorksBeforeOrAfterTheCommand(@TempDir Path other) throws Exception {
        assertThat(cli("create", "--data-dir", other.toString(), "--path", "/a", "--mode", "read").exit(), is(0));
        assertThat(cli("--data-dir", other.toString(), "list").out(), containsString("/a"));
        assertThat(Files.exists(other.resolve("tokens.tsv")), is(true));
        assertThat(Files.exists(dir.resolve("tokens.tsv")), is(false));
    }

    @Test
    void createAsJsonLikeTheManagementApi() {
        Run r = cli("create", "--path", "/a", "--mode", "read", "--expires", "1h", "--json");
        assertThat(r.err(), r.exit(), is(0));
        assertThat(r.out(), containsString("\"path\":\"/a\",\"token\":\""));
        assertThat(r.out(), containsString("\"access_mode\":\"read\",\"recursive\":false"));
    }

    @Test
    void badUsageIs2AndRefusalsAre1EachWithOneLine() {
        for (String[] usage : new String[][] {{}, {"create", "--mode", "write"}, {"create", "--path", "/a", "--mode", "both"},
            {"create", "--path", "/a", "--mode", "read", "--expires", "someday"}, {"list", "--nope"}}) {
            Run r = cli(usage);
            assertThat(String.join(" ", usage), r.exit(), is(2));
            assertThat(r.err(), r.err().lines().count(), is(1L));
            assertThat(r.err(), containsString("--help"));
        }
        Run badPath = cli("create", "--path", "/A/../b", "--mode", "read");
        assertThat(badPath.exit(), is(1));
        assertThat(badPath.err(), startsWith("error: --path must be a stream path: /segment"));
        assertThat(badPath.err().lines().count(), is(1L));
        assertThat(cli("create", "--path", "/a", "--mode", "read", "--expires", "1000").exit(), is(1)); // in the past
        Run unknown = cli("revoke", "key_0123456789abcdef");
        assertThat(unknown.exit(), is(1));
        assertThat(unknown.err(), containsString("no token"));
        assertThat(cli("list").out().lines().count(), is(1L)); // the header only: nothing was created
    }

    private static int probe(TestRelay relay, String path, String token) throws IOException, InterruptedException {
        HttpResponse<String> r = relay.http.send(HttpRequest.newBuilder(
                relay.uri("/connect/v0" + path + "?mode=await-reader&timeout=0")).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }
}
