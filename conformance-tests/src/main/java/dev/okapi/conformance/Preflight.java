package dev.okapi.conformance;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

import dev.okapi.protocol.Wire;

/**
 * What the suite learns before the first case: whether the target is a ZebraStream relay at all
 * (else one clear line instead of a hundred identical failures), whether it demands tokens, and
 * whether it offers a Management API.
 *
 * @param relay         whether the target answered Connect as a relay does
 * @param why           if not, what it answered instead
 * @param tokenMode     whether Connect without a token was answered 401
 * @param managementApi whether the Management API exists (401 without a key, not 404)
 */
record Preflight(boolean relay, String why, boolean tokenMode, boolean managementApi) {

    Preflight {
        Objects.requireNonNull(why, "why required");
    }

    static Preflight check(Target target, Options opt) {
        String probe = Wire0.connect(opt.tokenPrefix() + "/preflight-" + Text.hex(4), Wire.Mode.AWAIT_READER, "timeout=0");
        Head connect;
        try {
            connect = ask(target, probe);
        } catch (IOException e) {
            return new Preflight(false, "GET " + probe + " got no HTTP answer (" + e.getMessage() + ")", false, false);
        }
        // 504: no peer now ([CONN-7]); 401: token mode ([AUTH-1]); 200 cannot happen on a fresh path but is a relay's word.
        if (!Ctx.oneOf(connect.status(), Wire.WAIT_EXPIRED, Wire.UNAUTHORIZED, Wire.OK)) {
            return new Preflight(false, "GET " + probe + " answered " + connect.status() + " " + connect.reason()
                    + " (a relay answers 504, or 401 in token mode)", false, false);
        }
        boolean mgmt;
        try {
            mgmt = ask(target, Wire.API_PREFIX + Wire.MGMT_LIST).status() != Wire.NOT_FOUND;
        } catch (IOException e) {
            mgmt = true; // unknown: its cases then run or are skipped, never waved through as not applicable
        }
        return new Preflight(true, "", connect.status() == Wire.UNAUTHORIZED, mgmt);
    }

    private static Head ask(Target target, String requestTarget) throws IOException {
        try (Conn c = Conn.open(target, Duration.ofSeconds(10))) {
            c.send("GET " + requestTarget + " HTTP/1.1\r\nHost: " + target.hostHeader() + "\r\nConnection: close\r\n\r\n");
            return c.readHead();
        }
    }
}
