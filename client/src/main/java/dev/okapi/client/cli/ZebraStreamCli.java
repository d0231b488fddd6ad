package dev.okapi.client.cli;

import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;

/**
 * The {@code zebrastream} command: UNIX pipes over a ZebraStream relay.
 *
 * <pre>
 * zebrastream write|read -s PATH [-a TOKEN] [-p PASSPHRASE] [-t CONNECT_TIMEOUT] [-U CONNECT_URL] [-- COMMAND…]
 * </pre>
 *
 * <p>Options, environment variables and exit codes follow the Python client's CLI
 * (client/README.md, "CLI"): 0 ok, 1 generic, 2 usage, 3 auth, 4 connect timeout, 5 peer
 * disconnected, 6 producer command failed, 7 consumer command failed.
 */
@Command(name = "zebrastream", mixinStandardHelpOptions = true, version = "zebrastream (Okapi) 0.1.0",
        description = {"UNIX pipes over a ZebraStream relay.", "",
                "Environment: ZEBRASTREAM_ACCESS_TOKEN, ZEBRASTREAM_PASSPHRASE, ZEBRASTREAM_CONNECT_URL, "
                        + "ZEBRASTREAM_CA_CERT, ZEBRASTREAM_CONTENT_TYPE (write).",
                "Exit codes: 0 ok, 1 error, 2 usage, 3 authentication, 4 connect timeout, 5 peer disconnected, "
                        + "6 producer command failed, 7 consumer command failed."})
public final class ZebraStreamCli implements Callable<Integer> {

    private final CommandLine commandLine;

    private ZebraStreamCli(Stdio io, Map<String, String> env) {
        commandLine = new CommandLine(this)
                .addSubcommand(new CommandLine(new WriteCommand(io, env)))
                .addSubcommand(new CommandLine(new ReadCommand(io, env)))
                .setStopAtPositional(true) // write -s /x printf -n hi: everything from "printf" on is the command
                .setOut(new PrintWriter(io.out(), true, Charset.defaultCharset()))
                .setErr(new PrintWriter(io.err(), true))
                .setParameterExceptionHandler(ZebraStreamCli::usageError);
    }

    /**
     * A usage error in one line and exit 2: the message, then where the help is. The whole help
     * (picocli's default) buries the one line that says what was wrong.
     */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        String name = command.getCommandSpec().qualifiedName();
        command.getErr().println(name + ": " + e.getMessage() + " (see '" + name + " --help')");
        return Exit.USAGE;
    }

    /**
     * Runs the command line.
     *
     * @param io   the standard streams
     * @param env  the environment variables
     * @param args the arguments, without the program name
     * @return the exit code
     */
    public static int run(Stdio io, Map<String, String> env, String... args) {
        return new ZebraStreamCli(io, env).commandLine.execute(args);
    }

    /** Without a subcommand: a usage error. */
    @Override
    public Integer call() {
        throw new ParameterException(commandLine, "missing command: write or read");
    }

    public static void main(String[] args) {
        System.exit(run(Stdio.system(), System.getenv(), args));
    }
}
