package dev.okapi.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A deliberately broken relay for the suite's own tests: a TCP proxy in front of our relay that
 * breaks one requirement, the way real deployments do (a proxy that answers 100-continue itself,
 * one that turns a cut upstream into a clean end). One request per connection, which is how the
 * suite talks.
 */
final class TamperingProxy implements AutoCloseable {

    /** Which requirement to break. */
    enum Mode {
        /** A consumer's cut response gets a terminating chunk: an abort looks like a clean end (DATA-21). */
        CLEAN_CUT,
        /** A PUT with Expect: 100-continue is answered 100 Continue at once, before pairing (DATA-3). */
        EARLY_CONTINUE,
        /** A PUT is answered 200 at once, before pairing, and the relay's own head is swallowed (DATA-3). */
        EARLY_OK
    }

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

    private Void serve(Socket client) {
        try (client; Socket up = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            InputStream cin = client.getInputStream();
            OutputStream cout = client.getOutputStream();
            String head = readHead(cin);
            if (head == null) {
                return null;
            }
            String first = head.substring(0, head.indexOf("\r\n"));
            boolean put = first.startsWith("PUT /data/");
            boolean get = first.startsWith("GET /data/");
            boolean expects = head.toLowerCase(java.util.Locale.ROOT).contains("\r\nexpect: 100-continue");
            if (mode == Mode.EARLY_CONTINUE && put && expects) {
                cout.write(ascii("HTTP/1.1 100 Continue\r\n\r\n"));
                cout.flush();
            }
            boolean early = mode == Mode.EARLY_OK && put;
            if (early) {
                cout.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"));
                cout.flush();
            }
            up.getOutputStream().write(ascii(head));
            up.getOutputStream().flush();
            threads.submit(() -> pipe(cin, up.getOutputStream(), up));
            InputStream uin = up.getInputStream();
            if (early) {
                skipHeads(uin);
            }
            byte[] buf = new byte[65536];
            try {
                for (int n; (n = uin.read(buf)) >= 0; ) {
                    cout.write(buf, 0, n);
                    cout.flush();
                }
                if (mode == Mode.CLEAN_CUT && get) {
                    cout.write(ascii("0\r\n\r\n")); // the lie: "the stream ended cleanly"
                    cout.flush();
                }
            } catch (IOException e) {
                if (mode == Mode.CLEAN_CUT && get) {
                    cout.write(ascii("0\r\n\r\n"));
                    cout.flush();
                }
            }
        } catch (IOException e) {
            // either side gone: close both
        }
        return null;
    }

    /** Client to relay; a client's close (or reset) becomes a half-close (or close) upstream. */
    private Void pipe(InputStream in, OutputStream out, Socket up) {
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

    /** Drops response heads up to and including the first final one. */
    private static void skipHeads(InputStream in) throws IOException {
        while (true) {
            String h = readHead(in);
            if (h == null || !h.startsWith("HTTP/1.1 1")) {
                return;
            }
        }
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
