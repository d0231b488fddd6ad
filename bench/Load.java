// Load generator and report for bench/run.sh: one client, the same for every relay.
//
//   java bench/Load.java WORKLOAD [--rounds R] [--key-store P12 --key-pass PASS] [option=value ...] TARGET...
//   java bench/Load.java table RESULTS_FILE
//
// WORKLOAD: stream | waiting | small | streams.  A TARGET is name,kind,address,pid:
//   okapi,http,http://127.0.0.1:9000/data,1234     (HTTP relay; PUT/GET {url}/{path})
//   socat,raw,127.0.0.1:9001>9002,1235             (two-hop TCP relay: the sender connects to 9001,
//                                                   the relay connects to our listener on 9002)
// https:// and rawtls select TLS.  Targets run interleaved: round 1 A B C, round 2 A B C, ...
// Every measurement is one line "R workload metric target round value" on stdout; "table" turns a
// file of them into medians and ratios.  Loopback only; every wait has a deadline.
//
// One file on purpose (about 950 lines): bench/run.sh compiles it with plain javac, no build, and
// every workload shares the targets, the interleaving and the report.
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.*;
import java.security.cert.X509Certificate;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import javax.net.ssl.*;

public class Load {

    static final long MiB = 1 << 20, GiB = 1L << 30;
    static final Map<String, String> OPT = new HashMap<>();
    static String keyStore, keyPass;

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: Load stream|waiting|small|streams [name=value ...] TARGET... | Load table FILE");
            System.exit(2);
        }
        if (args[0].equals("table")) {
            table(Path.of(args[1]));
            return;
        }
        List<Target> targets = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].contains("=") && !args[i].contains(",")) {
                String[] kv = args[i].split("=", 2);
                OPT.put(kv[0], kv[1]);
            } else {
                targets.add(Target.parse(args[i]));
            }
        }
        keyStore = OPT.get("keystore");
        keyPass = OPT.getOrDefault("keypass", "changeit");
        int rounds = Integer.parseInt(OPT.getOrDefault("rounds", "3"));
        int firstRound = Integer.parseInt(OPT.getOrDefault("first_round", "1"));
        boolean warm = !OPT.getOrDefault("warmup", "yes").equals("no");
        for (Target t : targets) {
            t.startListener();
        }
        try {
            Workload w = switch (args[0]) {
                case "stream" -> new StreamWorkload();
                case "waiting" -> new WaitingWorkload();
                case "small" -> new SmallWorkload();
                case "streams" -> new StreamsWorkload();
                default -> throw new IllegalArgumentException("unknown workload " + args[0]);
            };
            if (warm) {
                w.warmup(targets);
            }
            for (int r = firstRound; r < firstRound + rounds; r++) {
                for (Target t : targets) {
                    try {
                        w.round(t, r);
                    } catch (Exception e) {
                        System.err.println("! " + args[0] + " " + t.name + " round " + r + " failed: " + e);
                        System.out.println("R " + args[0] + " failed " + t.name + " " + r + " 1");
                    }
                    System.out.flush();
                    Thread.sleep(300);
                }
            }
        } finally {
            for (Target t : targets) {
                t.close();
            }
        }
        System.exit(0);
    }

    static int opt(String name, int dflt) {
        return Integer.parseInt(OPT.getOrDefault(name, String.valueOf(dflt)));
    }

    static long optLong(String name, long dflt) {
        return Long.parseLong(OPT.getOrDefault(name, String.valueOf(dflt)));
    }

    static void result(String workload, String metric, Target t, int round, double value) {
        System.out.printf(Locale.ROOT, "R %s %s %s %d %.6f%n", workload, metric, t.name, round, value);
        System.out.flush();
    }

    // ---------------------------------------------------------------- targets

    static final class Target {
        String name;
        boolean raw, tls;
        String host;
        int port, listenPort;
        String prefix; // path prefix for HTTP relays ("" or "/data")
        long pid;
        ServerSocket listener;
        final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();

        static Target parse(String spec) {
            String[] p = spec.split(",");
            Target t = new Target();
            t.name = p[0];
            t.pid = Long.parseLong(p[3]);
            switch (p[1]) {
                case "http" -> {
                    URI u = URI.create(p[2]);
                    t.tls = u.getScheme().equals("https");
                    t.host = u.getHost();
                    t.port = u.getPort();
                    t.prefix = u.getRawPath() == null ? "" : u.getRawPath().replaceAll("/$", "");
                }
                case "raw", "rawtls" -> {
                    t.raw = true;
                    t.tls = p[1].equals("rawtls");
                    String[] hp = p[2].split(">");
                    int colon = hp[0].lastIndexOf(':');
                    t.host = hp[0].substring(0, colon);
                    t.port = Integer.parseInt(hp[0].substring(colon + 1));
                    t.listenPort = Integer.parseInt(hp[1]);
                }
                default -> throw new IllegalArgumentException("kind " + p[1]);
            }
            if (!t.host.equals("127.0.0.1") && !t.host.equals("localhost")) {
                throw new IllegalArgumentException("loopback only: " + t.host);
            }
            return t;
        }

        void startListener() throws Exception {
            if (!raw) {
                return;
            }
            listener = tls ? serverTls().getServerSocketFactory().createServerSocket(listenPort, 1024, InetAddress.getLoopbackAddress())
                    : new ServerSocket(listenPort, 1024, InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().start(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket s = listener.accept();
                        s.setTcpNoDelay(true);
                        accepted.add(s);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        /** The receiving end of a raw (socat) transfer: the relay's connection to our listener. */
        Socket nextAccepted(long deadlineNanos) throws Exception {
            Socket s = accepted.poll(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (s == null) {
                throw new IOException("relay never connected to the receiver");
            }
            return s;
        }

        Socket connect() throws IOException {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), 30_000);
            if (!tls) {
                return s;
            }
            SSLSocket ssl = (SSLSocket) clientTls().getSocketFactory().createSocket(s, host, port, true);
            ssl.setEnabledProtocols(new String[] {"TLSv1.3"});
            ssl.setEnabledCipherSuites(new String[] {"TLS_AES_128_GCM_SHA256"});
            ssl.setUseClientMode(true);
            return ssl;
        }

        double cpuSeconds() throws IOException {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14-17 of stat (utime stime cutime cstime) are 11-14 after "pid (comm) "
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
            return ticks / (double) opt("clk_tck", 100);
        }

        long rssKiB() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            throw new IOException("no VmRSS for " + pid);
        }

        void close() throws IOException {
            if (listener != null) {
                listener.close();
            }
        }
    }

    static SSLContext clientCtx, serverCtx;

    static synchronized SSLContext clientTls() {
        if (clientCtx == null) {
            try {
                TrustManager all = new X509TrustManager() {
                    public void checkClientTrusted(X509Certificate[] c, String a) { }
                    public void checkServerTrusted(X509Certificate[] c, String a) { }
                    public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
                };
                clientCtx = SSLContext.getInstance("TLS");
                clientCtx.init(null, new TrustManager[] {all}, null);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        return clientCtx;
    }

    static synchronized SSLContext serverTls() throws Exception {
        if (serverCtx == null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(Path.of(keyStore))) {
                ks.load(in, keyPass.toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, keyPass.toCharArray());
            serverCtx = SSLContext.getInstance("TLS");
            serverCtx.init(kmf.getKeyManagers(), null, null);
        }
        return serverCtx;
    }

    // ---------------------------------------------------------------- HTTP/1.1 client pieces

    /** Buffered reader for a response head followed by a body read with large direct reads. */
    static final class In {
        final InputStream in;
        final byte[] buf;
        int pos, lim;

        In(InputStream in, int size) {
            this.in = in;
            this.buf = new byte[size];
        }

        String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos == lim) {
                    pos = 0;
                    lim = in.read(buf, 0, buf.length);
                    if (lim < 0) {
                        lim = 0;
                        throw new EOFException("connection closed in a head line: " + sb);
                    }
                }
                byte b = buf[pos++];
                if (b == '\n') {
                    int n = sb.length();
                    return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
                }
                sb.append((char) (b & 0xff));
            }
        }

        int read(byte[] b, int off, int len) throws IOException {
            if (pos < lim) {
                int n = Math.min(len, lim - pos);
                System.arraycopy(buf, pos, b, off, n);
                pos += n;
                return n;
            }
            return in.read(b, off, len);
        }
    }

    interface Sink {
        void accept(byte[] b, int off, int len);
    }

    record Head(int status, Map<String, String> headers) { }

    static Head readHead(In in) throws IOException {
        while (true) {
            String status = in.line();
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP response: " + status);
            }
            int code = Integer.parseInt(parts[1]);
            Map<String, String> h = new HashMap<>();
            for (String l = in.line(); !l.isEmpty(); l = in.line()) {
                int c = l.indexOf(':');
                if (c > 0) {
                    h.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
                }
            }
            if (code >= 100 && code < 200) {
                continue;
            }
            return new Head(code, h);
        }
    }

    /** Reads a body by Content-Length, chunked encoding or to the close; returns its length. */
    static long readBody(In in, Head head, byte[] scratch, Sink sink) throws IOException {
        String te = head.headers().getOrDefault("transfer-encoding", "");
        String cl = head.headers().get("content-length");
        long total = 0;
        if (te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String sizeLine = in.line();
                int semi = sizeLine.indexOf(';');
                long size = Long.parseLong((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
                if (size == 0) {
                    while (!in.line().isEmpty()) {
                        // trailers
                    }
                    return total;
                }
                total += copy(in, size, scratch, sink);
                if (!in.line().isEmpty()) {
                    throw new IOException("bad chunk end");
                }
            }
        }
        if (cl != null) {
            return copy(in, Long.parseLong(cl), scratch, sink);
        }
        return copy(in, Long.MAX_VALUE, scratch, sink);
    }

    static long copy(In in, long size, byte[] scratch, Sink sink) throws IOException {
        long left = size;
        while (left > 0) {
            int n = in.read(scratch, 0, (int) Math.min(scratch.length, left));
            if (n < 0) {
                if (size == Long.MAX_VALUE) {
                    return size - left;
                }
                throw new EOFException("body ended after " + (size - left) + " of " + size + " bytes");
            }
            sink.accept(scratch, 0, n);
            left -= n;
        }
        return size;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Closes registered sockets when a deadline passes, so no wait in a round is unbounded. */
    static final class Watchdog implements AutoCloseable {
        static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "watchdog");
            t.setDaemon(true);
            return t;
        });
        final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        final ScheduledFuture<?> task;
        final AtomicBoolean fired = new AtomicBoolean();
        final long deadline;

        Watchdog(long seconds) {
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            task = TIMER.schedule(() -> {
                fired.set(true);
                closeAll();
            }, seconds, TimeUnit.SECONDS);
        }

        Socket watch(Socket s) {
            sockets.add(s);
            if (fired.get()) {
                closeQuietly(s);
            }
            return s;
        }

        void closeAll() {
            for (Socket s : sockets) {
                closeQuietly(s);
            }
        }

        @Override
        public void close() {
            task.cancel(false);
            closeAll();
        }
    }

    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            // ignore
        }
    }

    /**
     * Consumer side of one transfer: an HTTP GET on the path, or for a raw relay the next
     * connection the relay makes to our listener. Returns bytes received; the sink sees the body.
     */
    static long consume(Target t, String path, Watchdog wd, int bufSize, Sink sink, Runnable headSent) throws Exception {
        byte[] scratch = new byte[bufSize];
        if (t.raw) {
            if (headSent != null) {
                headSent.run();
            }
            Socket s = wd.watch(t.nextAccepted(wd.deadline));
            try (s) {
                return copy(new In(s.getInputStream(), 16), Long.MAX_VALUE, scratch, sink);
            }
        }
        Socket s = wd.watch(t.connect());
        try (s) {
            OutputStream out = s.getOutputStream();
            out.write(ascii("GET " + t.prefix + path + " HTTP/1.1\r\nHost: " + t.host + ":" + t.port + "\r\n\r\n"));
            out.flush();
            if (headSent != null) {
                headSent.run();
            }
            In in = new In(s.getInputStream(), Math.min(bufSize, 16384));
            Head head = readHead(in);
            if (head.status() != 200) {
                throw new IOException("consumer got " + head.status());
            }
            return readBody(in, head, scratch, sink);
        }
    }

    /** Producer side of one transfer: PUT with Content-Length (raw: plain bytes, then half-close). */
    static void produce(Target t, String path, Watchdog wd, long size, byte[] block, byte[] tail) throws Exception {
        Socket s = wd.watch(t.connect());
        try (s) {
            OutputStream out = s.getOutputStream();
            if (!t.raw) {
                out.write(ascii("PUT " + t.prefix + path + " HTTP/1.1\r\nHost: " + t.host + ":" + t.port
                        + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + size + "\r\n\r\n"));
            }
            long body = size - (tail == null ? 0 : tail.length);
            for (long left = body; left > 0; ) {
                int n = (int) Math.min(block.length, left);
                out.write(block, 0, n);
                left -= n;
            }
            if (tail != null) {
                out.write(tail);
            }
            out.flush();
            if (t.raw) {
                s.shutdownOutput();
                return;
            }
            In in = new In(s.getInputStream(), 4096);
            Head head = readHead(in);
            StringBuilder control = new StringBuilder();
            readBody(in, head, new byte[4096], (b, o, l) -> control.append(new String(b, o, l, StandardCharsets.UTF_8)));
            if (head.status() != 200) {
                throw new IOException("producer got " + head.status() + ": " + control);
            }
        }
    }

    // ---------------------------------------------------------------- workloads

    interface Workload {
        void warmup(List<Target> targets) throws Exception;

        void round(Target t, int round) throws Exception;
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Workloads 1 and 2: one long stream; MiB/s and relay CPU-seconds per GiB. */
    static final class StreamWorkload implements Workload {
        final long size = optLong("bytes", 2 * GiB);
        final byte[] block = random(1 << 20, 7);

        public void warmup(List<Target> targets) throws Exception {
            for (Target t : targets) {
                once(t, "/bench-warm-" + System.nanoTime(), Math.min(size, 256 * MiB));
            }
        }

        double once(Target t, String path, long bytes) throws Exception {
            try (Watchdog wd = new Watchdog(opt("timeout", 120))) {
                AtomicLong got = new AtomicLong();
                CountDownLatch sent = new CountDownLatch(1);
                long t0 = System.nanoTime();
                Future<Long> consumer = VT.submit(() -> consume(t, path, wd, 1 << 20, (b, o, l) -> { }, sent::countDown));
                sent.await();
                Future<?> producer = VT.submit(() -> {
                    produce(t, path, wd, bytes, block, null);
                    return null;
                });
                producer.get();
                got.set(consumer.get());
                long t1 = System.nanoTime();
                if (got.get() != bytes) {
                    throw new IOException("consumer got " + got.get() + " of " + bytes + " bytes");
                }
                return (t1 - t0) / 1e9;
            }
        }

        public void round(Target t, int round) throws Exception {
            String w = t.tls ? "tls" : "plain";
            double cpu0 = t.cpuSeconds();
            double secs = once(t, "/bench-" + w + "-" + round + "-" + System.nanoTime(), size);
            Thread.sleep(200); // lets a forking relay (socat) reap its child, whose CPU then counts
            double cpu = t.cpuSeconds() - cpu0;
            result(w, "MiBps", t, round, size / (double) MiB / secs);
            result(w, "cpu_s_per_GiB", t, round, cpu / (size / (double) GiB));
        }
    }

    static final ExecutorService VT = Executors.newVirtualThreadPerTaskExecutor();

    /** Workload 3: N consumers wait at once; relay RSS per waiting consumer; then all are served. */
    static final class WaitingWorkload implements Workload {
        final int n = opt("clients", 10_000);

        public void warmup(List<Target> targets) throws Exception {
            for (Target t : targets) {
                runOnce(t, 0, Math.min(n, 500));
            }
        }

        public void round(Target t, int round) throws Exception {
            runOnce(t, round, n);
        }

        void runOnce(Target t, int round, int count) throws Exception {
            if (t.raw) {
                throw new UnsupportedOperationException("a raw TCP relay has no waiting side");
            }
            try (Watchdog wd = new Watchdog(opt("timeout", 240))) {
                String base = "/bench-wait-" + round + "-" + System.nanoTime() + "-";
                long rss0 = t.rssKiB();
                Semaphore connecting = new Semaphore(64);
                CountDownLatch heads = new CountDownLatch(count);
                AtomicInteger served = new AtomicInteger(), failed = new AtomicInteger();
                List<Future<?>> consumers = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    String path = base + i;
                    byte[] expect = ascii("payload-for-" + path);
                    connecting.acquire();
                    consumers.add(VT.submit(() -> {
                        ByteArrayOutputStream body = new ByteArrayOutputStream();
                        AtomicBoolean headOut = new AtomicBoolean();
                        Runnable sent = () -> {
                            if (headOut.compareAndSet(false, true)) {
                                connecting.release();
                                heads.countDown();
                            }
                        };
                        try {
                            consume(t, path, wd, 256, (b, o, l) -> body.write(b, o, l), sent);
                            if (Arrays.equals(body.toByteArray(), expect)) {
                                served.incrementAndGet();
                            } else {
                                failed.incrementAndGet();
                            }
                        } catch (Exception e) {
                            sent.run(); // a failed connect must not stall the others
                            if (failed.incrementAndGet() <= 3) {
                                System.err.println("  waiting consumer " + path + ": " + e);
                            }
                        }
                        return null;
                    }));
                }
                if (!heads.await(120, TimeUnit.SECONDS)) {
                    throw new IOException("only " + (count - heads.getCount()) + " of " + count + " heads sent");
                }
                // The relay's memory grows as it accepts and parses the heads: wait until it settles.
                long rss1 = settle(t);
                if (round > 0) {
                    result("waiting", "rss_KiB_per_client", t, round, (rss1 - rss0) / (double) count);
                    result("waiting", "rss_MiB_total", t, round, rss1 / 1024.0);
                }
                long s0 = System.nanoTime();
                Semaphore producing = new Semaphore(128);
                List<Future<?>> producers = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    String path = base + i;
                    byte[] payload = ascii("payload-for-" + path);
                    producing.acquire();
                    producers.add(VT.submit(() -> {
                        try {
                            produce(t, path, wd, payload.length, payload, null);
                        } catch (Exception e) {
                            System.err.println("  waiting producer " + path + ": " + e);
                        } finally {
                            producing.release();
                        }
                        return null;
                    }));
                }
                List<Future<?>> everyone = new ArrayList<>(consumers);
                everyone.addAll(producers);
                for (Future<?> f : everyone) {
                    try {
                        f.get(Math.max(1, wd.deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    } catch (TimeoutException e) {
                        break;
                    }
                }
                double secs = (System.nanoTime() - s0) / 1e9;
                if (round > 0) {
                    result("waiting", "served", t, round, served.get());
                    result("waiting", "serve_all_s", t, round, secs);
                }
                if (served.get() != count) {
                    System.err.println("! waiting " + t.name + ": served " + served.get() + " of " + count + ", failed " + failed.get());
                }
            }
        }

        static long settle(Target t) throws Exception {
            long last = t.rssKiB();
            int stable = 0;
            for (int i = 0; i < 120 && stable < 4; i++) {
                Thread.sleep(250);
                long now = t.rssKiB();
                stable = Math.abs(now - last) < 512 ? stable + 1 : 0;
                last = now;
            }
            return last;
        }
    }

    /** Workload 4: 1 KiB transfers, one at a time and 32 at once; transfers/s, p50/p99 latency. */
    static final class SmallWorkload implements Workload {
        final int seq = opt("sequential", 2000);
        final int conc = opt("concurrency", 32);
        final int perWorker = opt("per_worker", 100);
        final byte[] payload = random(1024, 11);

        /**
         * Three untimed rounds of the workload per relay. A JVM relay runs its first ten thousand
         * or so requests in interpreted and profiling code, and its CPU includes the JIT compiling
         * meanwhile: with one warm-up round, okapi's CPU per sequential transfer fell from 0.99 to
         * 0.63 to 0.44 ms over the three measured rounds, while piping-server's stayed at 0.33 ms.
         * Measured rounds are meant to show the relay as it runs for days, not its first seconds.
         */
        public void warmup(List<Target> targets) throws Exception {
            for (Target t : targets) {
                if (!t.raw) {
                    for (int round = 0; round < 3; round++) {
                        batch(t, "warm", seq, 1, seq);
                        batch(t, "warm", conc * perWorker, conc, perWorker);
                    }
                }
            }
        }

        long transfer(Target t, String path, Watchdog wd) throws Exception {
            long t0 = System.nanoTime();
            ByteArrayOutputStream got = new ByteArrayOutputStream(1024);
            CountDownLatch sent = new CountDownLatch(1);
            Future<Long> consumer = VT.submit(() -> consume(t, path, wd, 4096, (b, o, l) -> got.write(b, o, l), sent::countDown));
            sent.await();
            produce(t, path, wd, payload.length, payload, null);
            consumer.get();
            long ns = System.nanoTime() - t0;
            if (!Arrays.equals(got.toByteArray(), payload)) {
                throw new IOException("1 KiB body differs (" + got.size() + " bytes)");
            }
            return ns;
        }

        /** Runs total transfers on `workers` workers; returns {transfers/s, p50 ms, p99 ms}. */
        double[] batch(Target t, String tag, int total, int workers, int each) throws Exception {
            try (Watchdog wd = new Watchdog(opt("timeout", 180))) {
                long[] lat = new long[workers * each];
                String base = "/bench-small-" + tag + "-" + System.nanoTime() + "-";
                long t0 = System.nanoTime();
                List<Future<?>> fs = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int worker = w;
                    fs.add(VT.submit(() -> {
                        for (int i = 0; i < each; i++) {
                            lat[worker * each + i] = transfer(t, base + worker + "-" + i, wd);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                Arrays.sort(lat);
                return new double[] {lat.length / secs, lat[(int) (lat.length * 0.50)] / 1e6,
                        lat[Math.min(lat.length - 1, (int) Math.ceil(lat.length * 0.99) - 1)] / 1e6};
            }
        }

        public void round(Target t, int round) throws Exception {
            if (t.raw) {
                throw new UnsupportedOperationException("a raw TCP relay has no pairing");
            }
            double cpu0 = t.cpuSeconds();
            double[] s = batch(t, "seq" + round, seq, 1, seq);
            result("small", "seq_cpu_ms", t, round, (t.cpuSeconds() - cpu0) * 1000 / seq);
            result("small", "seq_tps", t, round, s[0]);
            result("small", "seq_p50_ms", t, round, s[1]);
            result("small", "seq_p99_ms", t, round, s[2]);
            cpu0 = t.cpuSeconds();
            double[] c = batch(t, "c" + round, conc * perWorker, conc, perWorker);
            result("small", "c" + conc + "_cpu_ms", t, round, (t.cpuSeconds() - cpu0) * 1000 / (conc * perWorker));
            result("small", "c" + conc + "_tps", t, round, c[0]);
            result("small", "c" + conc + "_p50_ms", t, round, c[1]);
            result("small", "c" + conc + "_p99_ms", t, round, c[2]);
        }
    }

    /**
     * Workload 5: N concurrent streams of S bytes; aggregate MiB/s, every stream sha256-verified.
     * Stream i is a shared random block followed by its 8-byte id, so the expected digest of each
     * is one clone of the block's digest plus 8 bytes, and a swapped or corrupt stream fails.
     */
    static final class StreamsWorkload implements Workload {
        final int n = opt("streams", 200);
        final long size = optLong("stream_bytes", 10 * MiB);
        final byte[] block;
        final MessageDigest prefix;

        StreamsWorkload() throws Exception {
            block = random((int) (size - 8), 13);
            prefix = MessageDigest.getInstance("SHA-256");
            prefix.update(block);
        }

        byte[] tail(long id) {
            byte[] b = new byte[8];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (id >>> (56 - 8 * i));
            }
            return b;
        }

        byte[] expected(long id) throws Exception {
            MessageDigest d = (MessageDigest) prefix.clone();
            d.update(tail(id));
            return d.digest();
        }

        public void warmup(List<Target> targets) throws Exception {
            for (Target t : targets) {
                once(t, 0, Math.min(n, 20));
            }
        }

        public void round(Target t, int round) throws Exception {
            int[] ok = new int[1];
            double cpu0 = t.cpuSeconds();
            double secs = once(t, round, n, ok);
            Thread.sleep(300); // lets a forking relay (socat) reap its children, whose CPU then counts
            result("streams", "cpu_s_per_GiB", t, round, (t.cpuSeconds() - cpu0) / (n * size / (double) GiB));
            result("streams", "aggregate_MiBps", t, round, n * size / (double) MiB / secs);
            result("streams", "verified", t, round, ok[0]);
        }

        double once(Target t, int round, int count) throws Exception {
            return once(t, round, count, new int[1]);
        }

        double once(Target t, int round, int count, int[] verifiedOut) throws Exception {
            try (Watchdog wd = new Watchdog(opt("timeout", 180))) {
                long base = (long) round * 1_000_000 + (System.nanoTime() % 1000) * 1000;
                AtomicInteger verified = new AtomicInteger();
                ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
                CountDownLatch heads = new CountDownLatch(count);
                long t0 = System.nanoTime();
                List<Future<?>> all = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    long id = base + i;
                    all.add(VT.submit(() -> {
                        AtomicBoolean headOut = new AtomicBoolean();
                        Runnable sent = () -> {
                            if (headOut.compareAndSet(false, true)) {
                                heads.countDown();
                            }
                        };
                        try {
                            MessageDigest d = MessageDigest.getInstance("SHA-256");
                            byte[] last = new byte[8];
                            long got = consume(t, "/bench-streams-" + id, wd, 64 * 1024, (b, o, l) -> {
                                d.update(b, o, l);
                                // keep the last 8 bytes seen: the stream's id
                                if (l >= 8) {
                                    System.arraycopy(b, o + l - 8, last, 0, 8);
                                } else {
                                    System.arraycopy(last, l, last, 0, 8 - l);
                                    System.arraycopy(b, o, last, 8 - l, l);
                                }
                            }, sent);
                            long gotId = 0;
                            for (byte x : last) {
                                gotId = (gotId << 8) | (x & 0xff);
                            }
                            if (got != size) {
                                errors.add("stream " + id + ": " + got + " bytes");
                            } else if (!t.raw && gotId != id) {
                                errors.add("stream " + id + " carried id " + gotId);
                            } else if (!MessageDigest.isEqual(d.digest(), expected(gotId))) {
                                errors.add("stream " + id + ": sha256 mismatch");
                            } else {
                                verified.incrementAndGet();
                            }
                        } catch (Exception e) {
                            sent.run();
                            errors.add("consumer " + id + ": " + e);
                        }
                        return null;
                    }));
                }
                heads.await(60, TimeUnit.SECONDS);
                for (int i = 0; i < count; i++) {
                    long id = base + i;
                    all.add(VT.submit(() -> {
                        try {
                            produce(t, "/bench-streams-" + id, wd, size, block, tail(id));
                        } catch (Exception e) {
                            errors.add("producer " + id + ": " + e);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : all) {
                    f.get();
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                verifiedOut[0] = verified.get();
                if (!errors.isEmpty()) {
                    errors.stream().limit(5).forEach(e -> System.err.println("  " + t.name + " " + e));
                    throw new IOException(errors.size() + " stream errors, " + verified.get() + " of " + count + " verified");
                }
                return secs;
            }
        }
    }

    // ---------------------------------------------------------------- report

    record Metric(String workload, String metric, String label, int direction, double goal, String unit) { }

    /** The table's rows: direction +1 higher is better, -1 lower is better; goal is the target ratio (0: none). */
    static final List<Metric> METRICS = List.of(
            new Metric("plain", "MiBps", "1. 2 GiB stream, HTTP", +1, 1.1, "MiB/s"),
            new Metric("plain", "cpu_s_per_GiB", "1. 2 GiB stream, HTTP: relay CPU", -1, 0.6, "CPU-s/GiB"),
            new Metric("tls", "MiBps", "2. 2 GiB stream, TLS", +1, 1.5, "MiB/s"),
            new Metric("tls", "cpu_s_per_GiB", "2. 2 GiB stream, TLS: relay CPU", -1, 0, "CPU-s/GiB"),
            new Metric("waiting", "rss_KiB_per_client", "3. waiting clients: RSS per client", -1, 1.0, "KiB"),
            new Metric("waiting", "rss_MiB_total", "3. waiting clients: relay RSS, all waiting", -1, 0, "MiB"),
            new Metric("waiting", "served", "3. waiting clients served", +1, 0, "clients"),
            new Metric("waiting", "serve_all_s", "3. time to serve all", -1, 0, "s"),
            new Metric("small", "seq_tps", "4. 1 KiB sequential", +1, 1.5, "transfers/s"),
            new Metric("small", "seq_p50_ms", "4. 1 KiB sequential p50", -1, 0, "ms"),
            new Metric("small", "seq_p99_ms", "4. 1 KiB sequential p99", -1, 1.0, "ms"),
            new Metric("small", "seq_cpu_ms", "4. 1 KiB sequential: relay CPU per transfer", -1, 0, "CPU-ms"),
            new Metric("small", "c32_tps", "4. 1 KiB, 32 concurrent", +1, 1.5, "transfers/s"),
            new Metric("small", "c32_p50_ms", "4. 1 KiB, 32 concurrent p50", -1, 0, "ms"),
            new Metric("small", "c32_p99_ms", "4. 1 KiB, 32 concurrent p99", -1, 1.0, "ms"),
            new Metric("small", "c32_cpu_ms", "4. 1 KiB, 32 concurrent: relay CPU per transfer", -1, 0, "CPU-ms"),
            new Metric("streams", "aggregate_MiBps", "5. 200 x 10 MiB concurrent", +1, 1.0, "MiB/s"),
            new Metric("streams", "cpu_s_per_GiB", "5. 200 streams: relay CPU", -1, 0, "CPU-s/GiB"),
            new Metric("streams", "verified", "5. streams sha256-verified (min of rounds)", +1, 0, "streams"));

    static void table(Path file) throws IOException {
        Map<String, List<Double>> values = new LinkedHashMap<>();
        Map<String, Integer> failures = new HashMap<>();
        Set<String> names = new LinkedHashSet<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.trim().split(" ");
            if (f.length != 6 || !f[0].equals("R")) {
                continue;
            }
            names.add(f[3].replaceAll("-tls$", ""));
            if (f[2].equals("failed")) {
                failures.merge(f[1] + " " + f[3].replaceAll("-tls$", ""), 1, Integer::sum);
                continue;
            }
            values.computeIfAbsent(f[1] + " " + f[2] + " " + f[3].replaceAll("-tls$", ""), k -> new ArrayList<>()).add(Double.parseDouble(f[5]));
        }
        String ours = "okapi", theirs = "piping", ref = "socat";
        StringBuilder out = new StringBuilder();
        out.append("| workload | unit | okapi | piping-server | socat (ref) | okapi / piping | socat / piping | target | met |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---|---|\n");
        for (Metric m : METRICS) {
            boolean min = m.metric().equals("verified");
            Double a = stat(values.get(m.workload() + " " + m.metric() + " " + ours), min);
            Double b = stat(values.get(m.workload() + " " + m.metric() + " " + theirs), min);
            Double c = stat(values.get(m.workload() + " " + m.metric() + " " + ref), min);
            boolean count = m.metric().equals("verified") || m.metric().equals("served");
            String ratio = count ? "" : a != null && b != null && b != 0 ? fmt(a / b) + "x" : "n/a";
            String refRatio = count ? "" : c != null && b != null && b != 0 ? fmt(c / b) + "x" : "n/a";
            String goal = m.goal() == 0 ? "" : (m.direction() > 0 ? ">= " : "<= ") + fmt(m.goal()) + "x";
            String met = "";
            if (m.goal() != 0) {
                met = a == null || b == null ? "n/a" : (m.direction() > 0 ? a / b >= m.goal() : a / b <= m.goal()) ? "yes" : "**no**";
            }
            out.append("| ").append(m.label()).append(" | ").append(m.unit()).append(" | ")
                    .append(cell(a, values.get(m.workload() + " " + m.metric() + " " + ours), failures.get(m.workload() + " " + ours))).append(" | ")
                    .append(cell(b, values.get(m.workload() + " " + m.metric() + " " + theirs), failures.get(m.workload() + " " + theirs))).append(" | ")
                    .append(cell(c, values.get(m.workload() + " " + m.metric() + " " + ref), failures.get(m.workload() + " " + ref))).append(" | ")
                    .append(ratio).append(" | ").append(refRatio).append(" | ").append(goal).append(" | ").append(met).append(" |\n");
        }
        if (!failures.isEmpty()) {
            out.append("\nFailed rounds (not in the medians): ").append(failures).append('\n');
        }
        System.out.print(out);
    }

    static Double stat(List<Double> v, boolean min) {
        if (v == null || v.isEmpty()) {
            return null;
        }
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        if (min) {
            return s.get(0);
        }
        int k = s.size();
        return k % 2 == 1 ? s.get(k / 2) : (s.get(k / 2 - 1) + s.get(k / 2)) / 2;
    }

    static String cell(Double median, List<Double> v, Integer failed) {
        if (median == null) {
            return "n/a";
        }
        return fmt(median) + " (n=" + v.size() + (failed == null ? "" : ", " + failed + " failed") + ")";
    }

    static String fmt(double d) {
        double a = Math.abs(d);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", d);
    }
}
