package dev.okapi.relay;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.Target;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * {@code okapi_requests_total{api, method, status}}: every request by how it was answered, once it
 * has ended, so that an operator sees refusals without reading logs: {@code 504} (no peer within
 * the wait limit), {@code 409} (path busy), {@code 503} (capacity, quota, shutdown), {@code 401}
 * and {@code 403} (access control), {@code 400} (a bad request). How a paired transfer ended is
 * the core's {@code okapi_transfers_total{outcome}}; this counts the HTTP answers around it.
 *
 * <p>Labels from small fixed sets only: {@code api} is the route family
 * ({@code data|connect|management|observe|page}), {@code method} one of the methods the relay
 * serves or {@code other}, {@code status} the numeric code ({@link #CLOSED_UNANSWERED} for a
 * request whose connection closed before any answer). Never a path, a query or a token.
 */
final class RequestMetrics implements Filter {

    /**
     * The status recorded for a request whose connection closed before any byte of an answer:
     * nginx's 499, since the usual cause is a client that left while it waited for its peer. Helidon
     * reports 200 for it, which would count a client that gave up as a success.
     */
    static final int CLOSED_UNANSWERED = 499;

    private static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "HEAD", "DELETE", "OPTIONS");
    private static final List<Map.Entry<String, String>> APIS = List.of(
            Map.entry(Wire.DATA_PREFIX + "/", "data"),
            Map.entry(Wire.CONNECT_PREFIX + "/", "connect"),
            Map.entry(Wire.API_PREFIX + "/", "management"),
            Map.entry(Wire.OBSERVE_PREFIX + "/", "observe"));

    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        try {
            chain.proceed();
        } finally {
            String method = req.prologue().method().text();
            count(api(Target.rawPath(req)), METHODS.contains(method) ? method : "other", status(res));
        }
    }

    /** The status the client got, or {@link #CLOSED_UNANSWERED} if it got nothing. */
    static int status(RoutingResponse res) {
        return !res.isSent() && res.bytesWritten() == 0 ? CLOSED_UNANSWERED : res.status().code();
    }

    static String api(String path) {
        return APIS.stream().filter(e -> path.startsWith(e.getKey())).map(Map.Entry::getValue).findFirst().orElse("page");
    }

    private void count(String api, String method, int status) {
        counters.computeIfAbsent(api + " " + method + " " + status, k -> Metrics.globalRegistry().getOrCreate(
                Counter.builder("okapi.requests")
                        .description("Requests by API, method and the status they were answered with")
                        .tags(List.of(Tag.create("api", api), Tag.create("method", method),
                                Tag.create("status", Integer.toString(status))))))
                .increment();
    }
}
