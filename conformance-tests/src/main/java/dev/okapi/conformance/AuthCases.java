package dev.okapi.conformance;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Future;

import dev.okapi.protocol.Wire;

import static dev.okapi.conformance.Ctx.expect;
import static dev.okapi.protocol.Wire.Mode.AWAIT_READER;
import static dev.okapi.protocol.Wire.Mode.AWAIT_WRITER;

/** Spec section 7: access tokens. Token-mode cases run only when tokens (or a management key) are given. */
final class AuthCases {

    private AuthCases() {
    }

    static void register(Registry r) {
        r.section("auth");

        r.group("open mode (7)");
        r.needs(Need.OPEN).must("AUTH-9", "an open relay ignores tokens: unknown Bearer and accesstoken values are served", c -> {
            String p = c.path();
            Conn cc = c.open();
            cc.send(c.head("GET", Wire0.data(p) + "?" + Wire.PARAM_ACCESS_TOKEN + "=junk" + Text.hex(4), Ctx.Side.NONE));
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            byte[] data = Text.random(100);
            Producer pr = c.producer(p, Producer.Framing.length(data.length), false, "Authorization: Bearer junk" + Text.hex(4));
            pr.send(data);
            new Consumer(c, cc).expectStream(data, "stream with ignored tokens");
        });

        r.group("token mode (7)");
        r.needs(Need.TOKENS).must("AUTH-1", "Connect and Data requests without a token get 401", c -> {
            String p = c.path();
            for (String[] rq : requests(p)) {
                Ctx.Reply rep = c.exchange(rq[0], rq[1], Ctx.Side.NONE, Ctx.QUICK, rq[0].equals("PUT") ? "Content-Length: 0" : "X-C: 1");
                Ctx.status(rep, Wire.UNAUTHORIZED, rq[0] + " " + rq[1] + " without a token");
            }
        });
        r.needs(Need.TOKENS).must("AUTH-11", "the same Bearer token opens the Connect wait and the Data request of its side", c -> {
            String p = c.path();
            URI[] urls = connectPair(c, p, false);
            byte[] data = Text.random(1000);
            ConnectCases.viaUrls(c, urls[0], urls[1], data).expectClean(data, "stream with Bearer tokens");
        });
        r.needs(Need.TOKENS).must("AUTH-2", "accesstoken query parameters open Connect and Data on both sides", c -> {
            String p = c.path();
            String w = c.creds().write().orElseThrow();
            String rd = c.creds().read().orElseThrow();
            URI[] urls = connectPair(c, p, true);
            byte[] data = Text.random(1000);
            Conn cc = c.open();
            cc.send(c.head("GET", urls[1].getRawPath() + "?accesstoken=" + rd, Ctx.Side.NONE));
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            Conn pc = c.open();
            pc.send(c.head("PUT", urls[0].getRawPath() + "?accesstoken=" + w, Ctx.Side.NONE, "Content-Length: " + data.length));
            pc.send(data);
            new Consumer(c, cc).expectStream(data, "stream with query tokens");
        });
        r.needs(Need.TOKENS).must("AUTH-3", "no token, an unknown token, or a non-Bearer Authorization: 401 with WWW-Authenticate: Bearer", c -> {
            String p = c.path();
            String[] variants = {null, "Authorization: Bearer unknown" + Text.hex(12), "Authorization: Basic Y29uZm9ybWFuY2U6eA==",
                "Authorization: Bearer"};
            for (String v : variants) {
                Ctx.Reply rep = v == null ? c.exchange("GET", Wire0.data(p), Ctx.Side.NONE, Ctx.QUICK)
                        : c.exchange("GET", Wire0.data(p), Ctx.Side.NONE, Ctx.QUICK, v);
                Ctx.status(rep, Wire.UNAUTHORIZED, "GET with " + (v == null ? "no Authorization" : v));
                String wa = rep.head().first("WWW-Authenticate").orElse("");
                expect(wa.regionMatches(true, 0, "Bearer", 0, 6), "WWW-Authenticate", "Bearer …", rep::describe);
            }
            Ctx.Reply q = c.exchange("GET", Wire0.connect(p, AWAIT_READER, "timeout=0&accesstoken=unknown" + Text.hex(12)),
                    Ctx.Side.NONE, Ctx.QUICK);
            Ctx.status(q, Wire.UNAUTHORIZED, "Connect with an unknown accesstoken");
        });
        r.needs(Need.TOKENS).must("AUTH-4", "a token of the wrong mode gets 403 on Data and Connect", c -> {
            String p = c.path();
            String w = c.creds().write().orElseThrow();
            String rd = c.creds().read().orElseThrow();
            check403(c, "PUT", Wire0.data(p), rd, "a read token on PUT");
            check403(c, "GET", Wire0.connect(p, AWAIT_READER, "timeout=0"), rd, "a read token on await-reader");
            check403(c, "GET", Wire0.data(p), w, "a write token on GET");
            check403(c, "GET", Wire0.connect(p, AWAIT_WRITER, "timeout=0"), w, "a write token on await-writer");
        });
        r.needs(Need.TOKENS).must("AUTH-5", "paths outside the token's scope get 403 (sibling sharing the prefix's characters, unrelated path)", c -> {
            String w = c.creds().write().orElseThrow();
            String rd = c.creds().read().orElseThrow();
            for (String p : new String[] {c.opt.tokenPrefix() + "x/" + Text.hex(4), "/elsewhere-" + Text.hex(6)}) {
                check403(c, "PUT", Wire0.data(p), w, "a write token outside its scope");
                check403(c, "GET", Wire0.data(p), rd, "a read token outside its scope");
                check403(c, "GET", Wire0.connect(p, AWAIT_READER, "timeout=0"), w, "Connect outside the scope");
            }
        });
        r.needs(Need.TOKENS).must("AUTH-6", "refused requests learn nothing: no pairing, no 409, no presence", c -> {
            String p = c.path();
            String rd = c.creds().read().orElseThrow();
            Consumer cons = c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            Ctx.Reply put = c.exchange("PUT", Wire0.data(p), Ctx.Side.NONE, Ctx.QUICK, "Content-Length: 0");
            Ctx.status(put, Wire.UNAUTHORIZED, "a tokenless producer on a path with a waiting consumer");
            Ctx.Reply get = c.exchange("GET", Wire0.data(p), Ctx.Side.NONE, Ctx.QUICK);
            Ctx.status(get, Wire.UNAUTHORIZED, "a tokenless second consumer (not 409)");
            Ctx.Reply wrong = c.exchange("PUT", Wire0.data(p), Ctx.Side.NONE, Ctx.QUICK, "Authorization: Bearer " + rd, "Content-Length: 0");
            Ctx.status(wrong, Wire.FORBIDDEN, "a read token on PUT to a path with a waiting consumer");
            Ctx.Reply probe = c.exchange("GET", Wire0.connect(p, AWAIT_READER, "timeout=0"), Ctx.Side.NONE, Ctx.QUICK);
            Ctx.status(probe, Wire.UNAUTHORIZED, "a tokenless presence probe");
            byte[] data = Text.random(100);
            c.producer(p, Producer.Framing.length(data.length), false).send(data);
            cons.expectStream(data, "the waiting consumer's stream, untouched");
        });
        r.needs(Need.TOKENS).must("AUTH-7", "401 and 403 bodies are one line naming neither the token nor the path", c -> {
            String p = c.path();
            String rd = c.creds().read().orElseThrow();
            String stranger = "zq" + Text.hex(10);
            Ctx.Reply a = c.exchange("GET", Wire0.data(p), Ctx.Side.NONE, Ctx.QUICK, "Authorization: Bearer " + stranger);
            Ctx.Reply b = c.exchange("PUT", Wire0.data(p), Ctx.Side.NONE, Ctx.QUICK, "Authorization: Bearer " + rd, "Content-Length: 0");
            Ctx.status(a, Wire.UNAUTHORIZED, "an unknown token");
            Ctx.status(b, Wire.FORBIDDEN, "a read token on PUT");
            for (Ctx.Reply rep : new Ctx.Reply[] {a, b}) {
                Ctx.oneLine(rep, rep.status() + " answer");
                expect(!rep.text().contains(rd) && !rep.text().contains(stranger) && !rep.text().contains(c.opt.tokenPrefix()),
                        rep.status() + " body", "no token, no path", rep::text);
            }
        });
        r.must("AUTH-8", "no answer echoes a token: the Connect body, 401/403 bodies, the consumer's headers", c -> {
            String p = c.path();
            String w = c.creds().write().orElse("conformance-dummy-" + Text.hex(6));
            c.consumer(p);
            c.awaitPresent(p, Ctx.Side.CONSUMER);
            Ctx.Reply rep = c.exchange("GET", Wire0.connect(p, AWAIT_READER, "accesstoken=" + w), Ctx.Side.NONE, Ctx.QUICK);
            Ctx.status(rep, Wire.OK, "Connect with accesstoken");
            expect(!rep.describe().contains(w), "the Connect answer", "no token in head or body", rep::describe);
            if (c.creds().tokens()) {
                Ctx.Reply bad = c.exchange("GET", Wire0.data(p), Ctx.Side.NONE, Ctx.QUICK, "Authorization: Bearer " + w);
                expect(!bad.describe().contains(w), "the 403 answer", "no token in head or body", bad::describe);
            }
        });

        r.group("made through the Management API (7)");
        r.needs(Need.TOKENS, Need.MGMT).must("AUTH-3", "an expired token gets 401", c -> {
            String p = c.path();
            Instant expires = Instant.now().plusSeconds(2);
            Mgmt.Token t = Mgmt.create(c.target, c.managementKey(), Mgmt.tokenForm(p, "read", false, expires));
            try {
                while (Instant.now().isBefore(expires.plusMillis(1500))) {
                    Thread.sleep(250); // time itself is what this case waits for
                }
                Ctx.Reply rep = c.exchange("GET", Wire0.data(p), Ctx.Side.NONE, Ctx.QUICK, "Authorization: Bearer " + t.token());
                Ctx.status(rep, Wire.UNAUTHORIZED, "GET with an expired token");
            } finally {
                Mgmt.delete(c.target, c.managementKey(), t.tokenId());
            }
        });
        r.needs(Need.TOKENS, Need.MGMT).must("AUTH-5", "a plain token covers its path only; a recursive one its subtree at segment boundaries, trailing slashes as written", c -> {
            String p = c.path();
            Instant exp = Instant.now().plusSeconds(3600);
            Mgmt.Token plain = Mgmt.create(c.target, c.managementKey(), Mgmt.tokenForm(p, "write", false, exp));
            Mgmt.Token rec = Mgmt.create(c.target, c.managementKey(), Mgmt.tokenForm(p + "/tree", "write", true, exp));
            Mgmt.Token slash = Mgmt.create(c.target, c.managementKey(), Mgmt.tokenForm(p + "/dir/", "write", true, exp));
            try {
                authorised(c, p + "/tree/", rec.token());
                authorised(c, p + "/dir/", slash.token());
                authorised(c, p + "/dir/b", slash.token());
                check403(c, "GET", Wire0.connect(p + "/dir", AWAIT_READER, "timeout=0"), slash.token(),
                        "a recursive token for a path with a trailing slash, on that path without it");
                authorised(c, p, plain.token());
                check403(c, "GET", Wire0.connect(p + "/x", AWAIT_READER, "timeout=0"), plain.token(), "a plain token below its path");
                check403(c, "GET", Wire0.connect(p + "/", AWAIT_READER, "timeout=0"), plain.token(), "a plain token on its path + /");
                authorised(c, p + "/tree", rec.token());
                authorised(c, p + "/tree/a/b", rec.token());
                check403(c, "GET", Wire0.connect(p + "/treex", AWAIT_READER, "timeout=0"), rec.token(),
                        "a recursive token on a sibling sharing its characters");
                check403(c, "GET", Wire0.connect(p, AWAIT_READER, "timeout=0"), rec.token(), "a recursive token above its path");
            } finally {
                Mgmt.delete(c.target, c.managementKey(), plain.tokenId());
                Mgmt.delete(c.target, c.managementKey(), rec.tokenId());
                Mgmt.delete(c.target, c.managementKey(), slash.tokenId());
            }
        });
    }

