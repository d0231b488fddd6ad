package dev.okapi.relay.manage;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.okapi.protocol.Wire.Access;
import dev.okapi.protocol.Wire;
import dev.okapi.relay.access.AuthConfig;
import dev.okapi.relay.access.FileTokenStore;
import dev.okapi.relay.access.InvalidRequestException;
import dev.okapi.relay.access.Token;
import dev.okapi.relay.access.TokenService;
import dev.okapi.relay.access.TokenStore;

import io.helidon.config.Config;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The operator's command line against the relay's own token store, for installs without the
 * Management API (air-gapped, or no management key):
 *
 * <pre>
 * java -jar okapi-relay.jar token create --path /supplier/inventory --mode write --expires 30d [--recursive]
 * java -jar okapi-relay.jar token list
 * java -jar okapi-relay.jar token revoke key_…
 * </pre>
 *
 * <p>It reads the same configuration as the relay ({@code auth.store}, {@code auth.data-dir} or
 * {@code auth.jdbc-*}), and works while the relay runs: the file store's lock orders their writes
 * and the relay sees a change at its next request; with PostgreSQL every node sees it within
 * {@code auth.max-staleness-seconds}. {@code --data-dir} picks the file store in that directory. A created secret is printed once. Exit codes: 0 done, 1 refused (bad value, unknown
 * token, store error), 2 usage; each error is one line on standard error.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Create, list and revoke access tokens in the relay's token store.",
        subcommands = {OperatorCli.Create.class, OperatorCli.ListTokens.class, OperatorCli.Revoke.class})
