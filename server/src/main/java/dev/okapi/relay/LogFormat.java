package dev.okapi.relay;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;

/**
 * How log lines look: text for a terminal, or one JSON object per line for a container's log
 * collector ({@code -Dokapi.log.format=json} or {@code OKAPI_LOG_FORMAT=json}). Both carry the
 * time with its zone offset ({@code 2026-12-01T15:26:03.123+00:00}), so that lines from relays in
 * different zones, or read after a daylight-saving change, can be ordered.
 *
 * <pre>
 * 2026-12-01T15:26:03.123+00:00 INFO dev.okapi.relay.Main: settings: the embedded defaults
 * {"time":"2026-12-01T15:26:03.123+00:00","level":"INFO","logger":"dev.okapi.relay.Main","message":"settings: …"}
 * </pre>
 */
final class LogFormat {

    /** The system property that picks the format; the environment variable is its upper-case spelling. */
    static final String PROPERTY = "okapi.log.format";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSxxx", Locale.ROOT);

    private LogFormat() {
    }

    /**
     * Puts the chosen format on every handler of the root logger (after Helidon's logging
     * configuration has created them).
     *
     * @throws IllegalArgumentException a format other than {@code text} or {@code json}
     */
    static void install() {
        String format = Optional.ofNullable(System.getProperty(PROPERTY)).or(() -> Optional.ofNullable(System.getenv("OKAPI_LOG_FORMAT")))
                .orElse("text").strip().toLowerCase(Locale.ROOT);
        Formatter formatter = switch (format) {
            case "text" -> new Text();
            case "json" -> new JsonLines();
            default -> throw new IllegalArgumentException(PROPERTY + " (or OKAPI_LOG_FORMAT) must be text or json, not " + format);
        };
        for (Handler h : Logger.getLogger("").getHandlers()) {
            h.setFormatter(formatter);
        }
    }

    private static String time(LogRecord r) {
        return TIME.format(OffsetDateTime.ofInstant(r.getInstant(), ZoneId.systemDefault()));
    }

    private static Optional<String> thrown(LogRecord r) {
        if (r.getThrown() == null) {
            return Optional.empty();
        }
        StringWriter sw = new StringWriter();
        r.getThrown().printStackTrace(new PrintWriter(sw));
        return Optional.of(sw.toString());
    }

    /** {@code TIME LEVEL logger: message}, then a stack trace if there is one. */
    static final class Text extends Formatter {
        @Override
        public String format(LogRecord r) {
            return time(r) + " " + r.getLevel().getName() + " " + r.getLoggerName() + ": " + formatMessage(r)
                    + System.lineSeparator() + thrown(r).orElse("");
        }
    }

    /** One JSON object per line: time, level, logger, message, and the stack trace as one string. */
    static final class JsonLines extends Formatter {
        @Override
        public String format(LogRecord r) {
            JsonObjectBuilder b = Json.createObjectBuilder().add("time", time(r)).add("level", r.getLevel().getName())
                    .add("logger", String.valueOf(r.getLoggerName())).add("message", String.valueOf(formatMessage(r)));
            thrown(r).ifPresent(t -> b.add("thrown", t));
            return b.build() + "\n";
        }
    }
}
