package dev.okapi.relay;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * The container's health check: {@code java -cp okapi-relay.jar dev.okapi.relay.HealthProbe [URL]}
 * exits 0 if {@code URL} (default {@code $OKAPI_HEALTH_URL}, else
 * {@code http://127.0.0.1:8080/observe/health}) answers 200 within 3 seconds, else 1.
 *
 * <p>In Java rather than curl or wget so that the image needs no package beyond the JRE (nothing
 * to install, patch or fetch from a mirror in an isolated network) and does not depend on which
 * tools the base image happens to ship.
 */
public final class HealthProbe {

    static final String DEFAULT_URL = "http://127.0.0.1:8080/observe/health";

    private HealthProbe() {
    }

    /**
     * Probes once; the exit code is the answer.
     *
     * @param args an optional URL
     */
    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : System.getenv().getOrDefault("OKAPI_HEALTH_URL", DEFAULT_URL);
        int status = probe(url);
        System.out.println(url + " -> " + (status < 0 ? "unreachable" : status));
        System.exit(status == 200 ? 0 : 1);
    }

    /** The status of a GET on {@code url}, or -1 if it cannot be reached. */
    static int probe(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(3000);
            c.setReadTimeout(3000);
            try {
                int status = c.getResponseCode();
                try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                    if (in != null) {
                        in.readAllBytes();
                    }
                }
                return status;
            } finally {
                c.disconnect();
            }
        } catch (IOException | IllegalArgumentException e) {
            return -1;
        }
    }
}
