package dev.okapi.conformance;

import java.time.Duration;

import dev.okapi.protocol.Wire;

import static dev.okapi.conformance.Ctx.expect;

/** Spec section 4: stream paths. */
final class PathCases {

    private PathCases() {
    }

    static void register(Registry r) {
        r.section("path");

        r.group("grammar (4)");
        r.must("PATH-1", "valid paths are accepted on Connect and Data: digits, . _ -, dots inside segments, trailing slash, 1000 characters", c -> {
            String base = c.path();
            String longPath = base + "/" + "a".repeat(1000 - base.length() - 1);
            for (String p : new String[] {base, base + "/0-9_a.b", base + "/.hidden", base + "/x..y", base + "/trailing/",
                longPath}) {
                accepted(c, p);
            }
        });
        r.must("PATH-1", "malformed paths get 400 at once on Data and Connect", c -> {
            String base = c.path();
            for (String bad : new String[] {base + "/Upper", base + "//empty", base + "/.", base + "/..", base + "/./x",
                base + "/a/../b", base + "/sp ace".replace(" ", "+"), base + "/semi;colon", base + "/at@", base + "/tilde~",
                base + "/colon:", base + "/comma,", base + "/eq=", base + "/bang!", base + "/star*", base + "/quote'",
                base + "/paren(", base + "/dollar$", base + "/amp&x", base + "/back\\slash", "/"}) {
                rejected(c, bad);
            }
        });
        r.must("PATH-1", "a path of 1001 characters gets 400 on Data and Connect", c -> {
            String base = c.path();
            rejected(c, base + "/" + "a".repeat(1001 - base.length() - 1));
        });
        r.must("PATH-1", "a request with no stream path gets 400 and never waits", c -> {
            for (String t : new String[] {Wire.DATA_PREFIX, Wire.DATA_PREFIX + "/", Wire.CONNECT_PREFIX + "?mode=await-reader",
                Wire.CONNECT_PREFIX + "/?mode=await-reader"}) {
                Ctx.Reply rep = c.get(t, Ctx.Side.CONSUMER);
                expect(rep.status() == Wire.BAD_REQUEST, "GET " + t, "400 (a Data or Connect request whose stream path is empty)",
                        rep::describe);
            }
        });

        r.group("raw, not decoded (4)");
        r.must("PATH-2", "percent-encoded paths get 400: %2F %2f %2e%2e %61 %00 %25 %20", c -> {
            String base = c.path();
            for (String bad : new String[] {base + "%2Fx", base + "%2fx", base + "/%2e%2e", base + "/%2E%2E/x", base + "/%61",
                base + "/a%00", base + "/a%25", base + "/a%20b", base + "%2F..%2Fx"}) {
                rejected(c, bad);
            }
        });

        r.group("identity (4)");
        r.must("PATH-3", "/p, /p/ and /p/x are three different streams", c -> {
            String p = c.path();
            String[] paths = {p, p + "/", p + "/x"};
            Consumer[] cons = new Consumer[3];
            for (int i = 0; i < 3; i++) {
                cons[i] = c.consumer(paths[i]);
                c.awaitPresent(paths[i], Ctx.Side.CONSUMER);
            }
            for (int i = 0; i < 3; i++) {
                byte[] data = Text.ascii("stream for " + paths[i]);
                c.producer(paths[i], Producer.Framing.length(data.length), false).send(data);
                cons[i].expectStream(data, "the consumer on " + paths[i]);
            }
        });

        r.group("dot segments (4)");
        r.must("PATH-4", "dot segments never reach another API or stream: 400 or 404 at once", c -> {
            String p = c.path();
            for (String t : new String[] {
                Wire.DATA_PREFIX + "/../connect/v0" + p + "?mode=await-reader",
                Wire.CONNECT_PREFIX + "/../../data" + p,
                "/x/.." + Wire.DATA_PREFIX + p,
                Wire.DATA_PREFIX + "/." + p,
                Wire.DATA_PREFIX + p + "/..",
                Wire.DATA_PREFIX + p + "/./",
                Wire.CONNECT_PREFIX + p + "/../x?mode=await-writer",
                Wire.DATA_PREFIX + "/../api/v0/accesstoken.list",
                Wire.CONNECT_PREFIX + "/../../api/v0/usage.show?month=2026-01"}) {
                Ctx.Reply rep = c.get(t, Ctx.Side.CONSUMER);
                expect(Ctx.oneOf(rep.status(), Wire.BAD_REQUEST, Wire.NOT_FOUND), "GET " + t, "400 or 404, at once", rep::describe);
            }
        });
    }

    /** A path the grammar accepts: Connect with timeout=0 answers 504 (no peer), not 400. */
    static void accepted(Ctx c, String path) throws Exception {
        Ctx.Reply rep = c.get(Wire0.connect(path, Wire.Mode.AWAIT_READER, "timeout=0"), Ctx.Side.PRODUCER);
        expect(rep.status() == Wire.WAIT_EXPIRED, "Connect on the valid path " + Text.clip(path, 80),
                "504 (accepted, no peer within timeout=0)", rep::describe);
        // And on the Data API: a consumer and a producer pair on it.
        Flows.clean(c, path, Text.ascii("on " + path), Flows.Order.CONSUMER_FIRST);
    }

    /** A path the grammar rejects: 400 on Data GET, Data PUT and Connect, without waiting. */
    static void rejected(Ctx c, String path) throws Exception {
        String[][] requests = {
            {"GET", Wire0.data(path)},
            {"PUT", Wire0.data(path)},
            {"GET", Wire0.connect(path, Wire.Mode.AWAIT_READER, "timeout=30")},
        };
        for (String[] rq : requests) {
            Ctx.Reply rep = rq[0].equals("PUT")
                    ? c.exchange("PUT", rq[1], Ctx.Side.PRODUCER, Duration.ofSeconds(5), "Content-Length: 0")
                    : c.exchange(rq[0], rq[1], rq[0].equals("GET") && rq[1].startsWith(Wire.DATA_PREFIX)
                    ? Ctx.Side.CONSUMER : Ctx.Side.PRODUCER, Duration.ofSeconds(5));
            expect(rep.status() == Wire.BAD_REQUEST, rq[0] + " " + Text.clip(rq[1], 120), "400 at once", rep::describe);
        }
    }
}
