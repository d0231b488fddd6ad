package dev.okapi.client.logging;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

import dev.okapi.client.ZebraStream;

/**
 * The {@link ZebraStreamHandler}'s settings from {@code logging.properties}, each key prefixed with
 * the handler's class name. Only {@code path} is required: the Connect URL, the token and the CA
 * file fall back to the environment variables the CLI reads, so that the secret can stay out of
 * the file.
 *
 * <pre>
 * handlers = dev.okapi.client.logging.ZebraStreamHandler
 * dev.okapi.client.logging.ZebraStreamHandler.path = /acme/app/logs
 * </pre>
 *
 * @param stream   the stream the log goes to
 * @param capacity how many formatted records wait for a reader before the oldest are dropped
 */
record HandlerSettings(ZebraStream stream, int capacity) {

    static final String PREFIX = ZebraStreamHandler.class.getName() + ".";
    static final int DEFAULT_CAPACITY = 10_000;

    HandlerSettings {
        Objects.requireNonNull(stream, "stream required");
        if (capacity < 1) {
            throw new IllegalArgumentException(PREFIX + "capacity must be at least 1, not " + capacity);
        }
    }

    /**
     * @param property the logging property of a key without the prefix (e.g. {@code "path"}), or null
     * @param env      the environment
     * @throws IllegalArgumentException naming the property that is missing or wrong
     */
    static HandlerSettings from(UnaryOperator<String> property, Map<String, String> env) {
        String path = value(property.apply("path"), null);
        if (path == null) {
            throw new IllegalArgumentException(PREFIX + "path is required, e.g. " + PREFIX + "path = /team/app/logs");
        }
        String connectUrl = value(property.apply("connectUrl"), value(env.get(ZebraStream.ENV_CONNECT_URL),
                ZebraStream.DEFAULT_CONNECT_URL));
        ZebraStream.Builder builder;
        try {
            builder = ZebraStream.builder(connectUrl, path)
                    .accessToken(value(property.apply("token"), value(env.get(ZebraStream.ENV_ACCESS_TOKEN), null)))
                    .passphrase(value(property.apply("passphrase"), null));
            String caCert = value(property.apply("cacert"), value(env.get(ZebraStream.ENV_CA_CERT), null));
            if (caCert != null) {
                builder.caCertificates(Path.of(caCert));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ZebraStreamHandler.class.getSimpleName() + ": " + e.getMessage(), e);
        }
        String capacity = value(property.apply("capacity"), Integer.toString(DEFAULT_CAPACITY));
        try {
            return new HandlerSettings(builder.build(), Integer.parseInt(capacity));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PREFIX + "capacity must be a whole number of records, not '" + capacity + "'", e);
        }
    }

    private static String value(String given, String fallback) {
        return given == null || given.isBlank() ? fallback : given.strip();
    }
}
