// Fault-injection run (issue 12): thousands of transfers through a real relay, faults injected
// at random points, every transfer classified from both sides.
//
//   java bench/chaos/Chaos.java --jar server/target/okapi-relay.jar [--transfers N] [--concurrency C]
//        [--seed S] [--heap 256m]                                     # the fault-injection run
//   java bench/chaos/Chaos.java --jar ... --duration-seconds 3600 --rate 5 --samples soak.csv
//                                                                      # the soak run (steady rate)
//
// It starts the relay jar as a child process on a free loopback port, in token mode, with short
// timeouts so that stalls end quickly (relay.idle-timeout-seconds=2, relay.max-wait-seconds=3,
// relay.head-timeout-seconds=2), and reads the relay's threads, file descriptors and RSS from
// /proc/PID before and after. Exit status: 0 when there were no silent truncations, no false
// successes, no hung client, no leak and every stalled request head was closed by the relay;
// 1 otherwise; 2 for a bad command line.
//
// One file on purpose (about 900 lines): the JDK's source launcher runs it without a build, on
// Java 21 too (multi-file source programs need 22+). Raw sockets throughout: the faults (a reset
// at an exact byte, a half-sent head, a reader that stops) are below what HTTP client libraries let
// a caller do, and every read has a deadline, so a relay that never answers is counted as a hang
// instead of hanging the run.
import java.io.*;
import java.net.*;
import java.net.http.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.MessageDigest;
import java.time.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import java.util.function.*;

public class Chaos {

    /** Every fault the issue lists, and NONE for clean transfers. */
    enum Fault {
        NONE, PRODUCER_RESET_WAITING, PRODUCER_RESET_CONNECTED, PRODUCER_RESET_MID_BODY, PRODUCER_RESET_BEFORE_FINAL,
        CONSUMER_RESET_WAITING, CONSUMER_RESET_AFTER_HEAD, CONSUMER_RESET_MID_BODY,
        STALL_HEAD, STALL_PRODUCER_AFTER_CONNECTED, STALL_PRODUCER_MID_BODY, STALL_CONSUMER_AFTER_HEAD, STALL_CONSUMER_MID_BODY,
        SLOW_READER, DUPLICATE_PRODUCER, DUPLICATE_CONSUMER, REVOKE_MID_TRANSFER;

        boolean producerFault() {
            return name().startsWith("PRODUCER_RESET");
        }

        boolean consumerFault() {
            return name().startsWith("CONSUMER_RESET");
        }
    }

    /** What one side saw. */
    enum View { SUCCESS, COMPLETE, ERROR, CUT, REFUSED, FAULTED, HUNG }

    /** One transfer's result, from both sides. */
    record Result(Fault fault, View producer, View consumer, boolean hashEqual, long sent, long received,
                  String detail, long millis, String extra) {
    }

    static final int IDLE_SECONDS = 2, MAX_WAIT_SECONDS = 3, HEAD_SECONDS = 2;
    static final int CLIENT_TIMEOUT_MS = 30_000;
    static final String MGMT_KEY = "chaos-management-key-0123456789";

    final Map<String, String> opt;
    final Random seeds;
    final int port;
    final String run = Long.toString(System.currentTimeMillis(), 36);
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final AtomicLong ids = new AtomicLong();
    Process relay;
    String writeToken, readToken;

