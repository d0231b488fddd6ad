package dev.okapi.conformance;

import java.util.regex.Pattern;

import dev.okapi.protocol.Wire;

/**
 * The protocol's words the suite needs beyond {@link Wire}: derived request targets and the
 * control-line grammar of spec section 5.3.
 */
final class Wire0 {

    /** {@code control-line} without its LF (spec 5.3). */
    static final Pattern CONTROL_LINE = Pattern.compile("\\[(STATE|ERROR):[A-Z_]+]");

    /** [DATA-29]: the status RECOMMENDED for a producer's {@code Content-Encoding}. */
    static final int UNSUPPORTED_MEDIA_TYPE = 415;
    /** [HTTP-10]: the status RECOMMENDED for an HTTP/1.0 request. */
    static final int HTTP_VERSION_NOT_SUPPORTED = 505;

    private Wire0() {
    }

    static boolean isStreamPath(String p) {
        return p.length() <= Wire.STREAM_PATH_MAX && Wire.STREAM_PATH.matcher(p).matches();
    }

    static String data(String path) {
        return Wire.DATA_PREFIX + path;
    }

    static String connect(String path, Wire.Mode mode, String moreQuery) {
        return Wire.CONNECT_PREFIX + path + "?" + Wire.PARAM_MODE + "=" + mode.word()
                + (moreQuery == null || moreQuery.isEmpty() ? "" : "&" + moreQuery);
    }
}