public final class OperatorCli implements Callable<Integer> {

    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})([smhdw])");

    @Option(names = "--data-dir", scope = CommandLine.ScopeType.INHERIT,
            description = "file token store directory (default: auth.store and auth.data-dir, ./okapi-data)")
    Path dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private Config config;
    private Clock clock = Clock.systemUTC();

    /**
     * Runs {@code token …} (the arguments after {@code token}).
     *
     * @return the exit code
     */
    public static int run(String[] args, Config config, PrintWriter out, PrintWriter err) {
        OperatorCli cli = new OperatorCli();
        cli.config = config;
        CommandLine cl = new CommandLine(cli).setOut(out).setErr(err)
                .setParameterExceptionHandler((e, given) -> { // one line, not picocli's message and whole usage
                    e.getCommandLine().getErr().println("error: " + e.getMessage() + " (see: okapi "
                            + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
                    return CommandLine.ExitCode.USAGE;
                })
                .setExecutionExceptionHandler((e, line, parsed) -> {
                    line.getErr().println("error: " + e.getMessage());
                    return 1;
                });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: create, list or revoke");
    }

    /** Runs one command against the configured store, closed afterwards (PostgreSQL: its pool). */
    private <T> T withService(Function<TokenService, T> command) {
        try (TokenStore store = dataDir != null ? new FileTokenStore(dataDir) : TokenStore.open(AuthConfig.from(config))) {
            return command.apply(new TokenService(store, Optional.empty(), null, clock));
        }
    }

    /** Where the tokens are, for the create command's last line. */
    private String storeName() {
        if (dataDir != null) {
            return dataDir.toAbsolutePath().normalize().toString();
        }
        AuthConfig auth = AuthConfig.from(config);
        return auth.postgres().map(p -> p.where()).orElse(auth.dataDir().toAbsolutePath().normalize().toString());
    }

    /** {@code token create}. */
    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a token and print its secret once.")
    static final class Create implements Callable<Integer> {
        @CommandLine.ParentCommand
        OperatorCli parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--path", required = true, description = "stream path, or the root of the subtree with --recursive")
        String path;
        @Option(names = "--mode", required = true, description = "read (consumers) or write (producers)")
        String mode;
        @Option(names = "--recursive", description = "also every path below --path")
        boolean recursive;
        @Option(names = "--expires", defaultValue = "30d",
                description = "a duration (90s, 45m, 12h, 30d, 2w), UNIX seconds, or an ISO instant (default: ${DEFAULT-VALUE})")
        String expires;
        @Option(names = "--json", description = "print the Management API's create answer as JSON")
        boolean json;

        @Override
        public Integer call() {
            Access access = Access.of(mode).orElseThrow(
                    () -> new CommandLine.ParameterException(spec.commandLine(), "--mode must be read or write"));
            long exp = parent.expiry(expires, spec.commandLine());
            TokenService.Created c;
            try {
                c = parent.withService(s -> s.create(path, access, recursive, exp, Optional.empty()));
            } catch (InvalidRequestException e) {
                String why = e.getMessage(); // the Management API's words, which begin with the field's name
                String option = why.replaceFirst("^(" + Wire.FIELD_PATH + "|" + Wire.FIELD_EXPIRES + ")\\b", "--$1");
                spec.commandLine().getErr().println("error: " + option);
                return 1;
            }
            Token t = c.token();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put(Wire.FIELD_PATH, t.path());
                m.put(Wire.FIELD_TOKEN, c.secret());
                m.put(Wire.FIELD_TOKEN_ID, t.id());
                m.put(Wire.FIELD_ACCESS_MODE, t.access().word());
                m.put(Wire.FIELD_RECURSIVE, t.recursive());
                m.put(Wire.FIELD_EXPIRES, t.expires());
                out.println(ManagementService.json(m));
            } else {
                out.println("token_id  " + t.id());
                out.println("token     " + c.secret() + "   (shown once: the relay keeps only its hash)");
                out.println("mode      " + t.access().word());
                out.println("path      " + t.path() + (t.recursive() ? " and below" : ""));
                out.println("expires   " + Instant.ofEpochSecond(t.expires()) + " (" + t.expires() + ")");
                out.println("store     " + parent.storeName());
            }
            return 0;
        }
    }

    /** {@code token list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the tokens that have not expired (never their secrets).")
    static final class ListTokens implements Callable<Integer> {
        @CommandLine.ParentCommand
        OperatorCli parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--json", description = "print the Management API's list answer as JSON")
        boolean json;

        @Override
        public Integer call() {
            List<Token> tokens = parent.withService(TokenService::list);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(ManagementService.json(Map.of(Wire.FIELD_TOKENS, tokens.stream().map(ManagementService::listed).toList())));
                return 0;
            }
            out.printf("%-20s  %-5s  %-9s  %-20s  %s%n", "TOKEN_ID", "MODE", "RECURSIVE", "EXPIRES", "PATH");
            for (Token t : tokens) {
                out.printf("%-20s  %-5s  %-9s  %-20s  %s%n", t.id(), t.access().word(), t.recursive() ? "yes" : "no",
                        Instant.ofEpochSecond(t.expires()), t.path());
            }
            return 0;
        }
    }

    /** {@code token revoke}. */
    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token: the relay refuses it at once.")
    static final class Revoke implements Callable<Integer> {
        @CommandLine.ParentCommand
        OperatorCli parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "TOKEN_ID", description = "the token's id, key_…")
        String tokenId;

        @Override
        public Integer call() {
            try {
                parent.withService(s -> {
                    s.delete(tokenId);
                    return null;
                });
            } catch (InvalidRequestException e) {
                spec.commandLine().getErr().println("error: no token " + tokenId);
                return 1;
            }
            spec.commandLine().getOut().println("revoked " + tokenId);
            return 0;
        }
    }

    /** UNIX seconds for {@code --expires}: a duration from now, UNIX seconds, or an ISO-8601 instant. */
    long expiry(String value, CommandLine cl) {
        Matcher m = DURATION.matcher(value);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
            return clock.instant().plus(d).getEpochSecond();
        }
        if (value.matches("[0-9]{1,12}")) {
            return Long.parseLong(value);
        }
        try {
            return Instant.parse(value).getEpochSecond();
        } catch (DateTimeParseException e) {
            throw new CommandLine.ParameterException(cl,
                    "--expires must be a duration (30d, 12h, 45m, 90s, 2w), UNIX seconds or an ISO instant (2026-12-31T00:00:00Z)");
        }
    }
}
