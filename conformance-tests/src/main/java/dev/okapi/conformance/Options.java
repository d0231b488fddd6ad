package dev.okapi.conformance;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The command line, parsed.
 *
 * @param target         the relay's origin; empty with --server-command until the port is known
 * @param serverCommand  a shell command that starts the relay; {@code $PORT} is replaced
 * @param startupSeconds how long to wait for the started relay's port
 * @param writeToken     a write token for paths below {@code tokenPrefix} (recursive)
 * @param readToken      a read token for the same prefix
 * @param managementKey  the Management API key
 * @param tokenPrefix    the stream path below which every case makes its paths
 * @param strict         also run SHOULD cases
 * @param list           print the cases and exit
 * @param only           case ids, id prefixes or spec ids to run; empty: all
 * @param skip           case ids, id prefixes or spec ids to report as skipped without running
 * @param junitXml       JUnit XML report file
 * @param json           JSON lines report file
 * @param waitLimit      the relay's wait limit W, when known
 * @param caseTimeout    the longest any case may take before it is failed as a hang
 * @param insecure       trust any TLS certificate
 * @param quiet          print failures and the summary only
 */
record Options(Optional<String> target, Optional<String> serverCommand, int startupSeconds,
               Optional<String> writeToken, Optional<String> readToken, Optional<String> managementKey,
               String tokenPrefix, boolean strict, boolean list, List<String> only, List<String> skip,
               Optional<Path> junitXml, Optional<Path> json, Optional<Duration> waitLimit,
               Duration caseTimeout, boolean insecure, boolean quiet) {

    static final String USAGE = """
            Usage: java -jar okapi-conformance.jar (--target URL | --server-command CMD) [options]

              --target URL            origin of the relay under test, e.g. http://127.0.0.1:8080
              --server-command CMD    start the relay with this shell command first; $PORT (or ${PORT})
                                      is replaced by a free port, the suite waits for it and kills the
                                      process tree at the end, e.g.
                                      'java -Dserver.port=$PORT -Drelay.max-wait-seconds=3 -jar server/target/okapi-relay.jar'
              --startup-seconds S     how long to wait for the started relay (default 60)
              --write-token T         write token, recursive on --token-prefix (token mode)
              --read-token T          read token, recursive on --token-prefix (token mode)
              --management-key K      Management API key (token cases then make their own tokens)
              --token-prefix P        stream path below which all cases work (default /conformance)
              --wait-limit S          the relay's wait limit in seconds; enables the cases that wait it out
              --strict                also run SHOULD cases
              --only IDS              comma-separated case ids or prefixes (data/3, data/3/2) or spec ids (DATA-7)
              --skip IDS              the same syntax: report these cases as skipped without running them
              --list                  print the cases and exit
              --junit-xml FILE        write a JUnit XML report
              --json FILE             write one JSON object per case (JSON lines)
              --case-timeout S        fail a case that runs longer (default 60)
              --insecure              trust any TLS certificate
              --quiet                 print only failures and the summary
              --help                  this text

            Exit code: 0 all run cases passed, 1 a case failed, 2 usage or setup error.
            """;

    private static final java.util.Set<String> VALUED = java.util.Set.of("--target", "--server-command", "--startup-seconds",
            "--write-token", "--read-token", "--management-key", "--token-prefix", "--only", "--skip", "--junit-xml", "--json",
            "--wait-limit", "--case-timeout");

    /** Parses the arguments; throws IllegalArgumentException with a message on bad usage. */
    static Options parse(String[] args) {
        Optional<String> target = Optional.empty();
        Optional<String> serverCommand = Optional.empty();
        int startup = 60;
        Optional<String> write = Optional.empty();
        Optional<String> read = Optional.empty();
        Optional<String> key = Optional.empty();
        String prefix = "/conformance";
        boolean strict = false;
        boolean list = false;
        List<String> only = new ArrayList<>();
        List<String> skip = new ArrayList<>();
        Optional<Path> junit = Optional.empty();
        Optional<Path> json = Optional.empty();
        Optional<Duration> waitLimit = Optional.empty();
        Duration caseTimeout = Duration.ofSeconds(60);
        boolean insecure = false;
        boolean quiet = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "--strict" -> strict = true;
                case "--list" -> list = true;
                case "--insecure" -> insecure = true;
                case "--quiet" -> quiet = true;
                case "--help", "-h" -> throw new IllegalArgumentException("");
                default -> {
                    if (!VALUED.contains(a)) {
                        throw new IllegalArgumentException("unknown option " + a);
                    }
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException("missing value for " + a);
                        }
                        value = args[++i];
                    }
                    switch (a) {
                        case "--target" -> target = Optional.of(value);
                        case "--server-command" -> serverCommand = Optional.of(value);
                        case "--startup-seconds" -> startup = positive(a, value);
                        case "--write-token" -> write = Optional.of(value);
                        case "--read-token" -> read = Optional.of(value);
                        case "--management-key" -> key = Optional.of(value);
                        case "--token-prefix" -> prefix = value;
                        case "--only" -> only.addAll(ids(value));
                        case "--skip" -> skip.addAll(ids(value));
                        case "--junit-xml" -> junit = Optional.of(Path.of(value));
                        case "--json" -> json = Optional.of(Path.of(value));
                        case "--wait-limit" -> waitLimit = Optional.of(Duration.ofSeconds(positive(a, value)));
                        case "--case-timeout" -> caseTimeout = Duration.ofSeconds(positive(a, value));
                        default -> throw new IllegalArgumentException("unknown option " + a);
                    }
                }
            }
        }
        if (!list && target.isEmpty() && serverCommand.isEmpty()) {
            throw new IllegalArgumentException("give --target URL or --server-command CMD");
        }
        if (target.isPresent() && serverCommand.isPresent()) {
            throw new IllegalArgumentException("give either --target or --server-command, not both");
        }
        if (write.isPresent() != read.isPresent()) {
            throw new IllegalArgumentException("give --write-token and --read-token together");
        }
        if (!Wire0.isStreamPath(prefix) || prefix.endsWith("/")) {
            throw new IllegalArgumentException("--token-prefix must be a stream path without trailing slash: " + prefix);
        }
        return new Options(target, serverCommand, startup, write, read, key, prefix, strict, list,
                List.copyOf(only), List.copyOf(skip), junit, json, waitLimit, caseTimeout, insecure, quiet);
    }

    private static List<String> ids(String value) {
        List<String> out = new ArrayList<>();
        for (String s : value.split(",")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    private static int positive(String name, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException(name + " needs a positive whole number: " + value);
    }

    boolean tokens() {
        return writeToken.isPresent();
    }

    /** Whether the case selection {@code --only} includes a case. */
    boolean selected(Case c) {
        return only.isEmpty() || matches(only, c);
    }

    /** Whether {@code --skip} names a case. */
    boolean skipped(Case c) {
        return matches(skip, c);
    }

    private static boolean matches(List<String> patterns, Case c) {
        for (String o : patterns) {
            if (o.equalsIgnoreCase(c.spec()) || c.id().equals(o) || c.id().startsWith(o + "/")) {
                return true;
            }
        }
        return false;
    }

    /** The same options with the target set (after --server-command started the relay). */
    Options withTarget(String url) {
        return new Options(Optional.of(url), serverCommand, startupSeconds, writeToken, readToken, managementKey,
                tokenPrefix, strict, list, only, skip, junitXml, json, waitLimit, caseTimeout, insecure, quiet);
    }
}
