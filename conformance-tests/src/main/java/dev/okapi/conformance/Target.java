package dev.okapi.conformance;

import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Objects;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The relay under test: an origin ({@code http://host:port} or {@code https://host:port}).
 *
 * @param tls      whether to speak TLS
 * @param host     host name or address
 * @param port     TCP port
 * @param insecure accept any TLS certificate (self-signed test relays)
 */
record Target(boolean tls, String host, int port, boolean insecure) {

    Target {
        Objects.requireNonNull(host, "host required");
    }

    static Target parse(String url, boolean insecure) {
        URI u = URI.create(url);
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("--target must be an http:// or https:// URL: " + url);
        }
        if (u.getHost() == null) {
            throw new IllegalArgumentException("--target has no host: " + url);
        }
        if (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")) {
            throw new IllegalArgumentException("--target must be an origin without a path (the APIs live at /data, /connect/v0, /api/v0): " + url);
        }
        boolean tls = scheme.equals("https");
        int port = u.getPort() > 0 ? u.getPort() : tls ? 443 : 80;
        String host = u.getHost().startsWith("[") ? u.getHost().substring(1, u.getHost().length() - 1) : u.getHost();
        return new Target(tls, host, port, insecure);
    }

    /** The origin as a URL, e.g. {@code http://127.0.0.1:8080}. */
    String origin() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return (tls ? "https" : "http") + "://" + h + ":" + port;
    }

    /** The Host header value. */
    String hostHeader() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return h + ":" + port;
    }

    SocketFactory socketFactory() {
        if (!insecure) {
            return SSLSocketFactory.getDefault();
        }
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return ctx.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
