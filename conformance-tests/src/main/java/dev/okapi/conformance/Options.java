package dev.okapi.conformance;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

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
 * @param headTimeout    the relay's request-head timeout ([HTTP-6]), which the head cases wait out
 * @param publicUrl      the origin the relay's Connect answers name ([CONN-12]); empty: the target's
 * @param expectedFailures a file of this relay's known deviations: {@code ID reason} per line
 * @param longTransfer   how long the long-transfer case streams
 * @param longRate       its rate in bytes per second
 * @param throughProxy   the target is a reverse proxy or load balancer in front of the relay
 */
record Options(Optional<String> target, Optional<String> serverCommand, int startupSeconds,
               Optional<String> writeToken, Optional<String> readToken, Optional<String> managementKey,
               String tokenPrefix, boolean strict, boolean list, List<String> only, List<String> skip,
               Optional<Path> junitXml, Optional<Path> json, Optional<Duration> waitLimit,
               Duration caseTimeout, boolean insecure, boolean quiet, Duration headTimeout,
               Optional<String> publicUrl, Optional<Path> expectedFailures, Duration longTransfer, int longRate,
               boolean throughProxy) {

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
              --case-timeout S        fail a case that runs longer (default 60; the long-transfer case
                                      gets --long-transfer on top)
              --head-timeout S        the relay's request-head timeout (HTTP-6; default 10): the head
                                      cases fail a connection still open 5 s after it
              --public-url URL        the origin that the relay's Connect answers name (default: the
                                      --target's); the Connect cases check it and follow it
              --expected-failures F   this relay's known deviations, one 'CASE-OR-SPEC-ID reason' a line
                                      ('#' comments): run and shown as failures with their reason, but
                                      they do not fail the run; one that passes does
              --long-transfer S       how long the long-transfer case streams (default 20)
              --long-rate B           its rate in bytes per second (default 16384)
              --through-proxy         the target is a reverse proxy or load balancer in front of the
                                      relay: the one case whose premise is the relay's own socket
                                      buffers (DATA-14) streams enough to fill the proxy's too
              --insecure              trust any TLS certificate
              --quiet                 print only failures and the summary
              --help                  this text

            Exit code: 0 all run cases passed (failures listed in --expected-failures aside), 1 a case
            failed, an expected failure passed, or --strict and a MUST case was skipped; 2 usage or
            setup error (including a target that is not a ZebraStream relay).
            """;

    private static final Set<String> VALUED = Set.of("--target", "--server-command", "--startup-seconds",
            "--write-token", "--read-token", "--management-key", "--token-prefix", "--only", "--skip", "--junit-xml", "--json",
            "--wait-limit", "--case-timeout", "--head-timeout", "--public-url", "--expected-failures", "--long-transfer",
            "--long-rate");

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
        Duration headTimeout = Duration.ofSeconds(10);
        Optional<String> publicUrl = Optional.empty();
        Optional<Path> expectedFailures = Optional.empty();
        Duration longTransfer = Duration.ofSeconds(20);
        int longRate = 16384;
        boolean throughProxy = false;
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
                case "--through-proxy" -> throughProxy = true;
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
                        case "--head-timeout" -> headTimeout = Duration.ofSeconds(positive(a, value));
                        case "--public-url" -> publicUrl = Optional.of(value);
                        case "--expected-failures" -> expectedFailures = Optional.of(Path.of(value));
                        case "--long-transfer" -> longTransfer = Duration.ofSeconds(positive(a, value));
                        case "--long-rate" -> longRate = positive(a, value);
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
                List.copyOf(only), List.copyOf(skip), junit, json, waitLimit, caseTimeout, insecure, quiet, headTimeout,
                publicUrl, expectedFailures, longTransfer, longRate, throughProxy);
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

    /** The {@code --only} and {@code --skip} selectors that name none of {@code cases}: a typo would run nothing, green. */
    List<String> unknownSelectors(List<Case> cases) {
        return namingNoCase(Stream.concat(only.stream(), skip.stream()).toList(), cases);
    }

    /** Those of {@code selectors} that name none of {@code cases} (see {@link #names}). */
    static List<String> namingNoCase(Collection<String> selectors, List<Case> cases) {
        return selectors.stream().filter(sel -> cases.stream().noneMatch(c -> names(sel, c))).toList();
    }

    private static boolean matches(List<String> patterns, Case c) {
        return patterns.stream().anyMatch(o -> names(o, c));
    }

    /** Whether a selector (a case id, a case-id prefix such as {@code data/3}, or a spec id) names a case. */
    static boolean names(String selector, Case c) {
        return selector.equalsIgnoreCase(c.spec()) || c.id().equals(selector) || c.id().startsWith(selector + "/");
    }

    /** The same options with the target set (after --server-command started the relay). */
    Options withTarget(String url) {
        return new Options(Optional.of(url), serverCommand, startupSeconds, writeToken, readToken, managementKey,
                tokenPrefix, strict, list, only, skip, junitXml, json, waitLimit, caseTimeout, insecure, quiet, headTimeout,
                publicUrl, expectedFailures, longTransfer, longRate, throughProxy);
    }
}
