package dev.okapi.conformance;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs cases one after the other, each on its own virtual thread under a hard time bound: a relay
 * that hangs fails the case that found it, closes its connections, and the run goes on.
 */
final class Runner {

    private final Options opt;
    private final Target target;
    private final Ctx.Credentials creds;
    private final Reports reports;

    Runner(Options opt, Target target, Ctx.Credentials creds, Reports reports) {
        this.opt = Objects.requireNonNull(opt, "opt required");
        this.target = Objects.requireNonNull(target, "target required");
        this.creds = Objects.requireNonNull(creds, "creds required");
        this.reports = Objects.requireNonNull(reports, "reports required");
    }

    List<Result> run(List<Case> cases) {
        List<Result> results = new ArrayList<>();
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Case c : cases) {
                if (!opt.selected(c)) {
                    continue;
                }
                Result r = runOne(c, exec);
                results.add(r);
                reports.result(r);
            }
        }
        return results;
    }

    private Result runOne(Case c, ExecutorService exec) {
        String why = skipReason(c);
        if (why != null) {
            return new Result(c, Result.Outcome.SKIP, why, null, null, 0);
        }
        long start = System.nanoTime();
        Ctx ctx = new Ctx(opt, target, c, creds);
        Future<?> f = exec.submit(() -> {
            c.check().run(ctx);
            return null;
        });
        try {
            f.get(opt.caseTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return new Result(c, Result.Outcome.PASS, null, null, null, millis(start));
        } catch (TimeoutException e) {
            f.cancel(true);
            return new Result(c, Result.Outcome.FAIL, "case did not finish: the relay hung", "an outcome within "
                    + opt.caseTimeout().toSeconds() + " s", "still running", millis(start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(c, Result.Outcome.FAIL, "interrupted", null, null, millis(start));
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            if (t instanceof Skipped s) {
                return new Result(c, Result.Outcome.SKIP, s.getMessage(), null, null, millis(start));
            }
            if (t instanceof Failure fl) {
                return new Result(c, Result.Outcome.FAIL, fl.getMessage(), fl.expected(), fl.actual(), millis(start));
            }
            return new Result(c, Result.Outcome.FAIL, "unexpected " + t.getClass().getSimpleName() + ": " + t.getMessage(),
                    null, null, millis(start));
        } finally {
            ctx.close();
        }
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
                case TOKENS -> creds.tokens();
                case OPEN -> !creds.tokens();
                case MGMT -> creds.managementKey().isPresent();
            };
            if (!ok) {
                return "needs " + n.hint();
            }
        }
        return null;
    }

    private static long millis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
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
