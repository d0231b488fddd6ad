package dev.okapi.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ServerSocketFactory;

/**
 * A loopback HTTP peer that follows a script, one handler per accepted connection in order: for
 * answers the real relay cannot give yet (401, 403) or must never give (malformed messages).
 * Handler failures are collected and rethrown by {@link #close()}, so a broken script fails its test.
 */
public final class ScriptedServer implements AutoCloseable {

    /** One step of the script: what to do with the n-th connection. */
    @FunctionalInterface
    public interface Handler {
        void handle(Exchange exchange) throws Exception;
    }

    /** An accepted connection whose request head has been read. */
    public record Exchange(String requestLine, Map<String, String> headers, InputStream in, OutputStream out, Socket socket) {

        public void send(String ascii) throws IOException {
            out.write(ascii.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** Reads request body bytes until {@code end} has been seen; returns all of them. */
        byte[] readUntil(String end) throws IOException {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] marker = end.getBytes(StandardCharsets.ISO_8859_1);
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("connection ended before '" + end.replace("\r\n", "\\r\\n") + "': " + got);
                }
                got.write(c);
                byte[] b = got.toByteArray();
                if (b.length >= marker.length
                        && Arrays.equals(b, b.length - marker.length, b.length, marker, 0, marker.length)) {
                    return b;
                }
            }
        }
    }

    private final ServerSocket server;
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean tolerateFailures;

    public ScriptedServer(Handler... script) throws IOException {
        this(ServerSocketFactory.getDefault(), script);
    }

    public ScriptedServer(ServerSocketFactory factory, Handler... script) throws IOException {
        server = factory.createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofPlatform().daemon().name("scripted-server").start(() -> {
            for (Handler handler : script) {
                Socket socket;
                try {
                    socket = server.accept();
                } catch (IOException e) {
                    return; // closed
                }
                sockets.add(socket);
                Thread.ofPlatform().daemon().name("scripted-exchange").start(() -> {
                    try (socket) {
                        InputStream in = new BufferedInputStream(socket.getInputStream());
                        String requestLine = line(in);
                        Map<String, String> headers = new HashMap<>();
                        for (String l = line(in); !l.isEmpty(); l = line(in)) {
                            int colon = l.indexOf(':');
                            headers.put(l.substring(0, colon).strip().toLowerCase(Locale.ROOT), l.substring(colon + 1).strip());
                        }
                        handler.handle(new Exchange(requestLine, headers, in, socket.getOutputStream(), socket));
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                });
            }
        });
    }

    int port() {
        return server.getLocalPort();
    }

    String base(String scheme, String host) {
        return scheme + "://" + host + ":" + port();
    }

    public String base() {
        return base("http", "127.0.0.1");
    }

    /** For scripts whose connections are meant to break (a refused TLS handshake): close() will not complain. */
    ScriptedServer tolerateFailures() {
        tolerateFailures = true;
        return this;
    }

    @Override
    public void close() throws Exception {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        acceptor.join(5000);
        if (!failures.isEmpty() && !tolerateFailures) {
            AssertionError e = new AssertionError("scripted server failed: " + failures.get(0), failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    /** A 200 answer of the Connect API with a Data URL of {@code dataPath} on this same server. */
    static Handler connectAnswer(String dataPath) {
        return ex -> {
            String dataUrl = "http://127.0.0.1:" + ex.socket().getLocalPort() + dataPath;
            ex.send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + dataUrl.length()
                    + "\r\n\r\n" + dataUrl);
        };
    }

    /** One chunk of a chunked body. */
    static String chunk(String data) {
        return Integer.toHexString(data.getBytes(StandardCharsets.ISO_8859_1).length) + "\r\n" + data + "\r\n";
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("connection ended inside the request head");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
