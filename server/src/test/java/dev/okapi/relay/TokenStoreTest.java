package dev.okapi.relay;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.okapi.protocol.Wire.Access;
import dev.okapi.relay.access.FileTokenStore;
import dev.okapi.relay.access.InvalidRequestException;
import dev.okapi.relay.access.Secrets;
import dev.okapi.relay.access.Token;
import dev.okapi.relay.access.TokenService;
import dev.okapi.relay.access.TokenStoreException;
import dev.okapi.relay.access.UsageMeter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The file token store, token scopes and the token service's rules, without HTTP. */
class TokenStoreTest {

    @TempDir
    Path dir;

    private static final long NOW = 1_800_000_000L;
    private final Clock clock = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);

    private static Token token(String path, boolean recursive) {
        return new Token(Secrets.newId(), Secrets.hex(Secrets.sha256(Secrets.newSecret())), path, Access.READ, recursive,
                Long.MAX_VALUE / 2, 0, Optional.empty(), Optional.empty());
    }

    @Test
    void scopesAreExactOrSegmentBoundedSubtrees() {
        Token plain = token("/a/b", false);
        assertThat(plain.covers("/a/b"), is(true));
        for (String other : List.of("/a/b/", "/a/b/c", "/a/bc", "/a", "/a/")) {
            assertThat(other, plain.covers(other), is(false));
        }
        Token tree = token("/a/b", true);
        for (String in : List.of("/a/b", "/a/b/", "/a/b/c", "/a/b/c/d/")) {
            assertThat(in, tree.covers(in), is(true));
        }
        for (String out : List.of("/a/bc", "/a/b-c", "/a", "/a/", "/b/a/b")) {
            assertThat(out, tree.covers(out), is(false));
        }
        Token slash = token("/a/", true);
        assertThat(slash.covers("/a/"), is(true));
        assertThat(slash.covers("/a/x"), is(true));
        assertThat(slash.covers("/a"), is(false));
        assertThat(slash.covers("/ab"), is(false));
    }

    @Test
    void storedFilesHoldNoSecretAndSurviveANewInstance() throws Exception {
        TokenService service = new TokenService(new FileTokenStore(dir), Optional.of("a-management-key-0123"), null, clock);
        TokenService.Created plain = service.create("/supplier/inventory", Access.WRITE, false, NOW + 60, Optional.empty());
        TokenService.Created idem = service.create("/supplier", Access.READ, true, NOW + 60, Optional.of("abcdefghijkl"));
        String file = Files.readString(dir.resolve("tokens.tsv"), StandardCharsets.UTF_8);
        for (TokenService.Created c : List.of(plain, idem)) {
            assertThat(file, not(containsString(c.secret())));
            assertThat(file, containsString(c.token().id()));
            assertThat(file, containsString(Secrets.hex(Secrets.sha256(c.secret()))));
        }
        assertThat("no temporary file is left behind", Files.exists(dir.resolve("tokens.tsv.tmp")), is(false));
        FileTokenStore reopened = new FileTokenStore(dir);
        assertThat(reopened.findByHash(Secrets.sha256(plain.secret())).map(Token::id), is(Optional.of(plain.token().id())));
        assertThat(reopened.findByHash(Secrets.sha256("not-a-token")), is(Optional.empty()));
        assertThat(reopened.live(NOW).size(), is(2));
    }

    @Test
    void aChangeByAnotherWriterIsSeenAtOnce() {
        FileTokenStore relay = new FileTokenStore(dir);
        FileTokenStore operator = new FileTokenStore(dir);
        Token t = token("/x", false);
        operator.addOrGet(t);
        assertThat(relay.findByHash(HexFormat.of().parseHex(t.hash())).isPresent(), is(true));
        assertThat(operator.remove(t.id()), is(true));
        assertThat(relay.findByHash(HexFormat.of().parseHex(t.hash())).isPresent(), is(false));
        assertThat(relay.remove(t.id()), is(false));
    }

    @Test
    void concurrentWritersLoseNothing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Token>> adds = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                FileTokenStore own = new FileTokenStore(dir); // as many writers as requests
                adds.add(pool.submit(() -> own.addOrGet(token("/p", false))));
            }
            for (Future<Token> f : adds) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(new FileTokenStore(dir).live(0).size(), is(40));
    }

    @Test
    void expiredTokensAreRefusedThenDroppedAtTheNextWrite() {
        FileTokenStore store = new FileTokenStore(dir);
        long now = Instant.now().getEpochSecond();
        Token old = new Token(Secrets.newId(), Secrets.hex(Secrets.sha256("s")), "/x", Access.READ, false, now - 1, now - 10,
                Optional.empty(), Optional.empty());
        store.addOrGet(old); // kept by this write: expiry is judged on the list as read
        assertThat(old.expiredAt(now), is(true));
        assertThat(store.live(now), is(List.of()));
        store.addOrGet(token("/y", false));
        assertThat(store.findByHash(Secrets.sha256("s")), is(Optional.empty()));
    }

    @Test
    void idempotentCreatesReplayWithinTheWindowOnly() {
        FileTokenStore store = new FileTokenStore(dir);
        TokenService at = new TokenService(store, Optional.of("a-management-key-0123"), null, clock);
        TokenService.Created a = at.create("/p", Access.READ, false, NOW + 86400 * 3, Optional.of("abcdefghijkl"));
        TokenService.Created b = at.create("/p", Access.READ, false, NOW + 86400 * 3, Optional.of("abcdefghijkl"));
        assertThat(b.secret(), is(a.secret()));
        assertThat(b.token().id(), is(a.token().id()));
        InvalidRequestException other = assertThrows(InvalidRequestException.class,
                () -> at.create("/q", Access.READ, false, NOW + 86400 * 3, Optional.of("abcdefghijkl")));
        assertThat(other.status(), is(409));
        Clock later = Clock.offset(clock, TokenService.IDEM_WINDOW.plusSeconds(1));
        TokenService after = new TokenService(store, Optional.of("a-management-key-0123"), null, later);
        InvalidRequestException late = assertThrows(InvalidRequestException.class,
                () -> after.create("/p", Access.READ, false, NOW + 86400 * 3, Optional.of("abcdefghijkl")));
        assertThat(late.status(), is(409));
        assertThat(late.getMessage(), not(containsString(a.secret())));
        assertThat(store.live(NOW).size(), is(1));
    }

    @Test
    void aHandEditedBrokenFileIsRefusedWithItsLine() throws Exception {
        Files.writeString(dir.resolve("tokens.tsv"), "# header\nkey_0123456789abcdef\tnot-a-hash\n");
        TokenStoreException e = assertThrows(TokenStoreException.class, () -> new FileTokenStore(dir));
        assertThat(e.getMessage(), containsString("line 2"));
    }

    /** A store that breaks while the relay runs says so once, serves 503s meanwhile, and says when it loads again. */
    @Test
    void aFileBrokenWhileRunningIsLoggedOnceAndItsRepairToo() throws Exception {
        FileTokenStore store = new FileTokenStore(dir);
        Token t = token("/x", false);
        store.addOrGet(t);
        Path file = dir.resolve("tokens.tsv");
        String good = Files.readString(file);
        try (LogCapture log = new LogCapture(FileTokenStore.class.getName())) {
            Files.writeString(file, good + "garbage\n");
            for (int i = 0; i < 3; i++) {
                assertThrows(TokenStoreException.class, () -> store.findByHash(HexFormat.of().parseHex(t.hash())));
            }
            Files.writeString(file, good + "\n"); // the operator's fix (a blank line: another size, so another file)
            assertThat(store.findByHash(HexFormat.of().parseHex(t.hash())).isPresent(), is(true));
            List<String> lines = log.messages();
            assertThat(lines.toString(), lines.size(), is(2));
            assertThat(lines.get(0), containsString("tokens.tsv line 3"));
            assertThat(lines.get(0), containsString("new requests get 503"));
            assertThat(lines.get(1), containsString("loads again"));
        }
    }

    @Test
    void usageIsKeptPerMonthAcrossInstances() {
        FileTokenStore store = new FileTokenStore(dir);
        YearMonth jan = YearMonth.of(2026, 1);
        store.addUsage(jan, 1000);
        store.addUsage(jan, 234);
        store.addUsage(YearMonth.of(2026, 2), 5);
        assertThat(new FileTokenStore(dir).usage(jan), is(1234L));
        assertThat(new FileTokenStore(dir).usage(YearMonth.of(2025, 12)), is(0L));
        UsageMeter meter = new UsageMeter(store, clock, Duration.ofHours(1));
        try {
            meter.add(10);
            YearMonth month = YearMonth.now(clock);
            assertThat(meter.total(month), is(store.usage(month) + 10));
            meter.flush();
            assertThat(new FileTokenStore(dir).usage(month), is(10L));
        } finally {
            meter.close();
        }
    }

    @Test
    void aStoreThatWasNeverWrittenCreatesNothing() {
        Path none = dir.resolve("never");
        FileTokenStore store = new FileTokenStore(none);
        assertThat(store.isEmpty(), is(true));
        assertThat(store.usage(YearMonth.of(2026, 1)), is(0L));
        assertThat(Files.exists(none), is(false));
    }
}
