package dev.okapi.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs the suite in process, as {@code java -jar} would, and checks its exit code. */
final class SuiteRun {

    private SuiteRun() {
    }

    /**
     * The arguments plus {@code --expected-failures} naming a file of {@link OurRelayTest#PENDING_RELAY_WORK}:
     * every run against our relay tolerates exactly those failures (and fails if one of them passes).
     */
    static String[] withPendingRelayWork(String... args) {
        try {
            Path f = Files.createTempFile("okapi-pending-relay-work", ".txt");
            f.toFile().deleteOnExit();
            StringBuilder sb = new StringBuilder("# OurRelayTest.PENDING_RELAY_WORK (temporary)\n");
            OurRelayTest.PENDING_RELAY_WORK.forEach((id, why) -> sb.append(id).append(" pending relay work: ").append(why).append('\n'));
            Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
            String[] out = Arrays.copyOf(args, args.length + 2);
            out[args.length] = "--expected-failures";
            out[args.length + 1] = f.toString();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
