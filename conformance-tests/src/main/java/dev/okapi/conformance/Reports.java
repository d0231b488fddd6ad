package dev.okapi.conformance;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Results to the console as they come, and at the end to a JUnit XML file and a JSON-lines file.
 * Every failure quotes the requirement's sentence from the spec version the suite carries.
 */
final class Reports {

    private final PrintStream out;
    private final boolean quiet;
    private final Traceability.Spec spec;

    Reports(PrintStream out, boolean quiet, Traceability.Spec spec) {
        this.out = Objects.requireNonNull(out, "out required");
        this.quiet = quiet;
        this.spec = Objects.requireNonNull(spec, "spec required");
    }

    void result(Result r) {
        Case c = r.kase();
        boolean loud = r.outcome() == Result.Outcome.FAIL || r.failsRun();
        if (quiet && !loud) {
            return;
        }
        out.printf("%-4s %-12s [%s] %s (%d ms)%n", label(r.outcome()), c.id(), c.spec(), c.description(), r.millis());
        if (r.outcome() == Result.Outcome.FAIL) {
            out.println("       requirement: " + requirement(r));
            out.println("       what: " + r.message());
            if (r.expected() != null) {
                out.println("       expected: " + r.expected());
                out.println("       actual:   " + r.actual());
            }
            r.expectedFailure().ifPresent(why -> out.println("       expected failure of this relay: " + why));
        } else if (r.outcome() == Result.Outcome.PASS && r.expectedFailure().isPresent()) {
            out.println("       listed as an expected failure, but passes: remove it from the list ("
                    + r.expectedFailure().get() + ")");
        } else if (r.outcome() != Result.Outcome.PASS && !quiet) {
            out.println("       " + (r.outcome() == Result.Outcome.NA ? "not applicable" : "skipped") + ": " + r.message());
        }
        r.info().forEach(i -> out.println("       info: " + i));
        out.flush();
    }

    private static String label(Result.Outcome o) {
        return o == Result.Outcome.NA ? "N/A" : o.name();
    }

    /** {@code DATA-21 (MUST, section 5.6): the sentence}, for the requirement the result is about. */
    String requirement(Result res) {
        Traceability.Requirement r = spec.requirements().get(res.spec());
        String found = res.spec().equals(res.kase().spec()) ? "" : " (found by this " + res.kase().spec() + " case)";
        return r == null ? res.spec() + " (" + res.kase().level() + ")" + found
                : res.spec() + " (" + r.level() + ", section " + r.section() + "): " + r.sentence() + found;
    }

    /**
     * The closing lines; the last one in the plain form CI tools read: "conformance: N passed, N failed,
     * N skipped (…)", where failed counts every failure, expected ones included.
     */
    void summary(List<Result> results, long millis, List<String> unverifiedMust) {
        long pass = count(results, Result.Outcome.PASS);
        long fail = count(results, Result.Outcome.FAIL);
        long skip = count(results, Result.Outcome.SKIP);
        long na = count(results, Result.Outcome.NA);
        long xfail = results.stream().filter(Result::expectedFail).count();
        section("Failed:", results.stream().filter(r -> r.outcome() == Result.Outcome.FAIL && r.expectedFailure().isEmpty()),
                r -> "");
        section("Expected failures (known deviations of this relay; still failures):", results.stream().filter(Result::expectedFail),
                r -> ": " + r.expectedFailure().orElseThrow());
        section("Listed as expected failures but passed (remove them from the list):",
                results.stream().filter(r -> r.outcome() == Result.Outcome.PASS && r.expectedFailure().isPresent()), r -> "");
        if (!unverifiedMust.isEmpty()) {
            out.println();
            out.println("MUST requirements not verified (their cases were skipped): " + String.join(", ", unverifiedMust));
        }
        out.printf("%nconformance: %d passed, %d failed, %d skipped (%d of the failures expected, %d not applicable; %s; %.1f s)%n",
                pass, fail, skip, xfail, na, spec.label(), millis / 1000.0);
        out.flush();
    }

