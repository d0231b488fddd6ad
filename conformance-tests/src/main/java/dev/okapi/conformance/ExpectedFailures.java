package dev.okapi.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A relay's known deviations ({@code --expected-failures FILE}): requirements it cannot meet, each
 * with its reason. Their cases still run and are shown as failures with the reason in every
 * report, never as skips; they do not fail the run, but a listed case that passes does, so the list
 * cannot outlive the deviation.
 *
 * <p>File format: one {@code ID reason} per line, where ID is a case id, a case-id prefix or a
 * spec id (as for {@code --only}); blank lines and lines starting with {@code #} are ignored.
 *
 * @param entries id → reason, in file order
 */
record ExpectedFailures(Map<String, String> entries) {

    static final ExpectedFailures NONE = new ExpectedFailures(Map.of());

    ExpectedFailures {
        entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    static ExpectedFailures read(Path file) throws IOException {
        Objects.requireNonNull(file, "file required");
        Map<String, String> out = new LinkedHashMap<>();
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] parts = l.split("\\s+", 2);
            if (parts.length < 2) {
                throw new IllegalArgumentException(file + " line " + n + ": 'ID reason' expected, the reason is missing: " + l);
            }
            out.put(parts[0], parts[1]);
        }
        return new ExpectedFailures(out);
    }

    /**
     * Checks that every listed id names one of {@code cases}: a mistyped or retired id would
     * otherwise outlive its deviation unnoticed.
     *
     * @throws IllegalArgumentException naming the ids that name no case
     */
    ExpectedFailures namingOnly(List<Case> cases) {
        List<String> unknown = Options.namingNoCase(entries.keySet(), cases);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("--expected-failures names no case: " + String.join(", ", unknown) + " (see --list)");
        }
        return this;
    }

    /** The reason a case is listed, if it is. */
    Optional<String> reason(Case c) {
        return entries.entrySet().stream().filter(e -> Options.names(e.getKey(), c)).map(Map.Entry::getValue).findFirst();
    }
}
