package dev.okapi.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The build's traceability check: {@code requirements.json} is the spec's README rendered (and is
 * what the jar carries), every relay MUST of it has a case, every case cites a requirement it
 * defines (at its level), the spec has no key word in lower case, and the README's id → cases
 * table is current.
 */
final class TraceabilityTest {

    private static final String REGENERATE = "mvn -B -pl conformance-tests -am verify -Dtest=TraceabilityTest "
            + "-Dsurefire.failIfNoSpecifiedTests=false -Dokapi.regenerate=true";

    private static Path file(String property, String fallback) {
        return Path.of(System.getProperty(property, fallback));
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    private static Traceability.Spec spec() throws IOException {
        return Traceability.parse(read(file("okapi.spec", "../protocol-spec/README.md")));
    }

    @Test
    void requirementsJsonIsTheSpecRendered() throws IOException {
        Path json = file("okapi.requirements", "../protocol-spec/requirements.json");
        String wanted = Traceability.json(spec());
        if (Boolean.getBoolean("okapi.regenerate")) {
            Files.writeString(json, wanted, StandardCharsets.UTF_8);
            return;
        }
        if (!Files.isRegularFile(json) || !read(json).equals(wanted)) {
            fail("protocol-spec/requirements.json is not the spec's README rendered; regenerate it with\n  " + REGENERATE);
        }
        assertEquals(spec(), Traceability.fromJson(read(json)), "requirements.json reads back as the spec");
    }

    @Test
    void theJarCarriesTheCurrentRequirements() throws IOException {
        assertEquals(spec(), Traceability.bundled(), "the bundled requirements.json is the spec's");
    }

    @Test
    void specAndCasesAgree() {
        Traceability.Spec spec = Traceability.bundled();
        assertTrue(spec.requirements().size() > 80, "the spec's requirements were found: " + spec.requirements().size());
        List<String> problems = Traceability.problems(spec.requirements(), Registry.all());
        if (!problems.isEmpty()) {
            fail("spec and conformance cases disagree:\n  " + String.join("\n  ", problems));
        }
    }

    @Test
    void theSpecUsesNoKeyWordInLowerCase() throws IOException {
        List<String> lines = Traceability.lowercaseKeywords(read(file("okapi.spec", "../protocol-spec/README.md")));
        assertEquals(List.of(), lines, "lines of the spec with a lower-case 'must' (write MUST, or say it otherwise)");
    }

    @Test
    void everyRequirementIsOneClause() throws IOException {
        assertEquals(List.of(), Traceability.multipleClauses(spec()), "requirements with more than one key word: split them");
    }

    @Test
    void caseIdsAreUnique() {
        List<Case> cases = Registry.all();
        assertEquals(cases.size(), cases.stream().map(Case::id).distinct().count(), "case ids are unique");
    }

    @Test
    void readmeTableIsCurrent() throws IOException {
        Path readme = file("okapi.readme", "README.md");
        String current = read(readme);
        String wanted = Traceability.withTable(current, Traceability.table(spec(), Registry.all()));
        if (Boolean.getBoolean("okapi.regenerate")) {
            Files.writeString(readme, wanted, StandardCharsets.UTF_8);
            return;
        }
        if (!wanted.equals(current)) {
            fail("conformance-tests/README.md's traceability table is out of date; regenerate it with\n  " + REGENERATE);
        }
    }
}