    Chaos(Map<String, String> opt) throws IOException {
        this.opt = opt;
        this.seeds = new Random(Long.parseLong(opt.getOrDefault("seed", "12")));
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                System.err.println("usage: Chaos --jar RELAY_JAR [--transfers N] [--concurrency C] [--seed S] [--heap 256m]"
                        + " [--duration-seconds D --rate R --samples FILE]");
                System.exit(2);
            }
            opt.put(args[i].substring(2), args[++i]);
        }
        if (!opt.containsKey("jar") || !Files.isReadable(Path.of(opt.get("jar")))) {
            System.err.println("error: --jar must name the relay's jar (mvn -pl server -am package -DskipTests)");
            System.exit(2);
        }
        Chaos chaos = new Chaos(opt);
        int status;
        try {
            chaos.startRelay();
            status = chaos.opt.containsKey("duration-seconds") ? chaos.soak() : chaos.faults();
        } finally {
            chaos.stopRelay();
        }
        System.exit(status);
    }

    // ---------------------------------------------------------------- the two runs

    int faults() throws Exception {
        int transfers = Integer.parseInt(opt.getOrDefault("transfers", "2000"));
        int concurrency = Integer.parseInt(opt.getOrDefault("concurrency", "32"));
        warmUp();
        Stats before = stats();
        long t0 = System.nanoTime();
        List<Result> results = runMany(transfers, concurrency, i -> Fault.values()[i % Fault.values().length]);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Stats after = settledStats();
        return report(results, seconds, before, after);
    }

    int soak() throws Exception {
        long duration = Long.parseLong(opt.get("duration-seconds"));
        double rate = Double.parseDouble(opt.getOrDefault("rate", "5"));
        long sampleMs = Long.parseLong(opt.getOrDefault("sample-seconds", "60")) * 1000;
        Path samples = Path.of(opt.getOrDefault("samples", "soak.csv"));
        warmUp();
        Stats before = stats();
        Files.writeString(samples, "minute,transfers,completed,failed_visibly,bad,rss_mib,fds,threads,p99_ms\n");
        List<Result> all = Collections.synchronizedList(new ArrayList<>());
        List<Result> window = Collections.synchronizedList(new ArrayList<>());
        Semaphore cap = new Semaphore(400); // a relay that stops answering must not grow this process without bound
        long start = System.nanoTime(), end = start + duration * 1_000_000_000L;
        long nextSample = System.currentTimeMillis() + sampleMs;
        int minute = 0;
        long n = 0;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            while (System.nanoTime() < end) {
                long due = start + (long) (n / rate * 1e9);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                if (System.currentTimeMillis() >= nextSample) {
                    nextSample += sampleMs;
                    List<Result> done;
                    synchronized (window) {
                        done = new ArrayList<>(window);
                        window.clear();
                    }
                    Stats s = stats();
                    Files.writeString(samples, String.format(Locale.ROOT, "%d,%d,%d,%d,%d,%.1f,%d,%d,%d%n", ++minute,
                            done.size(), count(done, Chaos::completed), count(done, Chaos::failedVisibly),
                            count(done, r -> silentTruncation(r) || falseSuccess(r) || r.producer == View.HUNG || r.consumer == View.HUNG),
                            s.rssKib / 1024.0, s.fds, s.threads, p99(done)), StandardOpenOption.APPEND);
                }
                long seed = seeds.nextLong();
                Fault fault = pickFault(new Random(seed));
                cap.acquire();
                n++;
                pool.submit(() -> {
                    try {
                        Result r = transfer(fault, seed);
                        all.add(r);
                        window.add(r);
                    } finally {
                        cap.release();
                    }
                    return null;
                });
            }
        }
        Stats after = settledStats();
        return report(all, duration, before, after);
    }

    /** The soak's mix: mostly clean transfers, every fault some of the time. */
    static Fault pickFault(Random r) {
        return r.nextInt(100) < 60 ? Fault.NONE : Fault.values()[1 + r.nextInt(Fault.values().length - 1)];
    }

    List<Result> runMany(int transfers, int concurrency, IntFunction<Fault> faultOf) throws Exception {
        List<Future<Result>> futures = new ArrayList<>();
        Semaphore slots = new Semaphore(concurrency);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < transfers; i++) {
                Fault fault = faultOf.apply(i);
                long seed = seeds.nextLong();
                slots.acquire();
                futures.add(pool.submit(() -> {
                    try {
                        return transfer(fault, seed);
                    } finally {
                        slots.release();
                    }
                }));
            }
        }
        List<Result> results = new ArrayList<>();
        for (Future<Result> f : futures) {
            results.add(f.get());
        }
        return results;
    }

    void warmUp() throws Exception {
        runMany(20, 4, i -> Fault.NONE);
    }

    // ---------------------------------------------------------------- one transfer

    Result transfer(Fault fault, long seed) {
        Random rnd = new Random(seed);
        String path = "/chaos/" + run + "/" + ids.incrementAndGet();
        long size = switch (fault) {
            case STALL_CONSUMER_AFTER_HEAD, STALL_CONSUMER_MID_BODY -> 16L << 20; // more than loopback buffers hold
            case NONE, DUPLICATE_PRODUCER, DUPLICATE_CONSUMER -> rnd.nextInt(4) == 0 ? rnd.nextInt(100) : rnd.nextInt(1 << 20);
            default -> (256 << 10) + rnd.nextInt(1 << 20);
        };
        long t0 = System.nanoTime();
        String[] tokens = {writeToken, readToken};
        String[] ids = null;
        try {
            if (fault == Fault.REVOKE_MID_TRANSFER) {
                String[] w = createToken(path, "write"), r = createToken(path, "read");
                tokens[0] = w[0];
                tokens[1] = r[0];
                ids = new String[] {w[1], r[1]};
            }
        } catch (Exception e) {
            return new Result(fault, View.HUNG, View.HUNG, false, 0, 0, "token create failed: " + e, 0, "");
        }
        Producer producer = new Producer(path, tokens[0], size, rnd.nextLong(), fault, ids);
        Consumer consumer = new Consumer(path, tokens[1], fault, rnd.nextLong());
        boolean producerFirst = switch (fault) {
            case PRODUCER_RESET_WAITING -> true;
            case CONSUMER_RESET_WAITING -> false;
            default -> rnd.nextBoolean();
        };
        String extra = "";
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<View> first = pool.submit(producerFirst ? producer::call : consumer::call);
            Thread.sleep(fault == Fault.PRODUCER_RESET_WAITING || fault == Fault.CONSUMER_RESET_WAITING ? 300 : 20 + rnd.nextInt(60));
            Future<View> second = pool.submit(producerFirst ? consumer::call : producer::call);
            Future<String> side = switch (fault) {
                case STALL_HEAD -> pool.submit(this::stalledHead);
                case DUPLICATE_PRODUCER -> pool.submit(() -> duplicate(path, tokens[0], true, producer.connected));
                case DUPLICATE_CONSUMER -> pool.submit(() -> duplicate(path, tokens[1], false, consumer.headSeen));
                default -> null;
            };
            View p = (producerFirst ? first : second).get();
            View c = (producerFirst ? second : first).get();
            if (side != null) {
                extra = side.get();
            }
            return new Result(fault, p, c, producer.hash != null && Arrays.equals(producer.hash, consumer.hash), size, consumer.received,
                    producer.detail + " / " + consumer.detail, (System.nanoTime() - t0) / 1_000_000, extra);
        } catch (Exception e) {
            return new Result(fault, View.HUNG, View.HUNG, false, size, 0, "run failed: " + e, 0, extra);
        }
    }

    /** Half a request head, held open: closed by the relay within its head timeout, or not. */
    String stalledHead() throws IOException {
        try (Socket s = connect()) {
            s.getOutputStream().write("GET /data/chaos/stalled HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: y".getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout((HEAD_SECONDS + 5) * 1000);
            long t0 = System.nanoTime();
            try {
                s.getInputStream().readAllBytes();
            } catch (SocketTimeoutException e) {
                return "head-stall-open";
            } catch (IOException e) {
                // a reset is a close too
            }
            return (System.nanoTime() - t0) / 1_000_000 <= (HEAD_SECONDS + 2) * 1000L ? "head-stall-closed" : "head-stall-late";
        }
    }

    /** A second producer or consumer on a path in use: must be refused (409), or wait and time out (504). */
    String duplicate(String path, String token, boolean producer, CountDownLatch ready) throws Exception {
        if (!ready.await(CLIENT_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            return "duplicate-not-started";
        }
        try (Socket s = connect()) {
            s.setSoTimeout(CLIENT_TIMEOUT_MS);
            String head = (producer ? "PUT" : "GET") + " /data" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + token + "\r\n" + (producer ? "Content-Length: 3\r\n\r\nabc" : "\r\n");
            s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(s.getInputStream());
            int status = statusOf(readHead(in));
            return status == 409 || status == 504 ? "duplicate-refused" : "duplicate-status-" + status;
        } catch (SocketTimeoutException e) {
            return "duplicate-hung";
        } catch (IOException e) {
            return "duplicate-cut";
        }
    }

    /** The producer: PUT with a chunked body, its response read as the control channel. */
    final class Producer implements Callable<View> {
        final String path, token;
        final long size, dataSeed;
        final Fault fault;
        final String[] revoke;
        final CountDownLatch connected = new CountDownLatch(1);
        byte[] hash;
        String detail = "";

        Producer(String path, String token, long size, long dataSeed, Fault fault, String[] revoke) {
            this.path = path;
            this.token = token;
            this.size = size;
            this.dataSeed = dataSeed;
            this.fault = fault;
            this.revoke = revoke;
        }

        @Override
        public View call() throws Exception {
            try {
                return upload();
            } finally {
                connected.countDown(); // a duplicate waits for this, whatever happened
            }
        }

        View upload() throws Exception {
            Random rnd = new Random(dataSeed);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (Socket s = connect()) {
                s.setSoTimeout(CLIENT_TIMEOUT_MS);
                OutputStream out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
                out.write(("PUT /data" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (fault == Fault.PRODUCER_RESET_WAITING) {
                    Thread.sleep(100);
                    return reset(s);
                }
                InputStream in = new BufferedInputStream(s.getInputStream());
                Answer answer = Answer.read(in, View.ERROR);
                if (answer.view() != null) {
                    detail = answer.detail();
                    return answer.view();
                }
                String head = answer.head();
                Chunked control = new Chunked(in, contentLength(head));
                String first = control.line();
                if (!"[STATE:CONNECTED]".equals(first)) {
                    detail = "first line " + first;
                    return View.ERROR;
                }
                connected.countDown();
                if (fault == Fault.PRODUCER_RESET_CONNECTED) {
                    return reset(s);
                }
                if (fault == Fault.STALL_PRODUCER_AFTER_CONNECTED) {
                    Thread.sleep((IDLE_SECONDS + 2) * 1000L);
                }
                // The control channel is read beside the upload: error lines arrive while it runs.
                CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(control::rest, Executors.newVirtualThreadPerTaskExecutor());
                long sent = 0, mid = size / 2;
                boolean stalled = false, revoked = false;
                byte[] block = new byte[1 << 16];
                try {
                    while (sent < size) {
                        if (sent >= mid && !stalled && !revoked) {
                            switch (fault) {
                                case PRODUCER_RESET_MID_BODY -> {
                                    out.flush();
                                    return reset(s);
                                }
                                case STALL_PRODUCER_MID_BODY -> {
                                    out.flush();
                                    stalled = true;
                                    Thread.sleep((IDLE_SECONDS + 2) * 1000L);
                                }
                                case REVOKE_MID_TRANSFER -> {
                                    out.flush();
                                    revoked = true;
                                    deleteToken(revoke[0]);
                                    deleteToken(revoke[1]);
                                }
                                default -> { }
                            }
                        }
                        int n = (int) Math.min(size - sent, 1 + rnd.nextInt(block.length));
                        rnd.nextBytes(block);
                        sha.update(block, 0, n);
                        out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(block, 0, n);
                        out.write('\r');
                        out.write('\n');
                        sent += n;
                    }
                    hash = sha.digest();
                    out.flush();
                    if (fault == Fault.PRODUCER_RESET_BEFORE_FINAL) {
                        Thread.sleep(50);
                        return reset(s);
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    detail = "upload cut at " + sent;
                }
                List<String> rest;
                try {
                    rest = lines.get(CLIENT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    detail += " control channel hung";
                    return View.HUNG;
                }
                detail += " " + rest;
                boolean ended = !rest.isEmpty() && rest.getLast().equals("<end>");
                return ended && rest.size() == 2 && rest.getFirst().equals("[STATE:TRANSFER_SUCCESSFUL]") && hash != null
                        ? View.SUCCESS : rest.contains("<timeout>") ? View.HUNG : View.ERROR;
            } catch (SocketTimeoutException e) {
                detail += " timeout";
                return View.HUNG;
            } catch (IOException e) {
                detail += " " + e.getMessage();
                return View.ERROR;
            }
        }
    }

    /** The consumer: GET, reads the chunked body to its terminating chunk (complete) or to a cut. */
    final class Consumer implements Callable<View> {
        final String path, token;
        final Fault fault;
        final long seed;
        final CountDownLatch headSeen = new CountDownLatch(1);
        byte[] hash;
        long received;
        String detail = "";

        Consumer(String path, String token, Fault fault, long seed) {
            this.path = path;
            this.token = token;
            this.fault = fault;
            this.seed = seed;
        }

        @Override
        public View call() throws Exception {
            try {
                return download();
            } finally {
                headSeen.countDown();
            }
        }

        View download() throws Exception {
            Random rnd = new Random(seed);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (Socket s = new Socket()) {
                if (fault == Fault.STALL_CONSUMER_AFTER_HEAD || fault == Fault.STALL_CONSUMER_MID_BODY) {
                    s.setReceiveBufferSize(16 << 10); // so that a reader that stops blocks the relay soon
                }
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
                s.setSoTimeout(CLIENT_TIMEOUT_MS);
                s.getOutputStream().write(("GET /data" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                if (fault == Fault.CONSUMER_RESET_WAITING) {
                    Thread.sleep(100);
                    return reset(s);
                }
                InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
                Answer answer = Answer.read(in, View.CUT);
                if (answer.view() != null) {
                    detail = answer.detail();
                    return answer.view();
                }
                String head = answer.head();
                headSeen.countDown();
                if (fault == Fault.CONSUMER_RESET_AFTER_HEAD) {
                    return reset(s);
                }
                if (fault == Fault.STALL_CONSUMER_AFTER_HEAD) {
                    Thread.sleep((IDLE_SECONDS + 3) * 1000L);
                }
                Chunked body = new Chunked(in, contentLength(head));
                byte[] buf = new byte[1 << 16];
                long resetAt = fault == Fault.CONSUMER_RESET_MID_BODY ? 1 + rnd.nextInt(200 << 10) : Long.MAX_VALUE;
                long stallAt = fault == Fault.STALL_CONSUMER_MID_BODY ? 64 << 10 : Long.MAX_VALUE;
                try {
                    int n;
                    while ((n = body.read(buf, 0, fault == Fault.SLOW_READER ? 4096 : buf.length)) > 0) {
                        sha.update(buf, 0, n);
                        received += n;
                        if (received >= resetAt) {
                            return reset(s);
                        }
                        if (received >= stallAt) {
                            stallAt = Long.MAX_VALUE;
                            Thread.sleep((IDLE_SECONDS + 3) * 1000L);
                        }
                        if (fault == Fault.SLOW_READER) {
                            Thread.sleep(1);
                        }
                    }
                } catch (SocketTimeoutException e) {
                    detail = "body stalled at " + received;
                    return View.HUNG;
                } catch (IOException e) {
                    detail = "cut at " + received;
                    return View.CUT;
                }
                hash = sha.digest();
                detail = "complete " + received;
                return View.COMPLETE;
            }
        }
    }

    static View reset(Socket s) throws IOException {
        s.setSoLinger(true, 0); // close with RST: the abrupt end a crash or a network fault gives
        s.close();
        return View.FAULTED;
    }

    Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        return s;
    }

    static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("end of stream in response head");
            }
            sb.append((char) b);
            if (sb.length() > 65536) {
                throw new IOException("response head too long");
            }
        }
        return sb.toString();
    }

    /** A side's response head: a 200's head (view null), or how the side ended without one. */
    record Answer(String head, View view, String detail) {
        static Answer read(InputStream in, View onCut) {
            try {
                String head = readHead(in);
                int status = statusOf(head);
                return status == 200 ? new Answer(head, null, "") : new Answer(head, View.REFUSED, "status " + status);
            } catch (SocketTimeoutException e) {
                return new Answer(null, View.HUNG, "no answer");
            } catch (IOException e) {
                return new Answer(null, onCut, "cut before head");
            }
        }
    }

    static int statusOf(String head) {
        return Integer.parseInt(head.substring(9, 12));
    }

    /** The response's Content-Length, or -1 when it is chunked. */
    static long contentLength(String head) {
        for (String l : head.split("\r\n")) {
            if (l.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Long.parseLong(l.substring(15).trim());
            }
        }
        return -1;
    }

    /**
     * A response body: chunked, bytes until the terminating chunk, or of a fixed length; an
     * exception on a cut.
     */
    static final class Chunked {
        final InputStream in;
        final boolean fixed;
        long left;
        boolean done;

        Chunked(InputStream in, long contentLength) {
            this.in = in;
            this.fixed = contentLength >= 0;
            this.left = Math.max(0, contentLength);
        }

        int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (fixed && left == 0) {
                done = true;
                return -1;
            }
            if (left == 0) {
                String size = crlfLine();
                int semi = size.indexOf(';');
                left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (left == 0) {
                    while (!crlfLine().isEmpty()) {
                        // trailers
                    }
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("cut inside a chunk");
            }
            left -= n;
            if (!fixed && left == 0 && !crlfLine().isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
            return n;
        }

        String crlfLine() throws IOException {
            StringBuilder sb = new StringBuilder();
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) {
                    throw new EOFException("cut in chunk framing");
                }
                if (b != '\r') {
                    sb.append((char) b);
                }
            }
            return sb.toString();
        }

        /** One control line (LF-terminated) of the body, or null at its end. */
        String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            byte[] one = new byte[1];
            while (read(one, 0, 1) > 0) {
                if (one[0] == '\n') {
                    return line.toString(StandardCharsets.UTF_8);
                }
                line.write(one[0]);
            }
            return null;
        }

        /** The remaining lines, then "<end>" (terminating chunk), "<cut>" or "<timeout>". */
        List<String> rest() {
            List<String> lines = new ArrayList<>();
            try {
                String l;
                while ((l = line()) != null) {
                    lines.add(l);
                }
                lines.add("<end>");
            } catch (SocketTimeoutException e) {
                lines.add("<timeout>");
            } catch (IOException e) {
                lines.add("<cut>");
            }
            return lines;
        }
    }

    // ---------------------------------------------------------------- classification and report

    /** Both sides told success, and the bytes arrived whole. */
    static boolean completed(Result r) {
        return r.producer == View.SUCCESS && r.consumer == View.COMPLETE && r.hashEqual;
    }

    /** Every side that was not made to fail by the run itself saw a failure. */
    static boolean failedVisibly(Result r) {
        boolean p = r.producer == View.ERROR || r.producer == View.REFUSED || r.producer == View.FAULTED;
        boolean c = r.consumer == View.CUT || r.consumer == View.REFUSED || r.consumer == View.FAULTED;
        return p && c;
    }

    /** The consumer saw a clean end, but not of the producer's whole, finished stream. */
    static boolean silentTruncation(Result r) {
        return r.consumer == View.COMPLETE && (!r.hashEqual || r.fault.producerFault());
    }

    /**
     * The producer was told success, but the consumer did not get the whole stream with a clean
     * end; a consumer the run itself reset after its bytes were written is beyond any relay's sight
     * (the shared wire notes) and counted apart.
     */
    static boolean falseSuccess(Result r) {
        return r.producer == View.SUCCESS && !(r.consumer == View.COMPLETE && r.hashEqual) && !beyondSight(r);
    }

    static boolean beyondSight(Result r) {
        return r.producer == View.SUCCESS && r.consumer == View.FAULTED && r.fault.consumerFault();
    }

    static long count(List<Result> rs, Predicate<Result> p) {
        return rs.stream().filter(p).count();
    }

    static long p99(List<Result> rs) {
        long[] ms = rs.stream().filter(r -> r.fault == Fault.NONE && completed(r)).mapToLong(Result::millis).sorted().toArray();
        return ms.length == 0 ? 0 : ms[Math.min(ms.length - 1, (int) Math.ceil(ms.length * 0.99) - 1)];
    }

    int report(List<Result> rs, double seconds, Stats before, Stats after) {
        long completed = count(rs, Chaos::completed), visibly = count(rs, Chaos::failedVisibly);
        long silent = count(rs, Chaos::silentTruncation), falseSuccess = count(rs, Chaos::falseSuccess);
        long hung = count(rs, r -> r.producer == View.HUNG || r.consumer == View.HUNG);
        long beyond = count(rs, Chaos::beyondSight);
        long other = count(rs, r -> !completed(r) && !failedVisibly(r) && !silentTruncation(r) && !falseSuccess(r)
                && !beyondSight(r) && r.producer != View.HUNG && r.consumer != View.HUNG);
        System.out.printf(Locale.ROOT, "transfers run: %d in %.0f s (relay %s, seed %s)%n", rs.size(), seconds, opt.get("jar"), opt.getOrDefault("seed", "12"));
        System.out.println("faults injected by kind:");
        Map<Fault, List<Result>> byFault = new EnumMap<>(Fault.class);
        rs.forEach(r -> byFault.computeIfAbsent(r.fault, f -> new ArrayList<>()).add(r));
        byFault.forEach((f, l) -> System.out.printf(Locale.ROOT, "  %-31s %6d  completed %6d  failed visibly %6d%n",
                f, l.size(), count(l, Chaos::completed), count(l, Chaos::failedVisibly)));
        System.out.printf("completed: %d%nfailed visibly: %d%n", completed, visibly);
        System.out.printf("producer told success, consumer reset by the run after the relay wrote (beyond sight): %d%n", beyond);
        System.out.printf("other (one side failed, the other completed): %d%n", other);
        System.out.printf("silent truncations: %d%nfalse successes: %d%nhung clients: %d%n", silent, falseSuccess, hung);
        Map<String, Long> extras = new TreeMap<>();
        rs.stream().filter(r -> !r.extra.isEmpty()).forEach(r -> extras.merge(r.extra, 1L, Long::sum));
        System.out.println("side connections: " + extras);
        long heads = extras.entrySet().stream().filter(e -> e.getKey().startsWith("head-stall")).mapToLong(Map.Entry::getValue).sum();
        long headsClosed = extras.getOrDefault("head-stall-closed", 0L);
        System.out.printf("stalled request heads closed by the relay within its head timeout: %d of %d%n", headsClosed, heads);
        System.out.printf(Locale.ROOT, "relay before: threads %d, fds %d, RSS %.1f MiB%n", before.threads, before.fds, before.rssKib / 1024.0);
        System.out.printf(Locale.ROOT, "relay after:  threads %d, fds %d, RSS %.1f MiB%n", after.threads, after.fds, after.rssKib / 1024.0);
        boolean leak = after.fds > before.fds + 8 || after.threads > before.threads + 8;
        System.out.println("leak: " + (leak ? "YES" : "no") + " (fds and threads back within 8 of the baseline)");
        rs.stream().filter(r -> silentTruncation(r) || falseSuccess(r) || r.producer == View.HUNG || r.consumer == View.HUNG)
                .limit(20).forEach(r -> System.out.println("  BAD " + r));
        if (opt.containsKey("verbose")) {
            rs.stream().filter(r -> !completed(r) && !failedVisibly(r)).limit(40).forEach(r -> System.out.println("  OTHER " + r));
        }
        return silent == 0 && falseSuccess == 0 && hung == 0 && !leak && headsClosed == heads ? 0 : 1;
    }

    // ---------------------------------------------------------------- the relay process

    record Stats(int threads, int fds, long rssKib) {
    }

    Stats stats() throws IOException {
        long pid = relay.pid();
        int threads = 0;
        long rss = 0;
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("Threads:")) {
                threads = Integer.parseInt(l.substring(8).trim());
            } else if (l.startsWith("VmRSS:")) {
                rss = Long.parseLong(l.substring(6).replace("kB", "").trim());
            }
        }
        int fds;
        try (var list = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = (int) list.count();
        }
        return new Stats(threads, fds, rss);
    }

    /** After the run: waits until the relay holds no transfer and no waiter, then a full GC. */
    Stats settledStats() throws Exception {
        long end = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < end) {
            String m = get("/observe/metrics");
            if (gauge(m, "okapi_transfers_active") == 0 && gauge(m, "okapi_waiting") == 0 && gauge(m, "okapi_connect_waiting") == 0) {
                break;
            }
            Thread.sleep(200);
        }
        Thread.sleep(2000); // connections closing after their last response
        gc();
        return stats();
    }

    void gc() throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (Files.isExecutable(jcmd)) {
            new ProcessBuilder(jcmd.toString(), Long.toString(relay.pid()), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    static double gauge(String metrics, String name) {
        double sum = 0;
        for (String l : metrics.split("\n")) {
            if (l.startsWith(name + " ") || l.startsWith(name + "{")) {
                sum += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    void startRelay() throws Exception {
        Path data = Files.createTempDirectory("okapi-chaos");
        Path log = data.resolve("relay.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + opt.getOrDefault("heap", "256m"),
                "-Dserver.port=" + port, "-Dserver.host=127.0.0.1",
                "-Drelay.idle-timeout-seconds=" + IDLE_SECONDS, "-Drelay.max-wait-seconds=" + MAX_WAIT_SECONDS,
                "-Drelay.head-timeout-seconds=" + HEAD_SECONDS, "-Drelay.drain-millis=300",
                "-Drelay.max-waiting-per-token=0",
                "-Dauth.mode=token", "-Dauth.management-key=" + MGMT_KEY, "-Dauth.data-dir=" + data.resolve("store")));
        for (String extra : opt.getOrDefault("relay-opts", "").split(" ")) {
            if (!extra.isBlank()) {
                cmd.add(extra);
            }
        }
        cmd.addAll(List.of("-jar", opt.get("jar")));
        relay = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long end = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try {
                if (get("/observe/health").contains("UP")) {
                    break;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!relay.isAlive() || System.nanoTime() > end) {
                throw new IllegalStateException("relay did not start; log: " + log);
            }
            Thread.sleep(100);
        }
        writeToken = createToken("/chaos", "write")[0];
        readToken = createToken("/chaos", "read")[0];
        System.out.println("relay pid " + relay.pid() + " on port " + port + ", log " + log);
    }

    void stopRelay() {
        if (relay != null) {
            relay.destroy();
            try {
                if (!relay.waitFor(20, TimeUnit.SECONDS)) {
                    relay.destroyForcibly();
                }
            } catch (InterruptedException e) {
                relay.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    String get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A token from the Management API: {secret, id}. */
    String[] createToken(String path, String mode) throws IOException, InterruptedException {
        String body = mgmt("/accesstoken.create", "path=" + path + "&access_mode=" + mode + "&recursive=true&expires="
                + (Instant.now().getEpochSecond() + 86400));
        return new String[] {field(body, "token"), field(body, "token_id")};
    }

    void deleteToken(String id) throws IOException, InterruptedException {
        mgmt("/accesstoken.delete", "token_id=" + id);
    }

    String mgmt(String endpoint, String form) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v0" + endpoint))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + MGMT_KEY)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("management API " + endpoint + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    static String field(String json, String name) {
        int i = json.indexOf("\"" + name + "\":\"") + name.length() + 4;
        return json.substring(i, json.indexOf('"', i));
    }
}
