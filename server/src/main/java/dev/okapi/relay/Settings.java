package dev.okapi.relay;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.EnvironmentVariables;
import io.helidon.config.spi.ConfigSource;

/**
 * Where the relay's configuration comes from, and what the operator is told about it at start:
 * settings that name nothing (a YAML typo, an environment variable that maps to no key) are warned
 * about, and every setting that differs from the embedded default is listed once.
 *
 * <p>The known keys of {@code relay} and {@code auth} are those of the embedded
 * {@code application.yaml} (the one owner of names and defaults), plus the few it leaves unset on
 * purpose ({@link #UNSET_KEYS}).
 *
 * <p>Environment variables: Helidon maps {@code RELAY_MAX_dash_WAIT_dash_SECONDS} to
 * {@code relay.max-wait-seconds}, but the plain {@code RELAY_MAX_WAIT_SECONDS} that everyone types
 * to {@code relay.max.wait.seconds}, which nothing reads. For {@code RELAY_*} and {@code AUTH_*},
 * the plain spelling is accepted too: it is mapped onto the known key it spells, just below
 * Helidon's own mapping, so an explicit {@code _dash_} spelling still wins.
 */
final class Settings {

    /** Read by the code but left out of the embedded file (see its comments for why). */
    static final Set<String> UNSET_KEYS = Set.of("auth.data-dir", "auth.jdbc-password", "auth.jdbc-password-file");
    /** The nodes whose every key we know; {@code server} is Helidon's and has too many to list. */
    private static final List<String> OWN_NODES = List.of("relay", "auth");
    private static final Pattern SECRET = Pattern.compile(".*(key|passphrase|password|secret)$");
    private static final Pattern USER_INFO = Pattern.compile("//[^/?#@\\s]*@");
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)\\b(password|passwd|pwd)=[^&;\\s]*");

    private Settings() {
    }

    /**
     * The configuration, highest priority first: system properties ({@code -Drelay.max-wait-seconds=60}),
     * environment variables (Helidon's mapping, then the plain spelling of {@code RELAY_*} and
     * {@code AUTH_*}), the YAML file named by {@code -Dokapi.config} or {@code OKAPI_CONFIG} if any,
     * and the embedded {@code application.yaml}, whose every key is a default.
     *
     * <p>Not {@code Config.create()}: it would take an {@code application.yaml} from the working
     * directory <em>instead of</em> the embedded one, losing every default it does not repeat
     * (the port would become random and the host every interface).
     *
     * @throws IllegalArgumentException the named configuration file cannot be read
     */
    static Config load() {
        Optional<String> file = Optional.ofNullable(System.getProperty("okapi.config"))
                .or(() -> Optional.ofNullable(System.getenv("OKAPI_CONFIG")))
                .filter(f -> !f.isBlank());
        if (file.isPresent() && !Files.isReadable(Path.of(file.get()))) {
            throw new IllegalArgumentException("configuration file not readable: " + file.get()
                    + " (named by -Dokapi.config or OKAPI_CONFIG)");
        }
        List<Supplier<? extends ConfigSource>> sources = new ArrayList<>();
        sources.add(ConfigSources.systemProperties());
        sources.add(ConfigSources.environmentVariables());
        sources.add(ConfigSources.create(plainSpellings(System.getenv())));
        file.ifPresent(f -> sources.add(ConfigSources.file(f)));
        sources.add(ConfigSources.classpath("application.yaml"));
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(sources)
                .build();
    }

    /** The embedded defaults alone. */
    static Config defaults() {
        return Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .sources(ConfigSources.classpath("application.yaml")).build();
    }

    /** Every key of {@code relay} and {@code auth} that the relay reads. */
    static Set<String> knownKeys() {
        Set<String> known = new HashSet<>(UNSET_KEYS);
        for (String node : OWN_NODES) {
            defaults().get(node).traverse().filter(Config::isLeaf).forEach(c -> known.add(c.key().toString()));
        }
        return known;
    }

    /**
     * The known keys that plain {@code RELAY_*}/{@code AUTH_*} variables spell, with their values:
     * {@code RELAY_MAX_WAIT_SECONDS=60} gives {@code relay.max-wait-seconds=60}.
     */
    static Map<String, String> plainSpellings(Map<String, String> env) {
        Map<String, String> bySpelling = new LinkedHashMap<>();
        knownKeys().forEach(k -> bySpelling.put(plain(k), k));
        Map<String, String> mapped = new TreeMap<>();
        env.forEach((name, value) -> {
            String key = bySpelling.get(name);
            if (key != null) {
                mapped.put(key, value);
            }
        });
        return mapped;
    }

    /** The plain environment variable of a key: upper case, {@code .} and {@code -} become {@code _}. */
    static String plain(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Where an operator sets a key: the system property and the environment variable. */
    static String whereToSet(String key) {
        boolean own = OWN_NODES.stream().anyMatch(n -> key.startsWith(n + "."));
        String env = own ? plain(key) : key.toUpperCase(Locale.ROOT).replace("-", "_dash_").replace('.', '_');
        return "-D" + key + "=…, " + env + "=… or the YAML file";
    }

    /**
     * Warnings about settings that name nothing: a {@code RELAY_*} or {@code AUTH_*} variable that
     * maps to no key, and a {@code relay.*} or {@code auth.*} key (YAML, system property) that the
     * relay does not read. Each says what is ignored and, if one is close, which key was meant.
     */
    static List<String> warnings(Config config, Map<String, String> env) {
        Set<String> known = knownKeys();
        Set<String> fromEnv = EnvironmentVariables.expand(env).keySet();
        List<String> warnings = new ArrayList<>();
        Set<String> spelled = plainSpellings(env).keySet();
        new TreeMap<>(env).forEach((name, value) -> {
            if (!(name.startsWith("RELAY_") || name.startsWith("AUTH_"))) {
                return;
            }
            Map<String, String> helidon = EnvironmentVariables.expand(Map.of(name, value));
            boolean read = helidon.keySet().stream().anyMatch(k -> isRead(k, known))
                    || spelled.stream().anyMatch(k -> plain(k).equals(name));
            if (!read) {
                warnings.add("environment variable " + name + " sets no setting and is ignored"
                        + nearest(plain(name), known.stream().map(Settings::plain).toList()).map(n -> "; did you mean " + n + "?")
                        .orElse(""));
            }
        });
        for (String node : OWN_NODES) {
            config.get(node).traverse().filter(Config::isLeaf).map(c -> c.key().toString())
                    .filter(k -> !isRead(k, known) && !fromEnv.contains(k)).sorted().forEach(k ->
                            warnings.add("unknown setting " + k + " is ignored"
                                    + nearest(k, known).map(n -> "; did you mean " + n + "?").orElse("")));
        }
        return warnings;
    }

    /** Whether the relay reads a key: known as is, or ({@code auth} only) in its dotted spelling. */
    private static boolean isRead(String key, Set<String> known) {
        return known.contains(key)
                || key.startsWith("auth.") && known.stream().anyMatch(k -> k.replace('-', '.').equals(key));
    }

    /** The known word closest to {@code word}, if it is a typo of it or its beginning. */
    private static Optional<String> nearest(String word, List<String> known) {
        return known.stream().min(Comparator.comparingInt(k -> distance(word, k)))
                .filter(k -> distance(word, k) <= Math.max(2, k.length() / 5))
                .or(() -> known.stream().filter(k -> k.startsWith(word)).findFirst());
    }

    private static Optional<String> nearest(String word, Set<String> known) {
        return nearest(word, List.copyOf(known));
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * The settings of {@code server}, {@code relay} and {@code auth} that differ from the embedded
     * defaults, as {@code key=value} in key order; secrets show as {@code (set)}.
     */
    static List<String> nonDefaults(Config config) {
        Config defaults = defaults();
        List<String> lines = new ArrayList<>();
        for (String node : List.of("server", "relay", "auth")) {
            config.get(node).traverse().filter(Config::isLeaf).sorted(Comparator.comparing(c -> c.key().toString()))
                    .forEach(c -> {
                        String key = c.key().toString();
                        String value = c.asString().orElse("");
                        if (!value.equals(defaults.get(key).asString().orElse(""))) {
                            lines.add(key + "=" + (SECRET.matcher(c.name()).matches() ? "(set)" : withoutCredentials(value)));
                        }
                    });
        }
        return lines;
    }

    /**
     * {@code value} with a URL's user and password, and a {@code password=} parameter, shown as
     * {@code ***}: a public or JDBC URL may carry one, and the log must not.
     */
    static String withoutCredentials(String value) {
        return PASSWORD_PARAM.matcher(USER_INFO.matcher(value).replaceAll("//***@")).replaceAll("$1=***");
    }
}
