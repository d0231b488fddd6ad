package dev.okapi.conformance;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import dev.okapi.protocol.Wire;

/**
 * What a case works with: the target, its credentials, fresh stream paths, connections that are
 * all closed when the case ends, and the expectations that turn a wrong answer into a
 * {@link Failure} saying expected vs actual.
 */
final class Ctx implements AutoCloseable {

    /** How long an answer the spec wants "at once" may take (a remote relay, a busy CI machine). */
    static final Duration QUICK = Duration.ofSeconds(5);

    /** Which credential a request carries. */
    enum Side {
        /** The write token (producer requests: PUT, await-reader). */
        PRODUCER,
        /** The read token (consumer requests: GET, await-writer). */
        CONSUMER,
        /** No credential at all. */
        NONE
    }

    /**
     * A whole exchange: head and body.
     *
     * @param head the final head
     * @param body the body as far as it went
     */
    record Reply(Head head, Conn.Body body) {
        int status() {
            return head.status();
        }

        String text() {
            return body.text();
        }

        String describe() {
            return head.describe() + " || body: " + Text.show(body.bytes(), 200) + " [" + body.end() + "]";
        }
    }

    final Options opt;
    final Target target;
    final Case kase;
    private Credentials creds;
    private final List<Conn> conns = new ArrayList<>();
    private final List<String> info = new ArrayList<>();
    private final ExecutorService tasks = Threads.pool("task");
    private int serial;

    Ctx(Options opt, Target target, Case kase, Credentials creds) {
        this.opt = Objects.requireNonNull(opt, "opt required");
        this.target = Objects.requireNonNull(target, "target required");
        this.kase = Objects.requireNonNull(kase, "kase required");
        this.creds = Objects.requireNonNull(creds, "creds required");
    }

    /** The credentials in force: tokens from the command line or made through the Management API. */
    record Credentials(Optional<String> write, Optional<String> read, Optional<String> managementKey) {
        boolean tokens() {
            return write.isPresent();
        }
    }

    /** Records a measurement that the reports show with the result, whatever its outcome. */
    synchronized void info(String measurement) {
        info.add(Objects.requireNonNull(measurement, "measurement required"));
    }

    synchronized List<String> info() {
        return List.copyOf(info);
    }

    Credentials creds() {
        return creds;
    }

    /** For the rest of this case, producer and consumer requests carry these tokens. */
    void useTokens(String write, String read) {
        creds = new Credentials(Optional.of(write), Optional.of(read), creds.managementKey());
    }

    /** The management key, or a skip. */
    String managementKey() {
        return creds.managementKey().orElseThrow(() -> new Skipped("needs --management-key"));
    }

    /** A stream path no other case or run uses: below the token prefix, named after the case. */
    synchronized String path() {
        return opt.tokenPrefix() + "/" + kase.id().replace('/', '-') + "-" + (++serial) + "-" + Text.hex(6);
    }

    /** The wait limit, or a skip when the suite was not told it. */
    Duration waitLimit() {
        return opt.waitLimit().orElseThrow(() -> new Skipped("needs --wait-limit"));
    }

    Conn open() throws IOException {
        return open(QUICK);
    }

    Conn open(Duration readTimeout) throws IOException {
        return open(readTimeout, 0);
    }

    /** A connection whose receive buffer is pinned to {@code receiveBuffer} bytes (0: the system's, autotuned). */
    Conn open(Duration readTimeout, int receiveBuffer) throws IOException {
        Conn c = Conn.open(target, readTimeout, receiveBuffer);
        synchronized (conns) {
            conns.add(c);
        }
        return c;
    }

    /** A connection to the origin of {@code url} (a Data URL that Connect named), closed when the case ends. */
    Conn openAt(URI url) throws IOException {
        Target t = Target.parse(url.getScheme() + "://" + url.getRawAuthority(), target.insecure());
        Conn c = Conn.open(t, QUICK);
        synchronized (conns) {
            conns.add(c);
        }
        return c;
    }

    /** The header line that authorises a side, or nothing in open mode. */
    String auth(Side side) {
        Optional<String> token = switch (side) {
            case PRODUCER -> creds.write();
            case CONSUMER -> creds.read();
            case NONE -> Optional.empty();
        };
        return token.map(t -> "Authorization: Bearer " + t + "\r\n").orElse("");
    }

    /** A request head: request line, Host, the side's credential, extra header lines, blank line. */
    String head(String method, String target, Side side, String... headers) {
        return head(method, target, this.target.hostHeader(), side, headers);
    }

