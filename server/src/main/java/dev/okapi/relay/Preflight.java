package dev.okapi.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.okapi.relay.access.StartupRefusedException;

import io.helidon.config.Config;
import io.helidon.config.ConfigMappingException;

/**
 * What is checked before the server is built, so that a wrong setting ends the start with one
 * line that names it and the fix, instead of a Helidon stack trace or, for a port in use, a
 * relay that logs "listening on port -1" and exits 0 (Helidon 4.3.0 logs a failed bind and
 * carries on): every port must be a number that can be bound on an address of this machine, and
 * every file that {@code server} names ({@code ….resource.path}: TLS keys, certificates, trust
 * stores) must be readable.
 *
 * <p>A port is bound and released here, then bound again by Helidon: another process could take
 * it in between; {@link Main} checks the ports after the start as well.
 */
final class Preflight {

    private static final Pattern MAPPING = Pattern.compile("value '(.*)' stored under key '([^']+)'");

    private Preflight() {
    }

    /** @throws StartupRefusedException the first setting that cannot work, with its fix */
    static void check(Config root) {
        Config server = root.get("server");
        for (Listener l : listeners(server)) {
            if (l.port() < 0 || l.port() > 65535) {
                throw refused(l.portKey() + " is " + l.port() + ", not a port (0-65535; 0 picks a free one); set "
                        + Settings.whereToSet(l.portKey()));
            }
            bind(l); // port 0 too: its host must still be an address of this machine
        }
        server.traverse().filter(Config::isLeaf).filter(c -> c.key().toString().endsWith(".resource.path")).forEach(c -> {
            String file = c.asString().orElse("");
            if (!Files.isReadable(Path.of(file))) {
                throw refused(c.key() + ": " + file + (Files.exists(Path.of(file)) ? " is not readable" : " does not exist")
                        + "; fix the path, set by " + Settings.whereToSet(c.key().toString()));
            }
        });
    }

    /** A listener as configured: the default socket or one of {@code server.sockets}. */
    private record Listener(String portKey, String hostKey, String host, int port) {
    }

    private static List<Listener> listeners(Config server) {
        List<Listener> listeners = new ArrayList<>();
        String host = server.get("host").asString().orElse("0.0.0.0");
        listeners.add(new Listener("server.port", "server.host", host, server.get("port").asInt().orElse(0)));
        server.get("sockets").asNodeList().ifPresent(list -> {
            for (Config socket : list) {
                Config own = socket.get("host");
                listeners.add(new Listener(socket.key() + ".port", own.exists() ? own.key().toString() : "server.host",
                        own.asString().orElse(host), socket.get("port").asInt().orElse(0)));
            }
        });
        return listeners;
    }

    /**
     * Binds the listener's address once. A host that names no address of this machine is the host's
     * fault, not the port's: the advice says which setting to change.
     */
    private static void bind(Listener l) {
        InetSocketAddress address = new InetSocketAddress(l.host(), l.port()); // a port out of range was refused above
        if (address.isUnresolved()) {
            throw refused(l.hostKey() + " is " + l.host() + ", which names no address (unknown host); set "
                    + Settings.whereToSet(l.hostKey()));
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as Helidon does: a port in TIME_WAIT is free
            probe.bind(address);
        } catch (IOException | SecurityException e) {
            boolean notLocal = String.valueOf(e.getMessage()).contains("Cannot assign requested address");
            throw refused(l.portKey() + " " + l.port() + " on " + l.host() + " cannot be bound (" + e.getMessage() + "): "
                    + (notLocal ? "use an address of this machine for " + l.hostKey() + ", set by " + Settings.whereToSet(l.hostKey())
                            : "stop what uses it or choose another port with " + Settings.whereToSet(l.portKey())));
        }
    }

    /**
     * One line for a start that failed anyway: a value that is not of its setting's type
     * ({@code SERVER_PORT=abc}) names the setting; anything else gives its causes' messages.
     */
    static String describe(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigMappingException) {
                Matcher m = MAPPING.matcher(String.valueOf(t.getMessage()));
                if (m.find()) {
                    return m.group(2) + ": '" + m.group(1) + "' is not a valid value for this setting; fix it where it is"
                            + " set: " + Settings.whereToSet(m.group(2));
                }
            }
        }
        StringBuilder sb = new StringBuilder("cannot start: ");
        String sep = "";
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (sb.indexOf(message) < 0) {
                sb.append(sep).append(message);
                sep = ": ";
            }
        }
        return sb.toString().replaceAll("\\s*\\R\\s*", " ");
    }

    private static StartupRefusedException refused(String message) {
        return new StartupRefusedException(message);
    }
}
