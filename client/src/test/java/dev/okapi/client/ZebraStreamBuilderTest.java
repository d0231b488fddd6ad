package dev.okapi.client;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** Settings are checked when they are given, so a bad one never reaches the wire. */
class ZebraStreamBuilderTest {

    private static final String URL = "http://127.0.0.1:8080/connect/v0";

    @Test
    void acceptsAStreamAndStripsATrailingSlashFromTheConnectUrl() {
        ZebraStream s = ZebraStream.builder(URL + "/", "/team/feed.v2/").accessToken("tok").passphrase("pw").build();
        assertThat(s.connectUrl(), is(URL));
        assertThat(s.path(), is("/team/feed.v2/"));
        assertThat(s.encrypted(), is(true));
        assertThat(s.requestFields().get("Authorization"), is("Bearer tok"));
    }

    @Test
    void rejectsWhatIsNotAStreamPath() {
        for (String path : new String[] {"", "team", "/Team", "/a//b", "/..", "/a/./b", "/a b", "/" + "a".repeat(1000)}) {
            assertThrows(IllegalArgumentException.class, () -> ZebraStream.builder(URL, path), () -> "'" + path + "'");
        }
    }

    @Test
    void rejectsConnectUrlsThatAreNotAbsoluteHttpWithoutQuery() {
        for (String url : new String[] {"relay:8080/connect/v0", "ftp://relay/connect/v0", URL + "?x=1", "http:///connect/v0",
                "http://user:pw@relay/connect/v0"}) {
            assertThrows(IllegalArgumentException.class, () -> ZebraStream.builder(url, "/x"), () -> url);
        }
    }

    @Test
    void rejectsHeaderInjectionThroughTokenOrContentType() {
        ZebraStream.Builder b = ZebraStream.builder(URL, "/x");
        assertThrows(IllegalArgumentException.class, () -> b.accessToken("tok\r\nX-Evil: 1"));
        assertThrows(IllegalArgumentException.class, () -> b.accessToken("two words"));
        assertThrows(IllegalArgumentException.class, () -> b.contentType("text/plain\r\nX-Evil: 1"));
        assertThrows(IllegalArgumentException.class, () -> b.passphrase(""));
    }

    @Test
    void connectTimeoutIsWholeSecondsRoundedUpAndPositive() {
        ZebraStream.Builder b = ZebraStream.builder(URL, "/x");
        assertThat(b.connectTimeout(Duration.ofMillis(1500)).build().connectTimeout().orElseThrow(), is(Duration.ofSeconds(2)));
        assertThat(b.connectTimeout(Duration.ofSeconds(7)).build().connectTimeout().orElseThrow(), is(Duration.ofSeconds(7)));
        assertThrows(IllegalArgumentException.class, () -> b.connectTimeout(Duration.ZERO));
    }

    @Test
    void toStringShowsNeitherTokenNorPassphrase() {
        String text = ZebraStream.builder(URL, "/x").accessToken("tok-SECRET").passphrase("pass-SECRET").build().toString();
        assertThat(text, not(containsString("SECRET")));
        assertThat(text, containsString("encrypted"));
    }
}