    /** The same for another origin (a Data URL that Connect named): its own Host. */
    String head(String method, String target, String host, Side side, String... headers) {
        StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append("\r\n").append(auth(side));
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    /** Sends a body-less request and reads the whole reply, each read bounded by {@code timeout}. */
    Reply exchange(String method, String target, Side side, Duration timeout, String... headers) throws IOException {
        Conn c = open(timeout);
        c.send(head(method, target, side, headers));
        Head h = readHead(c, method + " " + Text.clip(target, 100));
        Conn.Body b = method.equals("HEAD") ? new Conn.Body(new byte[0], Conn.End.CLEAN, null) : c.readBody(h, 1 << 20);
        c.close();
        return new Reply(h, b);
    }

    Reply get(String target, Side side, String... headers) throws IOException {
        return exchange("GET", target, side, QUICK, headers);
    }

    /** A Connect request, answered within {@code timeout}. */
    Reply connect(String path, Wire.Mode mode, String moreQuery, Duration timeout) throws IOException {
        return exchange("GET", Wire0.connect(path, mode, moreQuery),
                mode == Wire.Mode.AWAIT_READER ? Side.PRODUCER : Side.CONSUMER, timeout);
    }

    /** Reads a final head, turning a silent relay into a failure that says so. */
    Head readHead(Conn c, String what) throws IOException {
        try {
            return c.readHead();
        } catch (SocketTimeoutException e) {
            throw new Failure("no answer to " + what, "an answer", "nothing within the read timeout");
        } catch (IOException e) {
            throw new Failure("no answer to " + what, "an HTTP response", "connection ended: " + e.getMessage());
        }
    }

    /**
     * Waits until the relay reports the given side present on {@code path}, by polling Connect with
     * {@code timeout=0} ([CONN-2], [CONN-7]): a signal, not a sleep, that a request is waiting.
     */
    void awaitPresent(String path, Side waiting) throws IOException, InterruptedException {
        Wire.Mode probe = waiting == Side.CONSUMER ? Wire.Mode.AWAIT_READER : Wire.Mode.AWAIT_WRITER;
        long end = System.nanoTime() + QUICK.toNanos();
        String last = "";
        while (System.nanoTime() < end) {
            Reply r = connect(path, probe, "timeout=0", QUICK);
            if (r.status() == Wire.OK) {
                return;
            }
            last = r.describe();
            Thread.sleep(20); // polling: a relay under test shows presence only through these probes
        }
        throw new Failure("the waiting " + waiting.name().toLowerCase(Locale.ROOT) + " on " + path
                + " was never reported present by Connect (timeout=0); CONN-2 and CONN-7 are needed to synchronise this case",
                "200 from " + probe.word() + " with timeout=0", last);
    }

    /** Starts a producer: sends the PUT head (and nothing else). */
    Producer producer(String path, Producer.Framing framing, boolean expectContinue, String... headers) throws IOException {
        Conn c = open();
        List<String> h = new ArrayList<>(List.of(headers));
        if (framing.chunked()) {
            h.add("Transfer-Encoding: chunked");
        } else {
            h.add("Content-Length: " + framing.length());
        }
        if (expectContinue) {
            h.add("Expect: 100-continue");
        }
        c.send(head("PUT", Wire0.data(path), Side.PRODUCER, h.toArray(String[]::new)));
        return new Producer(this, c, framing);
    }

    /** Starts a consumer: sends the GET. */
    Consumer consumer(String path, String... headers) throws IOException {
        Conn c = open();
        c.send(head("GET", Wire0.data(path), Side.CONSUMER, headers));
        return new Consumer(this, c);
    }

    /** Runs a task on a virtual thread; its result is awaited with {@link #await}. */
    <T> Future<T> async(Callable<T> task) {
        return tasks.submit(task);
    }

    /** A task's result within {@code d}, or a failure saying what did not finish. */
    <T> T await(Future<T> f, Duration d, String what) throws Exception {
        try {
            return f.get(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new Failure(what + " did not finish", "done within " + d.toSeconds() + " s", "still running");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }

    @Override
    public void close() {
        synchronized (conns) {
            conns.forEach(Conn::close);
            conns.clear();
        }
        tasks.shutdownNow();
    }

    // ---- expectations -------------------------------------------------------------------------

    static void expect(boolean ok, String what, String expected, Supplier<String> actual) {
        if (!ok) {
            throw new Failure(what, expected, actual.get());
        }
    }

    static void status(Reply r, int expected, String what) {
        expect(r.status() == expected, what, "status " + expected, r::describe);
    }

    static void status(Head h, int expected, String what) {
        expect(h.status() == expected, what, "status " + expected, h::describe);
    }

    /** [HTTP-4]: an error answer is text/plain with one line of text. */
    static void oneLine(Reply r, String what) {
        expect(r.head().mediaType().filter(t -> t.equals("text/plain")).isPresent(), what + ": Content-Type",
                "text/plain", () -> r.head().first("Content-Type").orElse("(none)"));
        String t = r.text();
        String body = t.endsWith("\r\n") ? t.substring(0, t.length() - 2) : t.endsWith("\n") ? t.substring(0, t.length() - 1) : t;
        expect(!body.isBlank() && !body.contains("\n") && !body.contains("\r"), what + ": body",
                "exactly one non-empty line", () -> "'" + Text.show(r.body().bytes(), 300) + "'");
    }

    /** Whether a status is one of the given ones. */
    static boolean oneOf(int status, int... accepted) {
        for (int a : accepted) {
            if (a == status) {
                return true;
            }
        }
        return false;
    }
}
