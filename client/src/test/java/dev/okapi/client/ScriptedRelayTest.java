package dev.okapi.client;

import static dev.okapi.client.ScriptedServer.chunk;
import static dev.okapi.client.ScriptedServer.connectAnswer;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.okapi.protocol.Wire;
import dev.okapi.protocol.Wire.ControlLine;

import org.junit.jupiter.api.Test;

/**
 * The client against a scripted peer on loopback, for the answers the real relay does not give
 * (yet): 401 and 403 (auth is not implemented in the relay), a silent Connect, malformed or cut
 * messages, and a control channel that does not end in success.
 */
class ScriptedRelayTest {

    private static final String TOKEN = "tok-Abc123";

    private static ZebraStream stream(ScriptedServer server, String path) {
        return ZebraStream.builder(server.base() + Wire.CONNECT_PREFIX, path).accessToken(TOKEN).build();
    }

    @Test
    void connect401IsAnAuthenticationFailureAndTheTokenWasSentAsBearer() throws Exception {
        CompletableFuture<ScriptedServer.Exchange> connect = new CompletableFuture<>();
        try (ScriptedServer server = new ScriptedServer(ex -> {
            connect.complete(ex);
            ex.send("HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\ntoken expired\n");
        })) {
            AuthenticationException e = assertThrows(AuthenticationException.class, stream(server, "/a/b")::openWriter);
            assertThat(e.status(), is(401));
            assertThat(e.exitCode(), is(3));
            assertThat(e.getMessage(), containsString("token expired"));
        }
        assertThat(connect.get().requestLine(), is("GET " + Wire.CONNECT_PREFIX + "/a/b?mode=await-reader HTTP/1.1"));
        assertThat(connect.get().header("Authorization"), is("Bearer " + TOKEN));
    }

