package dev.okapi.relay.core;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

import dev.okapi.protocol.Wire;
import dev.okapi.relay.http.RelayException;
import dev.okapi.relay.http.Target;
import dev.okapi.relay.http.Watch;

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
 * there; the Data API's exclusivity then decides which one streams. A waiter whose client leaves
 * is taken off the path at once by its {@link Watch}, so it is never anyone's peer.
 */
final class ConnectService implements HttpService {

    private static final Pattern SECONDS = Pattern.compile("[0-9]{1,18}");

    private final Core core;

    ConnectService(Core core) {
        this.core = core;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(Core::refuseServiceWorkers, this::connect).any((req, res) -> {
            throw RelayException.notAllowed(res, "GET", "the Connect API takes GET only");
        });
    }

    private void connect(ServerRequest req, ServerResponse res) throws InterruptedException {
        StreamPath path = StreamPath.below(Wire.CONNECT_PREFIX, Target.rawPath(req));
        var query = req.query();
        for (String name : List.of(Wire.PARAM_MODE, Wire.PARAM_TIMEOUT, Wire.PARAM_REDIRECT)) {
            if (query.all(name, List::of).size() > 1) {
                throw new RelayException(Wire.BAD_REQUEST, name + " given more than once");
            }
        }
        String modeWord = query.first(Wire.PARAM_MODE).orElseThrow(
                () -> new RelayException(Wire.BAD_REQUEST, "missing mode: use mode=await-reader or mode=await-writer"));
        Wire.Mode mode = Wire.Mode.of(modeWord).orElseThrow(
                () -> new RelayException(Wire.BAD_REQUEST, "unknown mode: use mode=await-reader or mode=await-writer"));
        Duration wait = query.first(Wire.PARAM_TIMEOUT).map(this::timeout).orElse(core.config.maxWait());
        boolean redirect = query.first(Wire.PARAM_REDIRECT).map(ConnectService::flag).orElse(false);
        String dataUrl = core.origin.apply(req) + Wire.DATA_PREFIX + path.value();
        Side awaited = mode == Wire.Mode.AWAIT_READER ? Side.CONSUMER : Side.PRODUCER;
        Wire.Access need = awaited == Side.CONSUMER ? Wire.Access.WRITE : Wire.Access.READ; // who awaits a reader writes
        // After every 400 (spec precedence) and before waiting: a refused request learns nothing.
        Gate.Pass pass = core.gate.admit(req, res, path, need, Gate.Api.CONNECT);
        Watch watch = null;
        try (Gate.Slot slot = pass.waiting(); Waiter me = core.room.waiter(RelayMetrics.Waiting.CONNECT)) {
            if (!core.lanes.awaitPeer(path, awaited, me)) {
                try {
                    if (wait.isPositive()) { // it waits: a place in the waiting room, and a watch
                        core.room.admit(me);
                        watch = me.watch(0);
                    }
                    awaitPeer(me, awaited, System.nanoTime() + wait.toNanos());
                } catch (RuntimeException e) {
                    core.lanes.forget(path, awaited, me);
                    // Refused before it waited, nothing reads its connection: it may serve another request.
                    throw e instanceof RelayException refused && watch != null ? refused.answerAndClose(req, res) : e;
                }
            }
        }
        answer(res, redirect, dataUrl, query.first(Wire.PARAM_ACCESS_TOKEN).asOptional());
        Watch.handBack(req, watch, core.config.idleBound());
    }

    /** Parks until the waiter is released by its peer, or its wait ends otherwise. */
    private static void awaitPeer(Waiter me, Side awaited, long deadline) {
        long left;
        while (me.state() == Waiter.State.WAITING && (left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                me.refuse();
            }
        }
        if (me.expire() || me.state() != Waiter.State.PAIRED) { // not released at the very instant the limit passed
            throw me.ended(awaited);
        }
    }

    private static void answer(ServerResponse res, boolean redirect, String dataUrl, Optional<String> token) {
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        if (redirect) {
            // A token given in the query would not survive the redirect otherwise.
            String location = token.map(t -> dataUrl + "?" + Wire.PARAM_ACCESS_TOKEN + "="
                    + URLEncoder.encode(t, StandardCharsets.UTF_8)).orElse(dataUrl);
            res.status(Wire.REDIRECT).header(HeaderNames.LOCATION, location).send();
        } else {
            res.status(Wire.OK).header(HeaderNames.CONTENT_TYPE, Wire.TEXT_PLAIN).send(dataUrl);
        }
    }

    /** A {@code timeout} in whole seconds; longer than the relay's own limit means the limit. */
    private Duration timeout(String value) {
        if (!SECONDS.matcher(value).matches()) {
            throw new RelayException(Wire.BAD_REQUEST, "timeout must be a whole number of seconds, at most 18 digits");
        }
        Duration asked = Duration.ofSeconds(Long.parseLong(value));
        return asked.compareTo(core.config.maxWait()) < 0 ? asked : core.config.maxWait();
    }

    private static boolean flag(String value) {
        return switch (value) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw new RelayException(Wire.BAD_REQUEST, "redirect must be true or false");
        };
    }
}
