package dev.okapi.client.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.okapi.client.ZebraStream;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * The options {@code write} and {@code read} share, named as in the Python CLI, each with the
 * environment variable that stands in for it (secrets belong in the environment, not in the
 * process list).
 */
final class StreamOptions {

    @Option(names = {"-s", "--stream-path"}, required = true, paramLabel = "PATH",
            description = "Stream path, e.g. /team/feed.")
    String streamPath;

    @Option(names = {"-a", "--access-token"}, paramLabel = "TOKEN",
            description = "Access token (default: $" + ZebraStream.ENV_ACCESS_TOKEN + "). Prefer the variable: options show in ps.")
    String accessToken;

    @Option(names = {"-p", "--passphrase"}, paramLabel = "PASSPHRASE",
            description = "End-to-end encrypt with age-rt v0.2 (default: $" + ZebraStream.ENV_PASSPHRASE + ").")
    String passphrase;

    @Option(names = {"-t", "--connect-timeout"}, paramLabel = "SECONDS",
            description = "Give up if the peer has not arrived within SECONDS (default: wait as long as the relay allows).")
    Integer connectTimeout;

    @Option(names = {"-U", "--connect-url"}, paramLabel = "URL",
            description = "Connect API base URL (default: $" + ZebraStream.ENV_CONNECT_URL + ", else " + ZebraStream.DEFAULT_CONNECT_URL + ").")
    String connectUrl;

    @Option(names = "--cacert", paramLabel = "FILE",
            description = "Trust the relay's TLS certificate or CA from this PEM file, for a self-signed relay "
                    + "(default: $" + ZebraStream.ENV_CA_CERT + ").")
    String caCert;

    @Option(names = "--progress", negatable = true,
            description = "Show what it waits for and a progress line on stderr (default: only when stderr is a terminal).")
    Boolean progress;

    @Parameters(paramLabel = "COMMAND", arity = "0..*",
            description = "After --: a command to run instead of using stdin (write) or stdout (read).")
    List<String> command = new ArrayList<>();

    /** The stream these options describe; a usage error (exit 2) if they do not describe one. */
    ZebraStream.Builder stream(CommandSpec spec, Map<String, String> env) {
        if (connectTimeout != null && connectTimeout < 1) {
            throw new ParameterException(spec.commandLine(), "--connect-timeout must be at least 1 second");
        }
        try {
            ZebraStream.Builder builder = ZebraStream.builder(orEnv(connectUrl, env, ZebraStream.ENV_CONNECT_URL, ZebraStream.DEFAULT_CONNECT_URL), streamPath)
                    .accessToken(orEnv(accessToken, env, ZebraStream.ENV_ACCESS_TOKEN, null))
                    .passphrase(orEnv(passphrase, env, ZebraStream.ENV_PASSPHRASE, null))
                    .connectTimeout(connectTimeout == null ? null : Duration.ofSeconds(connectTimeout));
            String pem = orEnv(caCert, env, ZebraStream.ENV_CA_CERT, null);
            if (pem != null) {
                builder.caCertificates(Path.of(pem));
            }
            return builder;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    boolean showProgress(Stdio io) {
        return progress != null ? progress : io.errIsTerminal();
    }

    /**
     * Says on stderr, where a person watches, who is awaited: without it a CLI waiting for its
     * peer looks exactly like a hung one. Pipes and logs (no terminal) are spared the line.
     *
     * @param command {@code write} or {@code read}
     * @param peer    {@code reader} or {@code writer}
     */
    void announceWait(Stdio io, String command, String peer) {
        if (showProgress(io)) {
            io.err().println("zebrastream " + command + ": waiting for a " + peer + " on " + streamPath + "...");
        }
    }

    static String orEnv(String option, Map<String, String> env, String variable, String fallback) {
        if (option != null) {
            return option;
        }
        String value = env.get(variable);
        return value == null || value.isEmpty() ? fallback : value;
    }
}
