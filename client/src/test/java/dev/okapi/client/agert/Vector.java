package dev.okapi.client.agert;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One age-rt vector file ({@code key: value} lines, {@code #} comments), read from the copy in
 * {@code src/test/resources/vectors/}, so that the tests depend on nothing outside the repository.
 */
record Vector(String name, Map<String, String> fields) {

    static Vector load(String file) {
        try (InputStream in = Vector.class.getResourceAsStream("/vectors/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource vectors/" + file);
            }
            Map<String, String> fields = new LinkedHashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int colon = line.indexOf(": ");
                fields.put(line.substring(0, colon), line.substring(colon + 2));
            }
            return new Vector(file, fields);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String get(String key) {
        String value = fields.get(key);
        if (value == null) {
            throw new IllegalStateException(name + " has no '" + key + "'");
        }
        return value;
    }

    byte[] hex(String key) {
        return HexFormat.of().parseHex(get(key));
    }

    byte[] wire() {
        byte[] wire = hex("wire_hex");
        if (fields.containsKey("wire_len") && wire.length != Integer.parseInt(get("wire_len"))) {
            throw new IllegalStateException(name + ": wire_hex has " + wire.length + " bytes, wire_len says " + get("wire_len"));
        }
        return wire;
    }
}
