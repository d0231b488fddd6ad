package dev.okapi.relay;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire.Access;
import dev.okapi.relay.access.AccessControl;
import dev.okapi.relay.access.AuthConfig;
import dev.okapi.relay.access.FileTokenStore;
import dev.okapi.relay.access.Secrets;
import dev.okapi.relay.access.StartupRefusedException;
import dev.okapi.relay.access.Token;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Safe defaults: open mode only on loopback (or when asked for by name), token mode as soon as a
 * key or a token exists. Nothing here binds a non-loopback address: the refusal comes before the
 * server is built. The one relay it starts is its own: an open relay on a data directory of its
 * own, to show that open mode writes none.
 */
class StartupModeTest {

    @TempDir
    Path dir;

    private AuthConfig config(AuthConfig.Mode mode, String key) {
        return new AuthConfig(mode, Optional.ofNullable(key), dir);
    }

    private AccessControl access(AuthConfig config, String... hosts) {
        return AccessControl.create(config, List.of(hosts), new FileTokenStore(dir), Clock.systemUTC());
    }

    private static Config root(Map<String, String> settings) {
        return Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .sources(ConfigSources.create(settings), ConfigSources.classpath("application.yaml")).build();
    }

    @Test
    void autoWithNothingIsOpenOnLoopbackAndSaysSoLoudly() {
        List<LogRecord> records = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger(AccessControl.class.getName());
        log.addHandler(capture);
        try {
            assertThat(access(config(AuthConfig.Mode.AUTO, null), "127.0.0.1", "localhost", "::1").isOpen(), is(true));
        } finally {
            log.removeHandler(capture);
        }
        assertThat(records.stream().map(LogRecord::getLevel).toList(), hasItem(Level.WARNING));
        assertThat(records.getFirst().getMessage(), containsString("OPEN MODE"));
    }

    @Test
    void autoWithNothingRefusesToStartOnOtherAddresses() {
        for (String host : new String[] {"0.0.0.0", "::", "192.0.2.10"}) {
            StartupRefusedException e = assertThrows(StartupRefusedException.class,
                    () -> access(config(AuthConfig.Mode.AUTO, null), "127.0.0.1", host));
            assertThat(e.getMessage(), containsString("auth.mode=open"));
            assertThat(e.getMessage(), containsString("auth.management-key"));
        }
        // Through the relay's own wiring: refused before anything is bound.
        Config root = root(Map.of("server.host", "0.0.0.0", "server.port", "0", "auth.data-dir", dir.toString()));
        assertThrows(StartupRefusedException.class, () -> AuthModule.create(root));
        Config admin = root(Map.of("server.host", "127.0.0.1", "server.sockets.0.name", "admin", "server.sockets.0.host", "0.0.0.0",
                "auth.data-dir", dir.toString()));
        assertThat(AuthConfig.hosts(admin), is(List.of("127.0.0.1", "0.0.0.0")));
        assertThrows(StartupRefusedException.class, () -> AuthModule.create(admin));
    }

    @Test
    void openOnlyWhenAskedForByName() {
        assertThat(access(config(AuthConfig.Mode.OPEN, null), "0.0.0.0").isOpen(), is(true));
    }

    @Test
    void aKeyATokenOrTokenModeMeanTokenMode() {
        assertThat(access(config(AuthConfig.Mode.AUTO, "a-management-key-0123"), "0.0.0.0").isOpen(), is(false));
        assertThat(access(config(AuthConfig.Mode.TOKEN, null), "0.0.0.0").isOpen(), is(false));
        new FileTokenStore(dir).addOrGet(new Token(Secrets.newId(), Secrets.hex(Secrets.sha256(Secrets.newSecret())), "/a",
                Access.READ, false, Long.MAX_VALUE / 2, 0, Optional.empty(), Optional.empty()));
        assertThat(access(config(AuthConfig.Mode.AUTO, null), "0.0.0.0").isOpen(), is(false));
    }

    @Test
    void badSettingsAreRefusedByName() {
        IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class,
                () -> AuthConfig.from(root(Map.of("auth.management-key", "short"))));
        assertThat(shortKey.getMessage(), containsString("auth.management-key"));
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
                () -> AuthConfig.from(root(Map.of("auth.mode", "closed"))));
        assertThat(mode.getMessage(), containsString("auth.mode"));
        assertThat(AuthConfig.from(root(Map.of())).dataDir(), is(Path.of("okapi-data")));
        assertThat(AuthConfig.from(root(Map.of())).mode(), is(AuthConfig.Mode.AUTO));
    }

    @Test
    void anOpenRelayServesWithoutTokensAndIgnoresThem() throws Exception {
        TestRelay relay = new TestRelay(Map.of("auth.data-dir", dir.resolve("unused").toString()));
        try {
            assertThat(relay.get("/").body(), containsString("open"));
            assertThat(relay.get("/connect/v0/t/x?mode=await-reader&timeout=0&accesstoken=junk").statusCode(), is(504));
            assertThat(relay.get("/api/v0/accesstoken.list").statusCode(), is(404));
        } finally {
            relay.close();
        }
        assertThat("open mode writes no store", dir.resolve("unused").toFile().exists(), is(false));
    }
}