    private static String[][] requests(String p) {
        return new String[][] {
            {"PUT", Wire0.data(p)},
            {"GET", Wire0.data(p)},
            {"GET", Wire0.connect(p, AWAIT_READER, "timeout=0")},
            {"GET", Wire0.connect(p, AWAIT_WRITER, "timeout=0")},
        };
    }

    static void check403(Ctx c, String method, String target, String token, String what) throws IOException {
        Ctx.Reply rep = c.exchange(method, target, Ctx.Side.NONE, Ctx.QUICK, "Authorization: Bearer " + token,
                method.equals("PUT") ? "Content-Length: 0" : "X-C: 1");
        Ctx.status(rep, Wire.FORBIDDEN, what);
    }

    /** Authorised, with no peer: Connect with timeout=0 answers 504. */
    static void authorised(Ctx c, String path, String writeToken) throws IOException {
        Ctx.Reply rep = c.exchange("GET", Wire0.connect(path, AWAIT_READER, "timeout=0"), Ctx.Side.NONE, Ctx.QUICK,
                "Authorization: Bearer " + writeToken);
        expect(rep.status() == Wire.WAIT_EXPIRED, "Connect on " + path, "504 (authorised, no peer)", rep::describe);
    }

    /** Both Connect requests for a path (the consumer's first), as header or query tokens; their URLs. */
    static URI[] connectPair(Ctx c, String p, boolean query) throws Exception {
        String qw = query ? "timeout=20&accesstoken=" + c.creds().write().orElseThrow() : "timeout=20";
        String qr = query ? "timeout=20&accesstoken=" + c.creds().read().orElseThrow() : "timeout=20";
        Ctx.Side sw = query ? Ctx.Side.NONE : Ctx.Side.PRODUCER;
        Ctx.Side sr = query ? Ctx.Side.NONE : Ctx.Side.CONSUMER;
        Future<Ctx.Reply> reader = c.async(() -> c.exchange("GET", Wire0.connect(p, AWAIT_WRITER, qr), sr,
                Duration.ofSeconds(25)));
        Ctx.Reply w = c.exchange("GET", Wire0.connect(p, AWAIT_READER, qw), sw, Duration.ofSeconds(25));
        Ctx.status(w, Wire.OK, "the producer's Connect");
        Ctx.Reply rd = c.await(reader, Duration.ofSeconds(25), "the consumer's Connect");
        Ctx.status(rd, Wire.OK, "the consumer's Connect");
        return new URI[] {ConnectCases.dataUrl(c, w, p), ConnectCases.dataUrl(c, rd, p)};
    }
}
