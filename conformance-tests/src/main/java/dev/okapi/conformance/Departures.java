package dev.okapi.conformance;

import java.io.IOException;
import java.time.Duration;

import dev.okapi.protocol.Wire;

/**
 * [DATA-8], [DATA-26], [CONN-17]: a waiter that left is noticed within the departure bound D. The
 * suite sees it through Connect: a probe with {@code timeout=0} stops being answered {@code 200}.
 */
final class Departures {

    /** D as the spec RECOMMENDS it. */
    static final Duration D = Duration.ofSeconds(1);
    /** What the suite allows on top of D for a loaded machine or a remote relay. */
    static final Duration GRACE = Duration.ofMillis(1500);

    private Departures() {
    }

    /** Fails unless the side that left on {@code path} stops being reported present within D + grace; records the time. */
    static void expectGone(Ctx c, String path, Ctx.Side left, String what) throws IOException, InterruptedException {
        Wire.Mode probe = left == Ctx.Side.CONSUMER ? Wire.Mode.AWAIT_READER : Wire.Mode.AWAIT_WRITER;
        long t0 = System.nanoTime();
        long end = t0 + D.plus(GRACE).toNanos();
        Ctx.Reply last = null;
        while (System.nanoTime() < end) {
            last = c.connect(path, probe, "timeout=0", Ctx.QUICK);
            if (last.status() == Wire.WAIT_EXPIRED) {
                c.info(what + ": no longer present after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                return;
            }
            Thread.sleep(50); // polling: a relay under test shows presence only through these probes
        }
        Ctx.Reply seen = last;
        throw new Failure(what + " is still reported present by Connect (" + probe.word() + ", timeout=0)",
                "504 (nobody there) within D + " + GRACE.toMillis() + " ms = " + D.plus(GRACE).toMillis() + " ms",
                seen == null ? "no answer" : seen.describe());
    }
}
