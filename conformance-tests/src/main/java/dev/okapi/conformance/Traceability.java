package dev.okapi.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spec ↔ suite traceability. The spec's README is the one owner of every requirement; this class
 * reads it, renders {@code protocol-spec/requirements.json} from it (bundled into the jar, where the
 * runner reads the sentences it quotes), checks the requirements against the case registry, and
 * renders the id → cases table of the suite's README.
 *
 * <p>Regenerate both files: {@code java -cp conformance-tests/target/okapi-conformance.jar:conformance-tests/target/libs/*
 * dev.okapi.conformance.Traceability protocol-spec/README.md conformance-tests/README.md protocol-spec/requirements.json}.
 */
public final class Traceability {

    static final String BEGIN = "<!-- BEGIN GENERATED: traceability (do not edit; see Traceability.java) -->";
    static final String END = "<!-- END GENERATED: traceability -->";
    /** Where the runner finds the bundled requirements (the pom copies protocol-spec/requirements.json there). */
    static final String RESOURCE = "/dev/okapi/conformance/requirements.json";

    /** Id prefixes of requirements on relays: the suite's scope. CLI and AGERT bind clients. */
    static final Set<String> RELAY_PREFIXES = Set.of("HTTP", "PATH", "DATA", "CONN", "AUTH", "MGMT", "OPS");

    private static final Pattern DEFINITION = Pattern.compile("^- \\[([A-Z]+)-(\\d+)] ");
    private static final Pattern HEADING = Pattern.compile("^#{2,3} (?:(\\d+(?:\\.\\d+)?)\\.? |Appendix ([A-Z])\\.)");
    private static final Pattern VERSION = Pattern.compile("^Version: \\*\\*([^*]+)\\*\\* \\((\\d{4}-\\d{2}-\\d{2})", Pattern.MULTILINE);
    private static final Pattern MUST = Pattern.compile("\\b(MUST|REQUIRED|SHALL)\\b");
    private static final Pattern SHOULD = Pattern.compile("\\b(SHOULD|RECOMMENDED)\\b");
    private static final Pattern LOWER_MUST = Pattern.compile("\\bmust\\b");
    private static final Pattern CLAUSE = Pattern.compile("\\b(MUST|SHOULD|MAY|SHALL|REQUIRED)\\b");

    private Traceability() {
    }

    /**
     * One normative clause of the spec.
     *
     * @param id       e.g. {@code DATA-7}
     * @param level    its strongest key word
     * @param section  the section that defines it, e.g. {@code 5.2}
     * @param sentence the clause without its id, for messages
     */
    record Requirement(String id, Level level, String section, String sentence) {
        Requirement {
            Objects.requireNonNull(id, "id required");
            Objects.requireNonNull(level, "level required");
            Objects.requireNonNull(section, "section required");
            Objects.requireNonNull(sentence, "sentence required");
        }

        boolean relay() {
            return RELAY_PREFIXES.contains(id.substring(0, id.indexOf('-')));
        }
    }

    /**
     * The spec as the suite knows it.
     *
     * @param version      e.g. {@code 1}
     * @param date         the version's date, e.g. {@code 2026-12-01}
     * @param requirements by id, in the spec's order
     */
    record Spec(String version, String date, Map<String, Requirement> requirements) {
        Spec {
            Objects.requireNonNull(version, "version required");
            Objects.requireNonNull(date, "date required");
            requirements = Collections.unmodifiableMap(new LinkedHashMap<>(requirements));
        }

        /** How reports name it, e.g. {@code spec 1 (2026-12-01)}. */
        String label() {
            return "spec " + version + " (" + date + ")";
        }
    }

    /** The spec's version and requirements (bullets starting {@code - [ID] }), in order. */
    static Spec parse(String spec) {
        Matcher v = VERSION.matcher(spec);
        if (!v.find()) {
            throw new IllegalStateException("the spec has no 'Version: **N** (YYYY-MM-DD' line");
        }
        Map<String, Requirement> out = new LinkedHashMap<>();
        String[] lines = spec.split("\n", -1);
        String section = "";
        for (int i = 0; i < lines.length; i++) {
            Matcher h = HEADING.matcher(lines[i]);
            if (h.find()) {
                section = h.group(1) != null ? h.group(1) : h.group(2);
                continue;
            }
            Matcher m = DEFINITION.matcher(lines[i]);
            if (!m.find()) {
                continue;
            }
            StringBuilder text = new StringBuilder(lines[i].substring(m.end()));
            for (int j = i + 1; j < lines.length && lines[j].startsWith("  "); j++) {
                text.append(' ').append(lines[j].strip());
            }
            String id = m.group(1) + "-" + m.group(2);
            String t = text.toString();
            Level level = MUST.matcher(t).find() ? Level.MUST : SHOULD.matcher(t).find() ? Level.SHOULD : Level.MAY;
            if (out.put(id, new Requirement(id, level, section, t)) != null) {
                throw new IllegalStateException("requirement " + id + " is defined twice in the spec");
            }
        }
        return new Spec(v.group(1), v.group(2), out);
    }

    /**
     * Requirements that state more than one clause: more than one of MUST, SHOULD, MAY, SHALL,
     * REQUIRED (RECOMMENDED may qualify a value inside a clause, as in "505 (RECOMMENDED)").
     */
    static List<String> multipleClauses(Spec spec) {
        return spec.requirements().values().stream().filter(r -> CLAUSE.matcher(r.sentence()).results().count() > 1)
                .map(r -> r.id() + ": " + Text.clip(r.sentence(), 120)).toList();
    }

    /** Lines of the spec that use a key word in lower case ("must"), which BCP 14 leaves without force. */
    static List<String> lowercaseKeywords(String spec) {
        List<String> out = new ArrayList<>();
        String[] lines = spec.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (LOWER_MUST.matcher(lines[i]).find()) {
                out.add((i + 1) + ": " + lines[i].strip());
            }
        }
        return out;
    }

    /** {@code requirements.json}: the spec's version and every requirement, one per line. */
    static String json(Spec spec) {
        StringBuilder sb = new StringBuilder("{\n  \"spec\": \"ZebraStream protocol\",\n")
                .append("  \"version\": ").append(Json.quote(spec.version())).append(",\n")
                .append("  \"date\": ").append(Json.quote(spec.date())).append(",\n")
                .append("  \"generated_from\": \"protocol-spec/README.md\",\n")
                .append("  \"requirements\": [\n");
        List<Requirement> all = List.copyOf(spec.requirements().values());
        for (int i = 0; i < all.size(); i++) {
            Requirement r = all.get(i);
            sb.append("    {\"id\": ").append(Json.quote(r.id()))
                    .append(", \"level\": ").append(Json.quote(r.level().name()))
                    .append(", \"section\": ").append(Json.quote(r.section()))
                    .append(", \"sentence\": ").append(Json.quote(r.sentence())).append('}')
                    .append(i + 1 < all.size() ? ",\n" : "\n");
        }
        return sb.append("  ]\n}\n").toString();
    }

    /** Reads {@code requirements.json} back. */
    static Spec fromJson(String json) {
        Map<?, ?> root = (Map<?, ?>) Json.parse(json);
        Map<String, Requirement> reqs = new LinkedHashMap<>();
        for (Object o : (List<?>) root.get("requirements")) {
            Map<?, ?> m = (Map<?, ?>) o;
            String id = (String) m.get("id");
            reqs.put(id, new Requirement(id, Level.valueOf(((String) m.get("level")).toUpperCase(Locale.ROOT)),
                    (String) m.get("section"), (String) m.get("sentence")));
        }
        return new Spec((String) root.get("version"), (String) root.get("date"), reqs);
    }

    /** The requirements bundled into the runner's jar. */
    static Spec bundled() {
        try (InputStream in = Traceability.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + RESOURCE + " (protocol-spec/requirements.json)");
            }
            return fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
                problems.add("MUST requirement " + r.id() + " has no case: " + Text.clip(r.sentence(), 160));
            }
        }
        return problems;
    }

    /** The generated README section: one row per relay requirement. */
    static String table(Spec spec, List<Case> cases) {
        StringBuilder sb = new StringBuilder(BEGIN).append("\n\n")
                .append("Checked against ").append(spec.label()).append(".\n\n")
                .append("| Requirement | Level | Section | Cases |\n|---|---|---|---|\n");
        for (Requirement r : spec.requirements().values()) {
            if (!r.relay()) {
                continue;
            }
            List<String> ids = cases.stream().filter(c -> c.spec().equals(r.id())).map(c -> "`" + c.id() + "`").toList();
            sb.append("| ").append(r.id()).append(" | ").append(r.level()).append(" | ").append(r.section()).append(" | ")
                    .append(ids.isEmpty() ? "none (not a MUST; not checked)" : String.join(" ", ids)).append(" |\n");
        }
        long must = spec.requirements().values().stream().filter(r -> r.relay() && r.level() == Level.MUST).count();
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

    /** Rewrites the README's table and requirements.json: {@code Traceability SPEC README JSON}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: Traceability protocol-spec/README.md conformance-tests/README.md protocol-spec/requirements.json");
            System.exit(2);
        }
        Spec spec = parse(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8));
        List<Case> cases = Registry.all();
        List<String> problems = problems(spec.requirements(), cases);
        problems.forEach(p -> System.err.println("problem: " + p));
        Path readme = Path.of(args[1]);
        Files.writeString(readme, withTable(Files.readString(readme, StandardCharsets.UTF_8), table(spec, cases)),
                StandardCharsets.UTF_8);
        Files.writeString(Path.of(args[2]), json(spec), StandardCharsets.UTF_8);
        System.out.println("wrote the traceability table to " + readme + " and the requirements to " + args[2]);
        System.exit(problems.isEmpty() ? 0 : 1);
    }
}
