package dev.okapi.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The build's traceability check: every relay MUST of the spec has a case, every case cites a
 * requirement the spec defines (at its level), and the README's id → cases table is current.
 */
final class TraceabilityTest {

    private static final String REGENERATE = "mvn -B -o -pl conformance-tests -am verify -Dokapi.regenerate=true";

    private static Path file(String property, String fallback) {
        return Path.of(System.getProperty(property, fallback));
    }

    @Test
    void specAndCasesAgree() throws IOException {
        Map<String, Traceability.Requirement> spec = Traceability.parse(
                Files.readString(file("okapi.spec", "../protocol-spec/README.md"), StandardCharsets.UTF_8));
        assertTrue(spec.size() > 50, "the spec's requirements were found: " + spec.size());
        List<String> problems = Traceability.problems(spec, Registry.all());
        if (!problems.isEmpty()) {
            fail("spec and conformance cases disagree:\n  " + String.join("\n  ", problems));
        }
    }

    @Test
    void caseIdsAreUnique() {
        List<Case> cases = Registry.all();
        assertEquals(cases.size(), cases.stream().map(Case::id).distinct().count(), "case ids are unique");
    }

    @Test
    void readmeTableIsCurrent() throws IOException {
        Map<String, Traceability.Requirement> spec = Traceability.parse(
                Files.readString(file("okapi.spec", "../protocol-spec/README.md"), StandardCharsets.UTF_8));
        Path readme = file("okapi.readme", "README.md");
        String current = Files.readString(readme, StandardCharsets.UTF_8);
        String wanted = Traceability.withTable(current, Traceability.table(spec, Registry.all()));
        if (Boolean.getBoolean("okapi.regenerate")) {
            Files.writeString(readme, wanted, StandardCharsets.UTF_8);
            return;
        }
        if (!wanted.equals(current)) {
            fail("conformance-tests/README.md's traceability table is out of date; regenerate it with\n  " + REGENERATE);
        }
    }
}
