package dev.okapi.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deliberately broken relay for the suite's own tests: a TCP proxy in front of our relay that
 * breaks one requirement, the way real deployments and buggy relays do, so that each case the
 * suite tightened is shown to fail against the bug it is there to catch. One request per
 * connection, which is how the suite talks.
 *
 * <p>It is one class over 300 lines because every mode shares the same request/response plumbing
 * (head parsing, the upload pipe, the chunked control channel); split, each piece would need the
 * others' state.
 */
final class TamperingProxy implements AutoCloseable {

    /** Which requirement to break. */
    enum Mode {
        /** A consumer's cut response gets a terminating chunk: an abort looks like a clean end (DATA-21). */
        CLEAN_CUT,
        /** A PUT with Expect: 100-continue is answered 100 Continue at once, before pairing (DATA-3). */
        EARLY_CONTINUE,
        /** A PUT is answered 200 at once, before pairing, and the relay's own head is swallowed (DATA-3). */
        EARLY_OK,
        /** A PUT with Expect: 100-continue gets 100 Continue one second later, still before pairing (DATA-3). */
        LATE_CONTINUE,
        /** Connect answers name an unreachable origin (port 1) for the Data URL (CONN-12). */
        FOREIGN_ORIGIN,
        /** Data requests on paths with a dot are refused 400, as by a path-normalising front end (PATH-1). */
        DOT_REFUSED,
        /** Requests with an empty stream path get 404 instead of 400 (PATH-1). */
        EMPTY_PATH_404,
        /** A PUT with both Content-Length and chunked loses its Transfer-Encoding upstream and gets a 400 (HTTP-3). */
        SMUGGLE,
        /** The producer never hears [STATE:TRANSFER_SUCCESSFUL] (DATA-7, DATA-13). */
        NO_SUCCESS,
        /** The upload is buffered without bound, and success is told when its end arrives, not when it was delivered (DATA-14). */
        EARLY_SUCCESS,
        /** The upload is buffered without bound: a consumer that stops reading never stops the producer (DATA-22). */
        UNBOUNDED_BUFFER
    }

    private static final String SUCCESS = "[STATE:TRANSFER_SUCCESSFUL]\n";
    private static final Pattern DATA_URL_ORIGIN = Pattern.compile("https?://[^/\\s]+(/data/)");
    private static final byte[] END_CHUNK = ascii("0\r\n\r\n");

