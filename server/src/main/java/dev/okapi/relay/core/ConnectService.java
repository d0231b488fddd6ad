package dev.okapi.relay.core;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.access.AccessControl;
import dev.okapi.relay.access.AuthMetrics;
import dev.okapi.relay.access.TokenQuota;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The Connect API, the waiting room: {@code GET /connect/v0{path}?mode=await-reader|await-writer}
 * is held until the awaited peer is present on the path, then answers with the absolute Data URL
 * (or a redirect to it).
 *
 * <p>Presence, not pairing: two producers waiting on Connect are both told that a reader is
 * there; the Data API's exclusivity then decides which one streams.
 */
public final class ConnectService implements HttpService {

    private static final Pattern SECONDS = Pattern.compile("[0-9]{1,9}");

    private final Rendezvous rendezvous;
    private final RelayConfig config;
    private final AccessControl access;
    private final TokenQuota quota;

    public ConnectService(Rendezvous rendezvous, RelayConfig config, AccessControl access, TokenQuota quota) {
        this.quota = Objects.requireNonNull(quota, "quota required");
        this.rendezvous = Objects.requireNonNull(rendezvous, "rendezvous required");
        this.config = Objects.requireNonNull(config, "config required");
        this.access = Objects.requireNonNull(access, "access required");
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(this::connect)
                .any((req, res) -> {
                    res.header(HeaderNames.ALLOW, "GET");
                    throw new RelayException(Wire.METHOD_NOT_ALLOWED, "the Connect API takes GET only");
                });
    }

    private void connect(ServerRequest req, ServerResponse res) {
        StreamPath path = StreamPath.below(Wire.CONNECT_PREFIX, req.prologue().uriPath().rawPath());
        var query = req.query();
        String modeWord = query.first(Wire.PARAM_MODE).orElseThrow(
                () -> new RelayException(Wire.BAD_REQUEST, "missing mode: use mode=await-reader or mode=await-writer"));
        Wire.Mode mode = Wire.Mode.of(modeWord).orElseThrow(
                () -> new RelayException(Wire.BAD_REQUEST, "unknown mode: use mode=await-reader or mode=await-writer"));
        Duration wait = query.first(Wire.PARAM_TIMEOUT).map(this::timeout).orElse(config.maxWait());
        boolean redirect = query.first(Wire.PARAM_REDIRECT).map(ConnectService::flag).orElse(false);
        String dataUrl = PublicUrl.of(req, config.publicUrl()) + Wire.DATA_PREFIX + path.value();
        // After every 400 (spec precedence) and before waiting: a refused request learns nothing.
        Optional<String> holder = access.require(req, res, path, AccessControl.need(mode), AuthMetrics.Api.CONNECT);

        try (TokenQuota.Waiting waiting = quota.enter(holder)) {
            rendezvous.awaitPeer(path, mode, PeerProbe.of(req), Instant.now().plus(wait));
        }

        if (redirect) {
            // A token given in the query would not survive the redirect otherwise.
            Optional<String> token = query.first(Wire.PARAM_ACCESS_TOKEN).asOptional();
            String location = token.map(t -> dataUrl + "?" + Wire.PARAM_ACCESS_TOKEN + "="
                    + URLEncoder.encode(t, StandardCharsets.UTF_8)).orElse(dataUrl);
            res.status(Wire.REDIRECT).header(HeaderNames.LOCATION, location)
                    .header(HeaderNames.CACHE_CONTROL, "no-store").send();
        } else {
            res.status(Wire.OK).header(HeaderNames.CONTENT_TYPE, Wire.TEXT_PLAIN)
                    .header(HeaderNames.CACHE_CONTROL, "no-store").send(dataUrl);
        }
    }

    /** A {@code timeout} in whole seconds; longer than the relay's own limit means the limit. */
    private Duration timeout(String value) {
        if (!SECONDS.matcher(value).matches()) {
            throw new RelayException(Wire.BAD_REQUEST, "timeout must be a whole number of seconds");
        }
        Duration asked = Duration.ofSeconds(Long.parseLong(value));
        return asked.compareTo(config.maxWait()) < 0 ? asked : config.maxWait();
    }

    private static boolean flag(String value) {
        return switch (value) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw new RelayException(Wire.BAD_REQUEST, "redirect must be true or false");
        };
    }
}
