package dev.okapi.conformance;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs the suite in process, as {@code java -jar} would, and checks its exit code. */
final class SuiteRun {

    private SuiteRun() {
    }

    /**
     * Runs the suite with {@code args}, prints its output under {@code label}, and fails the test
     * unless it exits with {@code expectedExit}.
     *
     * @return what the suite printed
     */
    static String expectExit(int expectedExit, String label, String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int exit;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            exit = Main.run(args, out);
        }
        String log = buf.toString(StandardCharsets.UTF_8);
        System.out.println(label + log);
        assertEquals(expectedExit, exit, label + log);
        return log;
    }
}