    private void section(String title, Stream<Result> rs, Function<Result, String> more) {
        List<Result> list = rs.toList();
        if (list.isEmpty()) {
            return;
        }
        out.println();
        out.println(title);
        list.forEach(r -> out.println("  " + r.kase().id() + " [" + r.kase().spec() + "] " + r.kase().description() + more.apply(r)));
    }

    static long count(List<Result> results, Result.Outcome o) {
        return results.stream().filter(r -> r.outcome() == o).count();
    }

    void junitXml(Path file, List<Result> results, long millis) throws IOException {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(String.format("<testsuite name=\"okapi-conformance\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\">%n",
                results.size(), results.stream().filter(rr -> rr.outcome() == Result.Outcome.FAIL || rr.failsRun()).count(),
                count(results, Result.Outcome.SKIP) + count(results, Result.Outcome.NA), millis / 1000.0));
        sb.append("  <properties><property name=\"spec\" value=\"").append(xml(spec.label())).append("\"/></properties>\n");
        for (Result r : results) {
            Case c = r.kase();
            sb.append(String.format("  <testcase classname=\"conformance.%s\" name=\"%s\" time=\"%.3f\">",
                    xml(c.id().substring(0, c.id().lastIndexOf('/')).replace('/', '.')),
                    xml(c.id() + " [" + c.spec() + "] " + c.description()), r.millis() / 1000.0));
            switch (r.outcome()) {
                case FAIL -> sb.append("\n    <failure message=\"").append(xml(r.expectedFailure().map(w -> "expected failure ("
                                + w + "): ").orElse("") + c.spec() + ": " + r.message())).append("\">")
                        .append(xml("requirement: " + requirement(r) + "\nexpected: " + r.expected() + "\nactual:   " + r.actual()))
                        .append("</failure>\n  ");
                case SKIP -> sb.append("<skipped message=\"").append(xml(r.message())).append("\"/>");
                case NA -> sb.append("<skipped message=\"").append(xml("not applicable: " + r.message())).append("\"/>");
                case PASS -> {
                    if (r.expectedFailure().isPresent()) {
                        sb.append("\n    <failure message=\"listed as an expected failure, but passes: remove it from the list\"/>\n  ");
                    }
                }
            }
            sb.append("</testcase>\n");
        }
        sb.append("</testsuite>\n");
        write(file, sb.toString());
    }

    void jsonLines(Path file, List<Result> results) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Result r : results) {
            Case c = r.kase();
            sb.append("{\"id\":").append(Json.quote(c.id()))
                    .append(",\"spec\":").append(Json.quote(c.spec()))
                    .append(",\"level\":").append(Json.quote(c.level().name()))
                    .append(",\"group\":").append(Json.quote(c.group()))
                    .append(",\"description\":").append(Json.quote(c.description()))
                    .append(",\"outcome\":").append(Json.quote(r.outcome().name().toLowerCase(Locale.ROOT)))
                    .append(",\"millis\":").append(r.millis())
                    .append(",\"spec_version\":").append(Json.quote(spec.version()));
            r.expectedFailure().ifPresent(w -> sb.append(",\"expected_failure\":").append(Json.quote(w)));
            if (!r.info().isEmpty()) {
                sb.append(",\"info\":[").append(String.join(",", r.info().stream().map(Json::quote).toList())).append(']');
            }
            if (r.outcome() == Result.Outcome.FAIL) {
                sb.append(",\"requirement\":").append(Json.quote(requirement(r)));
            }
            if (r.message() != null) {
                sb.append(",\"message\":").append(Json.quote(r.message()));
            }
            if (r.expected() != null) {
                sb.append(",\"expected\":").append(Json.quote(r.expected()))
                        .append(",\"actual\":").append(Json.quote(r.actual()));
            }
            sb.append("}\n");
        }
        write(file, sb.toString());
    }

    private static void write(Path file, String s) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, s, StandardCharsets.UTF_8);
    }

    private static String xml(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\n' -> sb.append("&#10;");
                default -> {
                    if (ch < 0x20 && ch != '\t') {
                        sb.append('?');
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.toString();
    }
}