    private final ServerSocket server;
    private final int upstreamPort;
    private final Mode mode;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    TamperingProxy(int upstreamPort, Mode mode) throws IOException {
        this.upstreamPort = upstreamPort;
        this.mode = mode;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.submit(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private Void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.submit(() -> serve(client));
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    /** The client's side: writes from several threads (a late 100, an injected line) stay whole. */
    private static final class ClientOut {
        private final OutputStream out;

        ClientOut(OutputStream out) {
            this.out = out;
        }

        synchronized void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            out.flush();
        }

        void write(byte[] b) throws IOException {
            write(b, 0, b.length);
        }
    }

    private Void serve(Socket client) {
        try (client; Socket up = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            InputStream cin = client.getInputStream();
            ClientOut cout = new ClientOut(client.getOutputStream());
            String head = readHead(cin);
            if (head == null) {
                return null;
            }
            String first = head.substring(0, head.indexOf("\r\n"));
            String target = first.split(" ").length > 1 ? first.split(" ")[1] : "";
            String lower = head.toLowerCase(Locale.ROOT);
            boolean put = first.startsWith("PUT /data/");
            boolean get = first.startsWith("GET /data/");
            boolean connect = first.startsWith("GET /connect/");
            boolean expects = lower.contains("\r\nexpect: 100-continue");
            if (mode == Mode.DOT_REFUSED && (put || get) && target.split("\\?")[0].contains(".")) {
                cout.write(ascii(answer(400, "dots are not allowed")));
                return null;
            }
            if (mode == Mode.EMPTY_PATH_404 && target.matches("/(data|connect/v0)/?(\\?.*)?")) {
                cout.write(ascii(answer(404, "not found")));
                return null;
            }
            boolean smuggle = mode == Mode.SMUGGLE && put && lower.contains("\r\ncontent-length:")
                    && lower.contains("\r\ntransfer-encoding:");
            if (smuggle) {
                head = head.replaceAll("(?i)\r\nTransfer-Encoding:[^\r]*", "");
            }
            if (mode == Mode.EARLY_CONTINUE && put && expects) {
                cout.write(ascii("HTTP/1.1 100 Continue\r\n\r\n"));
            }
            if (mode == Mode.LATE_CONTINUE && put && expects) {
                threads.submit(() -> {
                    Thread.sleep(1000); // this mode's fault: the 100 comes late
                    cout.write(ascii("HTTP/1.1 100 Continue\r\n\r\n"));
                    return null;
                });
            }
            boolean early = mode == Mode.EARLY_OK && put;
            if (early) {
                cout.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"));
            }
            up.getOutputStream().write(ascii(head));
            up.getOutputStream().flush();
            ControlChannel control = put && (mode == Mode.NO_SUCCESS || mode == Mode.EARLY_SUCCESS) ? new ControlChannel(cout) : null;
            if (put && (mode == Mode.EARLY_SUCCESS || mode == Mode.UNBOUNDED_BUFFER)) {
                threads.submit(() -> bufferedPipe(cin, up, control));
            } else {
                threads.submit(() -> pipe(cin, up.getOutputStream(), up));
            }
            InputStream uin = up.getInputStream();
            if (smuggle) {
                cout.write(ascii(answer(400, "Content-Length with Transfer-Encoding")));
                uin.transferTo(OutputStream.nullOutputStream());
                return null;
            }
            if (early) {
                skipHeads(uin);
            }
            if (control != null) {
                control.copy(uin);
            } else if (mode == Mode.FOREIGN_ORIGIN && connect) {
                cout.write(foreignOrigin(uin));
            } else {
                copy(uin, cout, mode == Mode.CLEAN_CUT && get);
            }
        } catch (IOException e) {
            // either side gone: close both
        }
        return null;
    }

    private static void copy(InputStream uin, ClientOut cout, boolean lieAtTheEnd) throws IOException {
        byte[] buf = new byte[65536];
        try {
            for (int n; (n = uin.read(buf)) >= 0; ) {
                cout.write(buf, 0, n);
            }
        } catch (IOException e) {
            // upstream cut: lie below, or pass the cut on
        }
        if (lieAtTheEnd) {
            cout.write(END_CHUNK); // the lie: "the stream ended cleanly"
        }
    }

    /** A Connect answer (one response with Content-Length) with the Data URL's origin replaced by an unreachable one. */
    private static byte[] foreignOrigin(InputStream uin) throws IOException {
        String head = readHead(uin);
        if (head == null) {
            return new byte[0];
        }
        Matcher len = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)").matcher(head);
        byte[] body = len.find() ? uin.readNBytes(Integer.parseInt(len.group(1))) : new byte[0];
        String newBody = DATA_URL_ORIGIN.matcher(new String(body, StandardCharsets.US_ASCII)).replaceAll("http://127.0.0.1:1$1");
        String newHead = DATA_URL_ORIGIN.matcher(head).replaceAll("http://127.0.0.1:1$1")
                .replaceAll("(?i)\r\ncontent-length: *\\d+", "\r\nContent-Length: " + newBody.length());
        return ascii(newHead + newBody);
    }

    /**
     * The producer's chunked control channel, copied chunk by chunk so that a line can be dropped
     * ({@link Mode#NO_SUCCESS}) or one injected between chunks ({@link Mode#EARLY_SUCCESS}).
     */
    private final class ControlChannel {
        private final ClientOut cout;
        private boolean ready;
        private boolean pending;

        ControlChannel(ClientOut cout) {
            this.cout = cout;
        }

