package dev.okapi.conformance;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One stream over raw HTTP/1.1, as the cluster tests need it: a producer that uploads at a fixed
 * pace (so that many streams are mid-transfer at once when a node is killed) and reads its control
 * lines, and a consumer that reads the body (Content-Length or chunked) and tells a clean end from a cut.
 *
 * @param path          stream path, {@code /a/b}
 * @param payload       what the producer sends
 * @param chunk         bytes per paced write
 * @param pauseMillis   pause between writes: the rate limit of a slow producer
 */
record RawStream(String path, byte[] payload, int chunk, long pauseMillis) {

    /** How one stream ended, as each side saw it. */
    record Result(String path, boolean producerSuccess, String producer, boolean consumerComplete, String consumer) {

        /** Completed: the producer was told success and the consumer got every byte with a clean end. */
        boolean completed() {
            return producerSuccess && consumerComplete;
        }

        /** Failed visibly on both sides: no success line for the producer, no clean end for the consumer. */
        boolean failedOnBothSides() {
            return !producerSuccess && !consumerComplete;
        }

        @Override
        public String toString() {
            return path + ": producer " + producer + "; consumer " + consumer;
        }
    }

    /**
     * Runs both sides against {@code port} on loopback; {@code receiving} counts down once the
     * consumer has its first payload bytes.
     */
    Result run(int port, String writeToken, String readToken, CountDownLatch receiving) throws InterruptedException {
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<String[]> consumer = ex.submit(() -> consume(port, readToken, receiving));
            Future<String[]> producer = ex.submit(() -> produce(port, writeToken));
            String[] p = get(producer);
            String[] c = get(consumer);
            return new Result(path, p[0].equals("ok"), p[1], c[0].equals("ok"), c[1]);
        }
    }

    private static String[] get(Future<String[]> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            return new String[] {"failed", String.valueOf(e.getCause())};
        }
    }

    private static Socket open(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(60_000); // a hung side fails the test instead of holding it
        return s;
    }

    private String[] produce(int port, String token) {
        try (Socket s = open(port)) {
            OutputStream out = s.getOutputStream();
            out.write(("PUT /data" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Length: " + payload.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // The control lines arrive while we upload: read them alongside.
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    s.getInputStream().transferTo(response);
                } catch (IOException e) {
                    response.writeBytes(("\n<read: " + e + ">").getBytes(StandardCharsets.US_ASCII));
                }
            });
            String upload = "sent";
            try {
                for (int off = 0; off < payload.length; off += chunk) {
                    out.write(payload, off, Math.min(chunk, payload.length - off));
                    out.flush();
                    Thread.sleep(pauseMillis); // the pace of a rate-limited producer, not a wait for an event
                }
            } catch (IOException e) {
                upload = "upload cut: " + e;
            }
            reader.join();
            String text = response.toString(StandardCharsets.ISO_8859_1);
            boolean success = text.startsWith("HTTP/1.1 200") && text.contains("[STATE:TRANSFER_SUCCESSFUL]")
                    && upload.equals("sent");
            String lines = text.lines().filter(l -> l.startsWith("[") || l.startsWith("<") || l.startsWith("HTTP/"))
                    .reduce((a, b) -> a + " " + b).orElse("(no response)");
            return new String[] {success ? "ok" : "failed", upload + ", " + lines};
        } catch (IOException | InterruptedException e) {
            return new String[] {"failed", e.toString()};
        }
    }

    private String[] consume(int port, String token, CountDownLatch receiving) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean counted = false;
        try (Socket s = open(port)) {
            s.getOutputStream().write(("GET /data" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String status = line(in);
            boolean chunked = false;
            long length = -1;
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                String lower = h.toLowerCase(Locale.ROOT);
                chunked |= lower.matches("transfer-encoding:\\s*chunked");
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(lower.substring(15).strip());
                }
            }
            if (!status.startsWith("HTTP/1.1 200") || !chunked && length < 0) {
                return new String[] {"failed", status + " (neither chunked nor a Content-Length)"};
            }
            // The relay forwards a producer's Content-Length; otherwise the body is chunked.
            while (chunked || body.size() < length) {
                int size = chunked ? Integer.parseInt(line(in).split(";")[0].strip(), 16)
                        : (int) Math.min(chunk, length - body.size());
                if (size == 0) {
                    line(in);
                    break;
                }
                byte[] got = in.readNBytes(size);
                body.writeBytes(got);
                if (got.length < size) {
                    throw new EOFException("connection closed inside the body");
                }
                if (!counted) {
                    receiving.countDown();
                    counted = true;
                }
                if (chunked && !line(in).isEmpty()) {
                    throw new IOException("chunk not followed by CRLF");
                }
            }
            boolean same = Arrays.equals(sha256(body.toByteArray()), sha256(payload));
            return new String[] {same ? "ok" : "failed", "clean end after " + body.size() + " bytes" + (same ? ", sha256 equal" : ", sha256 DIFFERS")};
        } catch (IOException | RuntimeException e) {
            return new String[] {"failed", "cut after " + body.size() + " bytes: " + e};
        } finally {
            if (!counted) {
                receiving.countDown(); // never leave the test waiting for a stream that ended early
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("connection closed after " + sb.length() + " characters of a line");
            }
            sb.append((char) b);
        }
        int n = sb.length();
        return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
