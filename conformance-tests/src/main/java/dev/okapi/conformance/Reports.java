package dev.okapi.conformance;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** Results to the console as they come, and at the end to a JUnit XML file and a JSON-lines file. */
final class Reports {

    private final PrintStream out;
    private final boolean quiet;

    Reports(PrintStream out, boolean quiet) {
        this.out = Objects.requireNonNull(out, "out required");
        this.quiet = quiet;
    }

    void result(Result r) {
        Case c = r.kase();
        if (quiet && r.outcome() != Result.Outcome.FAIL) {
            return;
        }
        out.printf("%-4s %-12s [%s] %s (%d ms)%n", r.outcome(), c.id(), c.spec(), c.description(), r.millis());
        if (r.outcome() == Result.Outcome.FAIL) {
            out.println("       requirement: " + c.spec() + " (" + c.level() + ")");
            out.println("       what: " + r.message());
            if (r.expected() != null) {
                out.println("       expected: " + r.expected());
                out.println("       actual:   " + r.actual());
            }
        } else if (r.outcome() == Result.Outcome.SKIP && !quiet) {
            out.println("       skipped: " + r.message());
        }
        out.flush();
    }

    /** The closing line, in the plain form CI tools read: "N passed, N failed, N skipped". */
    void summary(List<Result> results, long millis) {
        long pass = count(results, Result.Outcome.PASS);
        long fail = count(results, Result.Outcome.FAIL);
        long skip = count(results, Result.Outcome.SKIP);
        if (fail > 0) {
            out.println();
            out.println("Failed:");
            results.stream().filter(r -> r.outcome() == Result.Outcome.FAIL)
                    .forEach(r -> out.println("  " + r.kase().id() + " [" + r.kase().spec() + "] " + r.kase().description()));
        }
        out.printf("%nconformance: %d passed, %d failed, %d skipped (%.1f s)%n", pass, fail, skip, millis / 1000.0);
        out.flush();
    }

    static long count(List<Result> results, Result.Outcome o) {
        return results.stream().filter(r -> r.outcome() == o).count();
    }

    static void junitXml(Path file, List<Result> results, long millis) throws IOException {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(String.format("<testsuite name=\"okapi-conformance\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\">%n",
                results.size(), count(results, Result.Outcome.FAIL), count(results, Result.Outcome.SKIP), millis / 1000.0));
        for (Result r : results) {
            Case c = r.kase();
            sb.append(String.format("  <testcase classname=\"conformance.%s\" name=\"%s\" time=\"%.3f\">",
                    xml(c.id().substring(0, c.id().lastIndexOf('/')).replace('/', '.')),
                    xml(c.id() + " [" + c.spec() + "] " + c.description()), r.millis() / 1000.0));
            switch (r.outcome()) {
                case FAIL -> sb.append("\n    <failure message=\"").append(xml(c.spec() + ": " + r.message())).append("\">")
                        .append(xml("expected: " + r.expected() + "\nactual:   " + r.actual())).append("</failure>\n  ");
                case SKIP -> sb.append("<skipped message=\"").append(xml(r.message())).append("\"/>");
                case PASS -> {
                }
            }
            sb.append("</testcase>\n");
        }
        sb.append("</testsuite>\n");
        write(file, sb.toString());
    }

    static void jsonLines(Path file, List<Result> results) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Result r : results) {
            Case c = r.kase();
            sb.append("{\"id\":").append(Json.quote(c.id()))
                    .append(",\"spec\":").append(Json.quote(c.spec()))
                    .append(",\"level\":").append(Json.quote(c.level().name()))
                    .append(",\"group\":").append(Json.quote(c.group()))
                    .append(",\"description\":").append(Json.quote(c.description()))
                    .append(",\"outcome\":").append(Json.quote(r.outcome().name().toLowerCase(java.util.Locale.ROOT)))
                    .append(",\"millis\":").append(r.millis());
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
