package dev.okapi.conformance;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.okapi.protocol.Wire;

import static dev.okapi.conformance.Ctx.expect;

/** Spec section 8: the Management API. */
final class MgmtCases {

    private MgmtCases() {
    }

    static void register(Registry r) {
        r.section("mgmt");

        r.group("authorisation (8)");
        r.must("MGMT-1", "Management requests without the key get 401 with WWW-Authenticate: Bearer (404 if there is no API)", c -> {
            boolean keyed = c.creds().managementKey().isPresent();
            for (String[] rq : new String[][] {{"POST", "/accesstoken.create"}, {"POST", "/accesstoken.delete"},
                {"GET", "/accesstoken.list"}, {"GET", "/usage.show?month=2026-01"}}) {
                Map<String, String> form = rq[0].equals("POST") ? Map.of("token_id", "key_conformance") : null;
                Ctx.Reply rep = Mgmt.call(c.target, Optional.empty(), rq[0], rq[1], form);
                boolean ok = rep.status() == Wire.UNAUTHORIZED
                        && rep.head().first("WWW-Authenticate").orElse("").regionMatches(true, 0, "Bearer", 0, 6)
                        || !keyed && rep.status() == Wire.NOT_FOUND;
                expect(ok, rq[0] + " " + rq[1] + " without a key",
                        "401 with WWW-Authenticate: Bearer" + (keyed ? "" : " (or 404: no Management API)"), rep::describe);
            }
        });
        r.needs(Need.MGMT).must("MGMT-1", "a wrong key or an access token as key gets 401", c -> {
            List<String> keys = new ArrayList<>(List.of("wrong-" + Text.hex(8), c.managementKey() + "x"));
            c.creds().write().ifPresent(keys::add);
            for (String k : keys) {
                Ctx.Reply rep = Mgmt.call(c.target, Optional.of(k), "GET", "/accesstoken.list", null);
                Ctx.status(rep, Wire.UNAUTHORIZED, "accesstoken.list with a wrong key");
            }
        });

        r.group("tokens (8)");
        r.needs(Need.MGMT).must("MGMT-2", "accesstoken.create answers path, token and token_id", c -> {
            String p = c.path();
            Ctx.Reply rep = Mgmt.call(c.target, Optional.of(c.managementKey()), "POST", "/accesstoken.create",
                    Mgmt.tokenForm(p, "write", false, Instant.now().plusSeconds(3600)));
            Ctx.status(rep, Wire.OK, "accesstoken.create");
            Map<String, Object> m = Mgmt.object(rep, "accesstoken.create");
            expect(p.equals(m.get("path")) && m.get("token") instanceof String && m.get("token_id") instanceof String,
                    "the create answer", "{\"path\": \"" + p + "\", \"token\": …, \"token_id\": …}", rep::text);
            Mgmt.delete(c.target, c.managementKey(), (String) m.get("token_id"));
        });
        r.needs(Need.MGMT).must("MGMT-12", "tokens just created open Connect and Data at once", c -> {
            String p = c.path();
            Instant exp = Instant.now().plusSeconds(3600);
            Mgmt.Token w = Mgmt.create(c.target, c.managementKey(), Mgmt.tokenForm(p, "write", false, exp));
            Mgmt.Token rd = Mgmt.create(c.target, c.managementKey(), Mgmt.tokenForm(p, "read", false, exp));
            try {
                c.useTokens(w.token(), rd.token());
                Flows.clean(c, p, Text.random(1000), Flows.Order.CONSUMER_FIRST);
            } finally {
                Mgmt.delete(c.target, c.managementKey(), w.tokenId());
                Mgmt.delete(c.target, c.managementKey(), rd.tokenId());
            }
        });
        r.needs(Need.MGMT).must("MGMT-3", "a repeated create with the same idem_key returns the same token and no second one", c -> {
            String p = c.path();
            Map<String, String> form = new LinkedHashMap<>(Mgmt.tokenForm(p, "read", false, Instant.now().plusSeconds(3600)));
            form.put("idem_key", Text.hex(6));
            Mgmt.Token a = Mgmt.create(c.target, c.managementKey(), form);
            try {
                Mgmt.Token b = Mgmt.create(c.target, c.managementKey(), form);
                expect(a.equals(b), "the second create", a.tokenId(), b::tokenId);
                String list = Mgmt.call(c.target, Optional.of(c.managementKey()), "GET", "/accesstoken.list", null).text();
                long n = list.split(Pattern.quote("\"" + p + "\""), -1).length - 1;
                expect(n == 1, "tokens for the path in accesstoken.list", "1", () -> Long.toString(n));
            } finally {
                Mgmt.delete(c.target, c.managementKey(), a.tokenId());
            }
        });
        r.needs(Need.MGMT).must("MGMT-11", "an idem_key repeated with other fields gets 409 with a JSON detail and creates no token", c -> {
            String p = c.path();
            Map<String, String> form = new LinkedHashMap<>(Mgmt.tokenForm(p, "read", false, Instant.now().plusSeconds(3600)));
            form.put("idem_key", Text.hex(6));
            Mgmt.Token a = Mgmt.create(c.target, c.managementKey(), form);
            try {
                for (String[] change : new String[][] {{"access_mode", "write"}, {"recursive", "true"}, {"path", p + "/other"},
                    {"expires", Long.toString(Instant.now().plusSeconds(7200).getEpochSecond())}}) {
                    Map<String, String> other = new LinkedHashMap<>(form);
                    other.put(change[0], change[1]);
                    Ctx.Reply rep = Mgmt.call(c.target, Optional.of(c.managementKey()), "POST", "/accesstoken.create", other);
                    expect(rep.status() == Wire.CONFLICT, "create with the same idem_key and another " + change[0], "409",
                            rep::describe);
                    expect(Mgmt.object(rep, "the 409").get("detail") instanceof String, "the 409's JSON", "a detail member",
                            rep::describe);
                }
                String list = Mgmt.call(c.target, Optional.of(c.managementKey()), "GET", "/accesstoken.list", null).text();
                long n = list.split(Pattern.quote("\"" + p), -1).length - 1;
                expect(n == 1, "tokens for the path (and below) in accesstoken.list", "1, the first create's", () -> Long.toString(n));
            } finally {
                Mgmt.delete(c.target, c.managementKey(), a.tokenId());
            }
        });
        r.needs(Need.MGMT).must("MGMT-4", "malformed creates, deletes and months get 422 with a JSON detail", c -> {
            String p = c.path();
            long exp = Instant.now().plusSeconds(3600).getEpochSecond();
            List<Map<String, String>> bad = List.of(
                    Map.of("path", "/Bad/Path", "access_mode", "read", "recursive", "false", "expires", "" + exp),
                    Map.of("path", p + "/%2e%2e", "access_mode", "read", "recursive", "false", "expires", "" + exp),
                    Map.of("path", p, "access_mode", "readwrite", "recursive", "false", "expires", "" + exp),
                    Map.of("path", p, "access_mode", "read", "recursive", "maybe", "expires", "" + exp),
                    Map.of("path", p, "access_mode", "read", "recursive", "false", "expires", "tomorrow"),
                    Map.of("path", p, "access_mode", "read", "recursive", "false", "expires", "" + (exp - 7200)),
                    Map.of("path", p, "access_mode", "read", "recursive", "false", "expires", "" + exp, "idem_key", "short"),
                    Map.of("access_mode", "read", "recursive", "false", "expires", "" + exp),
                    Map.of("path", p, "recursive", "false", "expires", "" + exp),
                    Map.of("path", "", "access_mode", "read", "recursive", "false", "expires", "" + exp),
                    Map.of("path", p, "access_mode", "", "recursive", "false", "expires", "" + exp));
            for (Map<String, String> form : bad) {
                Ctx.Reply rep = Mgmt.call(c.target, Optional.of(c.managementKey()), "POST", "/accesstoken.create", form);
                expect422(rep, "create " + form);
            }
            for (Map<String, String> form : List.of(Map.<String, String>of(), Map.of("token_id", ""))) {
                Ctx.Reply rep = Mgmt.call(c.target, Optional.of(c.managementKey()), "POST", "/accesstoken.delete", form);
                expect422(rep, "delete " + form);
            }
            for (String month : new String[] {"2026-13", "202601", "26-01", ""}) {
                Ctx.Reply rep = Mgmt.call(c.target, Optional.of(c.managementKey()), "GET", "/usage.show?month=" + month, null);
                expect422(rep, "usage.show?month=" + month);
            }
        });
        r.needs(Need.MGMT).must("MGMT-5", "accesstoken.delete answers 200", c -> {
            Mgmt.Token t = Mgmt.create(c.target, c.managementKey(), Mgmt.tokenForm(c.path(), "write", false,
                    Instant.now().plusSeconds(3600)));
            Ctx.Reply del = Mgmt.call(c.target, Optional.of(c.managementKey()), "POST", "/accesstoken.delete", Map.of("token_id", t.tokenId()));
            Ctx.status(del, Wire.OK, "accesstoken.delete");
        });
        r.needs(Need.MGMT).should("MGMT-6", "deleting an unknown token_id gets 422", c -> {
            Ctx.Reply rep = Mgmt.call(c.target, Optional.of(c.managementKey()), "POST", "/accesstoken.delete",
                    Map.of("token_id", "key_conformance_" + Text.hex(6)));
            expect422(rep, "delete of an unknown token_id");
        });
        r.needs(Need.MGMT).must("MGMT-7", "accesstoken.list lists a new token with its fields as created", c -> {
            String p = c.path();
            Instant expires = Instant.ofEpochSecond(Instant.now().plusSeconds(3600).getEpochSecond());
            Mgmt.Token t = Mgmt.create(c.target, c.managementKey(), Mgmt.tokenForm(p, "read", true, expires));
            try {
                Ctx.Reply rep = Mgmt.call(c.target, Optional.of(c.managementKey()), "GET", "/accesstoken.list", null);
                Ctx.status(rep, Wire.OK, "accesstoken.list");
                Map<String, Object> m = Mgmt.object(rep, "accesstoken.list");
                expect(m.get("tokens") instanceof List, "the list answer", "{\"tokens\": [...]}", () -> Text.clip(rep.text(), 300));
                expect(rep.text().contains("\"" + t.tokenId() + "\""), "the list", "contains " + t.tokenId(), () -> Text.clip(rep.text(), 300));
                Map<?, ?> entry = ((List<?>) m.get("tokens")).stream().filter(e -> e instanceof Map<?, ?> em
                        && t.tokenId().equals(em.get("token_id"))).map(e -> (Map<?, ?>) e).findFirst().orElse(Map.of());
                String want = "{token_id: " + t.tokenId() + ", path: " + p + ", access_mode: read, recursive: true, expires: "
                        + expires.getEpochSecond() + "}";
                expect(p.equals(entry.get("path")) && "read".equals(entry.get("access_mode"))
                                && Boolean.TRUE.equals(entry.get("recursive"))
                                && entry.get("expires") instanceof BigDecimal e && e.longValue() == expires.getEpochSecond(),
                        "the new token's entry in the list", want, entry::toString);
            } finally {
                Mgmt.delete(c.target, c.managementKey(), t.tokenId());
            }
        });

        r.needs(Need.MGMT).must("MGMT-13", "accesstoken.list never shows a token secret", c -> {
            Mgmt.Token t = Mgmt.create(c.target, c.managementKey(), Mgmt.tokenForm(c.path(), "write", false,
                    Instant.now().plusSeconds(3600)));
            try {
                Ctx.Reply rep = Mgmt.call(c.target, Optional.of(c.managementKey()), "GET", "/accesstoken.list", null);
                Ctx.status(rep, Wire.OK, "accesstoken.list");
                expect(!rep.text().contains(t.token()), "the list", "no token secret", () -> "the secret of " + t.tokenId());
                c.creds().write().ifPresent(w -> expect(!rep.text().contains(w), "the list", "no token secret", () -> "the write token"));
                c.creds().read().ifPresent(w -> expect(!rep.text().contains(w), "the list", "no token secret", () -> "the read token"));
            } finally {
                Mgmt.delete(c.target, c.managementKey(), t.tokenId());
            }
        });
        r.needs(Need.MGMT).must("MGMT-14", "a deleted token gets 401 at once on Connect and Data", c -> {
            String p = c.path();
            Mgmt.Token t = Mgmt.create(c.target, c.managementKey(), Mgmt.tokenForm(p, "write", false, Instant.now().plusSeconds(3600)));
            AuthCases.authorised(c, p, t.token());
            Mgmt.delete(c.target, c.managementKey(), t.tokenId());
            Ctx.Reply connect = c.exchange("GET", Wire0.connect(p, Wire.Mode.AWAIT_READER, "timeout=0"), Ctx.Side.NONE, Ctx.QUICK,
                    "Authorization: Bearer " + t.token());
            Ctx.status(connect, Wire.UNAUTHORIZED, "Connect with a deleted token");
            Ctx.Reply put = c.exchange("PUT", Wire0.data(p), Ctx.Side.NONE, Ctx.QUICK, "Authorization: Bearer " + t.token(),
                    "Content-Length: 0");
            Ctx.status(put, Wire.UNAUTHORIZED, "PUT with a deleted token");
        });

        r.group("usage (8)");
        r.needs(Need.MGMT).must("MGMT-8", "usage.show answers the month asked and a non-negative integer volume_bytes", c -> {
            String month = YearMonth.now(ZoneOffset.UTC).toString();
            Ctx.Reply rep = Mgmt.call(c.target, Optional.of(c.managementKey()), "GET", "/usage.show?month=" + month, null);
            Ctx.status(rep, Wire.OK, "usage.show");
            Map<String, Object> m = Mgmt.object(rep, "usage.show");
            expect(month.equals(m.get("month")) && m.get("volume_bytes") instanceof BigDecimal v && v.signum() >= 0
                    && v.stripTrailingZeros().scale() <= 0, "the usage answer",
                    "{\"month\": \"" + month + "\", \"volume_bytes\": N}", rep::text);
        });
        r.needs(Need.MGMT).should("MGMT-9", "volume_bytes grows by a finished transfer's bytes", c -> {
            long before = volume(c);
            Flows.clean(c, c.path(), Text.random(100000), Flows.Order.CONSUMER_FIRST);
            long after = volume(c);
            expect(after >= before + 100000, "volume_bytes after a 100000-byte transfer", ">= " + (before + 100000),
                    () -> Long.toString(after));
        });
        r.needs(Need.MGMT).must("MGMT-10", "wrong methods on Management endpoints get 405", c -> {
            for (String[] rq : new String[][] {{"GET", "/accesstoken.create"}, {"GET", "/accesstoken.delete"},
                {"POST", "/accesstoken.list"}, {"POST", "/usage.show?month=2026-01"}}) {
                Ctx.Reply rep = Mgmt.call(c.target, Optional.of(c.managementKey()), rq[0], rq[1], null);
                Ctx.status(rep, Wire.METHOD_NOT_ALLOWED, rq[0] + " " + rq[1]);
            }
        });
    }

    private static void expect422(Ctx.Reply rep, String what) {
        Ctx.status(rep, Wire.UNPROCESSABLE, what);
        Map<String, Object> m = Mgmt.object(rep, what);
        expect(m.containsKey("detail"), what + ": body", "a JSON object with detail", rep::text);
    }

    private static long volume(Ctx c) throws IOException {
        String month = YearMonth.now(ZoneOffset.UTC).toString();
        Ctx.Reply rep = Mgmt.call(c.target, Optional.of(c.managementKey()), "GET", "/usage.show?month=" + month, null);
        Ctx.status(rep, Wire.OK, "usage.show");
        Object v = Mgmt.object(rep, "usage.show").get("volume_bytes");
        expect(v instanceof BigDecimal, "volume_bytes", "a number", rep::text);
        return ((BigDecimal) v).longValue();
    }
}