        void copy(InputStream uin) throws IOException {
            String head = readHead(uin);
            while (head != null && head.startsWith("HTTP/1.1 1")) {
                cout.write(ascii(head));
                head = readHead(uin);
            }
            if (head == null) {
                return;
            }
            cout.write(ascii(head));
            if (!head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
                TamperingProxy.copy(uin, cout, false); // a refusal: nothing to tamper with
                return;
            }
            while (true) {
                String size = line(uin);
                if (size == null) {
                    return; // cut: pass it on
                }
                int n = Integer.parseInt(size.split(";")[0].strip(), 16);
                byte[] data = uin.readNBytes(n);
                line(uin); // the chunk's CRLF; after the last chunk, the end of the (empty) trailer section
                if (n == 0) {
                    cout.write(END_CHUNK);
                    return;
                }
                String text = new String(data, StandardCharsets.US_ASCII);
                if (!(mode == Mode.NO_SUCCESS && text.equals(SUCCESS))) {
                    cout.write(chunk(text));
                }
                synchronized (this) {
                    ready = true;
                    if (pending) {
                        pending = false;
                        cout.write(chunk(SUCCESS));
                    }
                }
            }
        }

        /** The upload's end passed the proxy: tell success now (after the first control line), whatever the consumer has. */
        synchronized void uploadEnded() throws IOException {
            if (ready) {
                cout.write(chunk(SUCCESS));
            } else {
                pending = true;
            }
        }
    }

    /** Client to relay through an unbounded buffer: the proxy takes the whole upload as fast as the client sends it. */
    private Void bufferedPipe(InputStream in, Socket up, ControlChannel control) throws IOException, InterruptedException {
        LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
        byte[] none = new byte[0];
        threads.submit(() -> {
            OutputStream out = up.getOutputStream();
            for (byte[] b; (b = queue.take()) != none; ) {
                out.write(b);
                out.flush();
            }
            up.shutdownOutput();
            return null;
        });
        byte[] tail = new byte[END_CHUNK.length];
        byte[] buf = new byte[65536];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                queue.put(Arrays.copyOf(buf, n));
                shiftInto(tail, buf, n);
                if (control != null && Arrays.equals(tail, END_CHUNK)) {
                    control.uploadEnded();
                }
            }
        } catch (IOException e) {
            // the client went away: end the upload upstream as it is
        }
        queue.put(none);
        return null;
    }

    /** Keeps the last {@code tail.length} bytes seen. */
    private static void shiftInto(byte[] tail, byte[] buf, int n) {
        if (n >= tail.length) {
            System.arraycopy(buf, n - tail.length, tail, 0, tail.length);
            return;
        }
        for (int i = 0; i < n; i++) {
            System.arraycopy(tail, 1, tail, 0, tail.length - 1);
            tail[tail.length - 1] = buf[i];
        }
    }

    /** Client to relay; a client's close (or reset) becomes a half-close (or close) upstream. */
    private static Void pipe(InputStream in, OutputStream out, Socket up) {
        byte[] buf = new byte[65536];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                out.flush();
            }
            up.shutdownOutput();
        } catch (IOException e) {
            try {
                up.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        return null;
    }

    private static byte[] chunk(String text) {
        return ascii(Integer.toHexString(text.length()) + "\r\n" + text + "\r\n");
    }

    private static String answer(int status, String line) {
        return "HTTP/1.1 " + status + " Tampered\r\nContent-Type: text/plain\r\nContent-Length: " + (line.length() + 1)
                + "\r\nConnection: close\r\n\r\n" + line + "\n";
    }

    /** Drops response heads up to and including the first final one. */
    private static void skipHeads(InputStream in) throws IOException {
        while (true) {
            String h = readHead(in);
            if (h == null || !h.startsWith("HTTP/1.1 1")) {
                return;
            }
        }
    }

    /** A CRLF-terminated line without its CRLF; null at EOF. */
    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\n') {
                return sb.toString().strip();
            }
            sb.append((char) c);
        }
        return null;
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : c == '\r' ? 1 : 0;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
