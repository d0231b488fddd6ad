package dev.okapi.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spec ↔ suite traceability: reads the requirement ids of {@code protocol-spec/README.md}, checks
 * them against the case registry, and renders the id → cases table of the suite's README.
 *
 * <p>Regenerate the table: {@code java -cp conformance-tests/target/okapi-conformance.jar:conformance-tests/target/libs/*
 * dev.okapi.conformance.Traceability protocol-spec/README.md conformance-tests/README.md}.
 */
public final class Traceability {

    static final String BEGIN = "<!-- BEGIN GENERATED: traceability (do not edit; see Traceability.java) -->";
    static final String END = "<!-- END GENERATED: traceability -->";

    /** Id prefixes of requirements on relays: the suite's scope. CLI and AGERT bind clients. */
    static final Set<String> RELAY_PREFIXES = Set.of("HTTP", "PATH", "DATA", "CONN", "AUTH", "MGMT", "OPS");

    private static final Pattern DEFINITION = Pattern.compile("^- \\[([A-Z]+)-(\\d+)]");
    private static final Pattern MUST = Pattern.compile("\\b(MUST|REQUIRED|SHALL)\\b");
    private static final Pattern SHOULD = Pattern.compile("\\b(SHOULD|RECOMMENDED)\\b");

    private Traceability() {
    }

    /**
     * One normative sentence of the spec.
     *
     * @param id    e.g. {@code DATA-7}
     * @param level its strongest key word
     * @param text  the sentence, for messages
     */
    record Requirement(String id, Level level, String text) {
        boolean relay() {
            return RELAY_PREFIXES.contains(id.substring(0, id.indexOf('-')));
        }
    }

    /** The requirements defined in the spec (bullets starting {@code - [ID]}), in order. */
    static Map<String, Requirement> parse(String spec) {
        Map<String, Requirement> out = new LinkedHashMap<>();
        String[] lines = spec.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = DEFINITION.matcher(lines[i]);
            if (!m.find()) {
                continue;
            }
            StringBuilder text = new StringBuilder(lines[i]);
            for (int j = i + 1; j < lines.length && lines[j].startsWith("  "); j++) {
                text.append(' ').append(lines[j].strip());
            }
            String id = m.group(1) + "-" + m.group(2);
            String t = text.toString();
            Level level = MUST.matcher(t).find() ? Level.MUST : SHOULD.matcher(t).find() ? Level.SHOULD : Level.MAY;
            if (out.put(id, new Requirement(id, level, t)) != null) {
                throw new IllegalStateException("requirement " + id + " is defined twice in the spec");
            }
        }
        return out;
    }

    /** Every problem between spec and cases; empty when they agree. */
    static List<String> problems(Map<String, Requirement> spec, List<Case> cases) {
        List<String> problems = new ArrayList<>();
        for (Case c : cases) {
            Requirement r = spec.get(c.spec());
            if (r == null) {
                problems.add("case " + c.id() + " cites " + c.spec() + ", which the spec does not define");
            } else if (!r.relay()) {
                problems.add("case " + c.id() + " cites " + c.spec() + ", a requirement on clients (out of the suite's scope)");
            } else if (r.level() != c.level()) {
                problems.add("case " + c.id() + " is a " + c.level() + " case but " + c.spec() + " is a " + r.level());
            }
        }
        for (Requirement r : spec.values()) {
            if (r.relay() && r.level() == Level.MUST && cases.stream().noneMatch(c -> c.spec().equals(r.id()))) {
                problems.add("MUST requirement " + r.id() + " has no case: " + Text.clip(r.text(), 160));
            }
        }
        return problems;
    }

    /** The generated README section: one row per relay requirement. */
    static String table(Map<String, Requirement> spec, List<Case> cases) {
        StringBuilder sb = new StringBuilder(BEGIN).append("\n\n")
                .append("| Requirement | Level | Cases |\n|---|---|---|\n");
        for (Requirement r : spec.values()) {
            if (!r.relay()) {
                continue;
            }
            List<String> ids = cases.stream().filter(c -> c.spec().equals(r.id())).map(c -> "`" + c.id() + "`").toList();
            sb.append("| ").append(r.id()).append(" | ").append(r.level()).append(" | ")
                    .append(ids.isEmpty() ? "none (not a MUST; not checked)" : String.join(" ", ids)).append(" |\n");
        }
        long must = spec.values().stream().filter(r -> r.relay() && r.level() == Level.MUST).count();
        sb.append("\n").append(cases.size()).append(" cases; ").append(must)
                .append(" relay MUST requirements, each checked by at least one case.\n\n").append(END);
        return sb.toString();
    }

    /** The README with its generated section replaced. */
    static String withTable(String readme, String table) {
        int b = readme.indexOf(BEGIN);
        int e = readme.indexOf(END);
        if (b < 0 || e < b) {
            throw new IllegalStateException("README lacks the markers " + BEGIN + " … " + END);
        }
        return readme.substring(0, b) + table + readme.substring(e + END.length());
    }

    /** Rewrites the README's table: {@code Traceability SPEC README}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Traceability protocol-spec/README.md conformance-tests/README.md");
            System.exit(2);
        }
        Map<String, Requirement> spec = parse(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8));
        List<Case> cases = Registry.all();
        List<String> problems = problems(spec, cases);
        problems.forEach(p -> System.err.println("problem: " + p));
        Path readme = Path.of(args[1]);
        Files.writeString(readme, withTable(Files.readString(readme, StandardCharsets.UTF_8), table(spec, cases)),
                StandardCharsets.UTF_8);
        System.out.println("wrote the traceability table to " + readme);
        System.exit(problems.isEmpty() ? 0 : 1);
    }
}
