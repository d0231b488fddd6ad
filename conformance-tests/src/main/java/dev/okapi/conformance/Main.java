package dev.okapi.conformance;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.okapi.protocol.Wire;

/**
 * The conformance runner: {@code java -jar okapi-conformance.jar --target http://127.0.0.1:8080}.
 * It talks to the relay only over the network, through its own client; see the README.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /**
     * Runs the suite as the command line says.
     *
     * @return 0 when every case that ran passed (listed expected failures aside), 1 when one failed, a
     *         listed one passed, or --strict and a MUST case was skipped; 2 on a usage or setup error
     */
    public static int run(String[] args, PrintStream out) {
        Options opt;
        try {
            opt = Options.parse(args);
        } catch (IllegalArgumentException e) {
            if (e.getMessage().isEmpty()) { // --help
                out.print(Options.USAGE);
                return 0;
            }
            out.println("error: " + e.getMessage() + " (try --help)"); // one line: the usage would bury it
            return 2;
        }
        List<Case> cases = Registry.all();
        List<String> unknown = opt.unknownSelectors(cases);
        if (!unknown.isEmpty()) {
            out.println("error: --only or --skip names no case: " + String.join(", ", unknown) + " (see --list)");
            return 2;
        }
        if (opt.list()) {
            Runner.list(cases, opt, out);
            return 0;
        }
        ServerProcess server = null;
        List<Mgmt.Token> made = new ArrayList<>();
        try {
            if (opt.serverCommand().isPresent()) {
                server = ServerProcess.start(opt.serverCommand().get(), Duration.ofSeconds(opt.startupSeconds()));
                out.println("started relay on port " + server.port() + " (log " + server.log() + ")");
                opt = opt.withTarget("http://127.0.0.1:" + server.port());
            }
            Target target = Target.parse(opt.target().orElseThrow(), opt.insecure());
            ExpectedFailures expected = opt.expectedFailures().isPresent()
                    ? ExpectedFailures.read(opt.expectedFailures().get()).namingOnly(cases) : ExpectedFailures.NONE;
            try (Conn probe = Conn.open(target, Duration.ofSeconds(5))) {
                // reachable (and, over TLS, the handshake passed)
            } catch (IOException e) {
                out.println("error: cannot connect to " + target.origin() + ": " + e.getMessage());
                return 2;
            }
            Preflight pre = Preflight.check(target, opt);
            if (!pre.relay()) {
                out.println("error: " + target.origin() + " is not a ZebraStream relay: " + pre.why() + "; no case was run");
                return 2;
            }
            Ctx.Credentials creds = credentials(opt, target, made, out);
            Traceability.Spec spec = Traceability.bundled();
            out.println("Okapi conformance suite, " + spec.label() + " of the ZebraStream protocol (API " + Wire.VERSION
                    + "), against " + target.origin() + (creds.tokens() ? " (token mode)" : " (open mode)")
                    + (opt.strict() ? ", strict" : "") + opt.waitLimit().map(w -> ", wait limit " + w.toSeconds() + " s").orElse(""));
            if (pre.tokenMode() && !creds.tokens()) {
                out.println("warning: the relay answers 401 without a token: it runs in token mode; give --write-token and "
                        + "--read-token (or --management-key), or most cases will fail");
            }
            Reports reports = new Reports(out, opt.quiet(), spec);
            long start = System.nanoTime();
            List<Result> results = new Runner(opt, target, creds, pre.managementApi(), expected, reports).run(cases);
            long millis = (System.nanoTime() - start) / 1_000_000;
            List<String> unverified = unverifiedMust(results);
            reports.summary(results, millis, unverified);
            if (opt.junitXml().isPresent()) {
                reports.junitXml(opt.junitXml().get(), results, millis);
            }
            if (opt.json().isPresent()) {
                reports.jsonLines(opt.json().get(), results);
            }
            cleanup(opt, target, made);
            boolean failed = results.stream().anyMatch(Result::failsRun) || opt.strict() && !unverified.isEmpty();
            if (failed && server != null) {
                server.keepLog();
                out.println("the relay's log is kept: " + server.log());
            }
            return failed ? 1 : 0;
        } catch (IOException | RuntimeException e) {
            out.println("error: " + e.getMessage());
            if (server != null) {
                server.keepLog();
            }
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 2;
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    /** Tokens from the command line, or made for the token prefix when only the management key is given. */
    private static Ctx.Credentials credentials(Options opt, Target target, List<Mgmt.Token> made, PrintStream out)
            throws IOException {
        if (opt.tokens() || opt.managementKey().isEmpty()) {
            return new Ctx.Credentials(opt.writeToken(), opt.readToken(), opt.managementKey());
        }
        String key = opt.managementKey().get();
        Instant expires = Instant.now().plus(Duration.ofHours(2));
        try {
            Mgmt.Token w = Mgmt.create(target, key, Mgmt.tokenForm(opt.tokenPrefix(), "write", true, expires));
            made.add(w);
            Mgmt.Token r = Mgmt.create(target, key, Mgmt.tokenForm(opt.tokenPrefix(), "read", true, expires));
            made.add(r);
            out.println("made a write and a read token for " + opt.tokenPrefix() + " (recursive) through the Management API");
            return new Ctx.Credentials(Optional.of(w.token()), Optional.of(r.token()), opt.managementKey());
        } catch (Failure e) {
            throw new IOException("could not make tokens with --management-key: " + e.getMessage() + ": " + e.actual());
        }
    }

    private static void cleanup(Options opt, Target target, List<Mgmt.Token> made) {
        for (Mgmt.Token t : made) {
            try {
                Mgmt.delete(target, opt.managementKey().orElseThrow(), t.tokenId());
            } catch (IOException | RuntimeException e) {
                // they expire in two hours anyway
            }
        }
    }

    /** The MUST requirements with a case that was skipped (not run for want of an option, or --skip). */
    static List<String> unverifiedMust(List<Result> results) {
        return results.stream().filter(r -> r.outcome() == Result.Outcome.SKIP && r.kase().level() == Level.MUST)
                .map(r -> r.kase().spec()).distinct().toList();
    }
}