    /** The refusal comes instead of 100 Continue, so not one byte of the body may have been sent. */
    @Test
    void dataPut403BeforeContinueIsAnAuthenticationFailureAndNoBodyIsSent() throws Exception {
        CompletableFuture<ScriptedServer.Exchange> put = new CompletableFuture<>();
        CompletableFuture<Integer> afterRefusal = new CompletableFuture<>();
        try (ScriptedServer server = new ScriptedServer(connectAnswer("/data/x"), ex -> {
            put.complete(ex);
            ex.send("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
            afterRefusal.complete(ex.in().read()); // -1: the client closed without sending a body byte
        })) {
            AuthenticationException e = assertThrows(AuthenticationException.class, stream(server, "/x")::openWriter);
            assertThat(e.status(), is(403));
            assertThat(afterRefusal.get(10, TimeUnit.SECONDS), is(-1));
        }
        ScriptedServer.Exchange head = put.get();
        assertThat(head.requestLine(), is("PUT /data/x HTTP/1.1"));
        assertThat(head.header("Expect"), is("100-continue"));
        assertThat(head.header("Transfer-Encoding"), is("chunked"));
        assertThat(head.header("Authorization"), is("Bearer " + TOKEN));
    }

    @Test
    void connect504IsAConnectTimeout() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                ex -> ex.send("HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0\r\n\r\n"))) {
            ConnectTimeoutException e = assertThrows(ConnectTimeoutException.class, stream(server, "/x")::openReader);
            assertThat(e.exitCode(), is(4));
        }
    }

    /** A Connect that never answers (a relay ignoring {@code timeout}): the client's own limit fires. */
    @Test
    void silentConnectHitsTheClientsOwnTimeout() throws Exception {
        CompletableFuture<String> requestLine = new CompletableFuture<>();
        try (ScriptedServer server = new ScriptedServer(ex -> {
            requestLine.complete(ex.requestLine());
            ex.in().read(); // returns when the client gives up and closes
        })) {
            ZebraStream stream = ZebraStream.builder(server.base() + Wire.CONNECT_PREFIX, "/x")
                    .connectTimeout(Duration.ofSeconds(1)).build();
            long start = System.nanoTime();
            ConnectTimeoutException e = assertThrows(ConnectTimeoutException.class, stream::openReader);
            assertThat(e.getMessage(), containsString("within 1 s"));
            assertThat((System.nanoTime() - start) / 1_000_000, greaterThanOrEqualTo(1000 + ConnectApi.BACKSTOP.toMillis() - 100));
        }
        assertThat(requestLine.get(), is("GET " + Wire.CONNECT_PREFIX + "/x?mode=await-writer&timeout=1 HTTP/1.1"));
    }

    @Test
    void busyPathIsARelayStatusFailure() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                ex -> ex.send("HTTP/1.1 409 Conflict\r\nContent-Length: 11\r\n\r\npath busy\r\n"))) {
            RelayStatusException e = assertThrows(RelayStatusException.class, stream(server, "/x")::openReader);
            assertThat(e.status(), is(409));
            assertThat(e.exitCode(), is(1));
            assertThat(e.getMessage(), containsString("path busy"));
        }
    }

    @Test
    void connectAnswerThatIsNotAUrlIsAProtocolViolation() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connectAnswer("hello"))) {
            assertThrows(ProtocolViolationException.class, stream(server, "/x")::openReader);
        }
    }

    @Test
    void garbageInsteadOfHttpIsAProtocolViolation() throws Exception {
        try (ScriptedServer server = new ScriptedServer(ex -> ex.send("SSH-2.0-OpenSSH_9.2\r\n\r\n"))) {
            assertThrows(ProtocolViolationException.class, stream(server, "/x")::openReader);
        }
    }

    @Test
    void uploadIsChunkedAndCloseSucceedsOnTheSuccessLine() throws Exception {
        CompletableFuture<byte[]> body = new CompletableFuture<>();
        try (ScriptedServer server = new ScriptedServer(connectAnswer("/data/x"), ex -> {
            ex.send("HTTP/1.1 100 Continue\r\n\r\n");
            ex.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(ControlLine.CONNECTED.line()));
            body.complete(ex.readUntil("0\r\n\r\n"));
            ex.send(chunk(ControlLine.TRANSFER_SUCCESSFUL.line()) + "0\r\n\r\n");
        })) {
            StreamWriter out = stream(server, "/x").openWriter();
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            out.write(new byte[0]); // must not become a (terminating) empty chunk
            out.flush();
            out.write(" world".getBytes(StandardCharsets.US_ASCII));
            out.close();
        }
        assertThat(new String(body.get(), StandardCharsets.US_ASCII), is("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
    }

    @Test
    void closeWithoutTheSuccessLineIsAProtocolViolation() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connectAnswer("/data/x"), ex -> {
            ex.send("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunk(ControlLine.CONNECTED.line()));
            ex.readUntil("0\r\n\r\n");
            ex.send(chunk("[STATE:SOMETHING_ELSE]\n") + "0\r\n\r\n");
        })) {
            StreamWriter out = stream(server, "/x").openWriter();
            out.write(42);
            ProtocolViolationException e = assertThrows(ProtocolViolationException.class, out::close);
            assertThat(e.getMessage(), containsString("[STATE:SOMETHING_ELSE]"));
            out.close(); // already thrown: releases only
        }
    }

    @Test
    void connectionCutBeforeTheSuccessLineIsAProtocolViolation() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connectAnswer("/data/x"), ex -> {
            ex.send("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunk(ControlLine.CONNECTED.line()));
            ex.readUntil("0\r\n\r\n");
            // and the connection closes: no success line
        })) {
            StreamWriter out = stream(server, "/x").openWriter();
            out.write(42);
            ProtocolViolationException e = assertThrows(ProtocolViolationException.class, out::close);
            assertThat(e.getMessage(), containsString(ControlLine.CONNECTED.text()));
        }
    }

    @Test
    void relayErrorLineAbortsTheWriterWithItsReason() throws Exception {
        CountDownLatch lineSent = new CountDownLatch(1);
        try (ScriptedServer server = new ScriptedServer(connectAnswer("/data/x"), ex -> {
            ex.send("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunk(ControlLine.CONNECTED.line()) + chunk(ControlLine.IDLE_TIMEOUT.line()));
            lineSent.countDown();
            ex.in().transferTo(OutputStream.nullOutputStream());
        })) {
            StreamWriter out = stream(server, "/x").openWriter();
            assertThat(lineSent.await(10, TimeUnit.SECONDS), is(true));
            TransferAbortedException e = assertThrows(TransferAbortedException.class, () -> {
                for (int i = 0; i < 10_000_000; i++) { // ends as soon as the control thread has read the line
                    out.write(i);
                    out.flush();
                }
            });
            assertThat(e.controlLine(), is(ControlLine.IDLE_TIMEOUT.text()));
        }
    }

    @Test
    void readerTreatsAChunkedBodyWithoutItsTerminatingChunkAsAPeerDisconnect() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connectAnswer("/data/x"), ex -> ex.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("hello")))) {
            try (StreamReader in = stream(server, "/x").openReader()) {
                assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII), is("hello"));
                assertThrows(PeerDisconnectedException.class, in::read);
            }
        }
    }

    @Test
    void readerTreatsAShortContentLengthBodyAsAPeerDisconnect() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connectAnswer("/data/x"), ex -> ex.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"))) {
            try (StreamReader in = stream(server, "/x").openReader()) {
                PeerDisconnectedException e = assertThrows(PeerDisconnectedException.class, in::readAllBytes);
                assertThat(e.getCause().getMessage(), containsString("5 of 10"));
            }
        }
    }

    @Test
    void readerAcceptsContentLengthExtensionsTrailersAndUpperCaseHex() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connectAnswer("/data/x"),
                ex -> ex.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/csv\r\n\r\n"
                        + "A;name=value\r\n0123456789\r\n0\r\nX-Checksum: none\r\n\r\n"),
                connectAnswer("/data/x"),
                ex -> ex.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"))) {
            try (StreamReader in = stream(server, "/x").openReader()) {
                assertThat(in.contentType().orElseThrow(), is("text/csv"));
                assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII), is("0123456789"));
                assertThat(in.read(), is(-1));
            }
            try (StreamReader in = stream(server, "/x").openReader()) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII), is("hello"));
            }
        }
    }

    @Test
    void unreachableRelayIsAGenericFailure() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ZebraStreamException e = assertThrows(ZebraStreamException.class,
                ZebraStream.builder("http://127.0.0.1:" + port + Wire.CONNECT_PREFIX, "/x").build()::openReader);
        assertThat(e.exitCode(), is(1));
        assertThat(e.getMessage(), containsString("cannot connect"));
    }
}
