package dev.okapi.conformance;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs cases one after the other, each on its own thread under a hard time bound: a relay that
 * hangs fails the case that found it, closes its connections, and the run goes on.
 */
final class Runner {

    private final Options opt;
    private final Target target;
    private final Ctx.Credentials creds;
    private final boolean managementApi;
    private final ExpectedFailures expected;
    private final Reports reports;

    /**
     * @param managementApi whether the relay offers a Management API (else its cases do not apply)
     * @param expected      the relay's known deviations
     */
    Runner(Options opt, Target target, Ctx.Credentials creds, boolean managementApi, ExpectedFailures expected, Reports reports) {
        this.opt = Objects.requireNonNull(opt, "opt required");
        this.target = Objects.requireNonNull(target, "target required");
        this.creds = Objects.requireNonNull(creds, "creds required");
        this.managementApi = managementApi;
        this.expected = Objects.requireNonNull(expected, "expected required");
        this.reports = Objects.requireNonNull(reports, "reports required");
    }

    List<Result> run(List<Case> cases) {
        List<Result> results = new ArrayList<>();
        ExecutorService exec = Threads.pool("case");
        try {
            for (Case c : cases) {
                if (!opt.selected(c)) {
                    continue;
                }
                Result r = runOne(c, exec).withExpectedFailure(expected.reason(c));
                results.add(r);
                reports.result(r);
            }
        } finally {
            exec.shutdownNow();
        }
        return results;
    }

    private Result runOne(Case c, ExecutorService exec) {
        String na = notApplicable(c);
        if (na != null) {
            return Result.of(c, Result.Outcome.NA, na, 0);
        }
        String why = skipReason(c);
        if (why != null) {
            return Result.of(c, Result.Outcome.SKIP, why, 0);
        }
        long start = System.nanoTime();
        Ctx ctx = new Ctx(opt, target, c, creds);
        Duration limit = c.needs().contains(Need.LONG_TRANSFER) ? opt.caseTimeout().plus(opt.longTransfer()) : opt.caseTimeout();
        Future<?> f = exec.submit(() -> {
            c.check().run(ctx);
            return null;
        });
        try {
            f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return done(ctx, c, Result.Outcome.PASS, null, null, null, start, Optional.empty());
        } catch (TimeoutException e) {
            f.cancel(true);
            return done(ctx, c, Result.Outcome.FAIL, "case did not finish: the relay hung", "an outcome within "
                    + limit.toSeconds() + " s", "still running", start, Optional.empty());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return done(ctx, c, Result.Outcome.FAIL, "interrupted", null, null, start, Optional.empty());
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            if (t instanceof Skipped s) {
                return done(ctx, c, Result.Outcome.SKIP, s.getMessage(), null, null, start, Optional.empty());
            }
            if (t instanceof Failure fl) {
                return done(ctx, c, Result.Outcome.FAIL, fl.getMessage(), fl.expected(), fl.actual(), start, fl.spec());
            }
            return done(ctx, c, Result.Outcome.FAIL, "unexpected " + t.getClass().getSimpleName() + ": " + t.getMessage(),
                    null, null, start, Optional.empty());
        } finally {
            ctx.close();
        }
    }

    private static Result done(Ctx ctx, Case c, Result.Outcome o, String message, String expected, String actual, long start,
                               Optional<String> failedSpec) {
        return new Result(c, o, message, expected, actual, (System.nanoTime() - start) / 1_000_000, ctx.info(),
                Optional.empty(), failedSpec);
    }

    /** Why a case does not apply to this relay at all (its mode, or no Management API), or null. */
    private String notApplicable(Case c) {
        for (Need n : c.needs()) {
            if (n == Need.TOKENS && !creds.tokens()) {
                return "the relay runs in open mode: token-mode requirements do not apply";
            }
            if (n == Need.OPEN && creds.tokens()) {
                return "the relay runs in token mode: open-mode requirements do not apply";
            }
            if (n == Need.MGMT && creds.managementKey().isEmpty() && !managementApi) {
                return "the relay offers no Management API (404)";
            }
        }
        return null;
    }

    private String skipReason(Case c) {
        if (opt.skipped(c)) {
            return "excluded by --skip";
        }
        if (c.level() != Level.MUST && !opt.strict()) {
            return c.level() + " case: runs with --strict";
        }
        for (Need n : c.needs()) {
            boolean ok = switch (n) {
                case WAIT_LIMIT -> opt.waitLimit().isPresent();
                case TOKENS, OPEN, LONG_TRANSFER -> true;
                case MGMT -> creds.managementKey().isPresent();
            };
            if (!ok) {
                return "needs " + n.hint();
            }
        }
        return null;
    }

    /** Prints the case list for --list. */
    static void list(List<Case> cases, Options opt, PrintStream out) {
        String group = null;
        for (Case c : cases) {
            if (!opt.selected(c)) {
                continue;
            }
            String g = c.id().substring(0, c.id().lastIndexOf('/'));
            if (!g.equals(group)) {
                out.println(g + "  " + c.group());
                group = g;
            }
            out.printf("  %-12s %-9s %-6s %s%s%n", c.id(), c.spec(), c.level(), c.description(),
                    c.needs().isEmpty() ? "" : "  (needs " + c.needs().stream().map(Need::hint).sorted().toList() + ")");
        }
    }
}
