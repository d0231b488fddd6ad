package dev.okapi.relay.manage;

import java.util.List;
import java.util.Map;

/**
 * The few JSON answers of the Management API and the command line, written by hand: flat
 * objects of strings, booleans, integers and lists of such objects. Too small to need a library.
 */
final class Json {

    private Json() {
    }

    /** An object; values are String, Boolean, Number or a List of Maps, in the map's order. */
    static String object(Map<String, ?> members) {
        StringBuilder sb = new StringBuilder("{");
        String sep = "";
        for (Map.Entry<String, ?> m : members.entrySet()) {
            sb.append(sep).append(quote(m.getKey())).append(':');
            value(sb, m.getValue());
            sep = ",";
        }
        return sb.append('}').toString();
    }

    private static void value(StringBuilder sb, Object v) {
        switch (v) {
            case String s -> sb.append(quote(s));
            case Boolean b -> sb.append(b);
            case Long n -> sb.append(n);
            case Integer n -> sb.append(n);
            case List<?> list -> {
                sb.append('[');
                String sep = "";
                for (Object o : list) {
                    sb.append(sep);
                    value(sb, o);
                    sep = ",";
                }
                sb.append(']');
            }
            case Map<?, ?> map -> {
                @SuppressWarnings("unchecked")
                Map<String, ?> m = (Map<String, ?>) map;
                sb.append(object(m));
            }
            default -> throw new IllegalArgumentException("no JSON for " + v.getClass());
        }
    }

    /** A JSON string literal. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
