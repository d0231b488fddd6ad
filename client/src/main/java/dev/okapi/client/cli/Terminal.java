package dev.okapi.client.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether standard error is a terminal, which decides whether the progress line is shown.
 *
 * <p>{@code System.console()} alone is the wrong question: it asks about stdin and stdout, and in
 * {@code zebrastream read … | grep ERROR} stdout is a pipe while stderr is still the user's
 * terminal. So: what the launcher script saw ({@code [ -t 2 ]}, passed as the system property
 * {@value #PROPERTY}), else where file descriptor 2 points on Linux, else the console as a last
 * resort.
 */
final class Terminal {

    static final String PROPERTY = "zebrastream.stderr.tty";

    private Terminal() {
    }

    static boolean stderrIsTerminal() {
        String told = System.getProperty(PROPERTY);
        if (told != null) {
            return Boolean.parseBoolean(told);
        }
        Path fd2 = Path.of("/proc/self/fd/2");
        if (Files.exists(fd2)) {
            try {
                String target = Files.readSymbolicLink(fd2).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                // fall through
            }
        }
        return System.console() != null;
    }
}
