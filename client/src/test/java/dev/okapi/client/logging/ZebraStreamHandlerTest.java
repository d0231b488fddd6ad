package dev.okapi.client.logging;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import dev.okapi.client.StreamReader;
import dev.okapi.client.TestRelay;
import dev.okapi.client.ZebraStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log handler against the real relay, with real readers attaching (or not). */
class ZebraStreamHandlerTest {

    private static TestRelay relay;
    private static ExecutorService threads;

    @BeforeAll
    static void startRelay() {
        relay = TestRelay.start(60);
        threads = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void stopRelay() {
        threads.shutdownNow();
        relay.close();
    }

    /** The message alone, one line: the tests compare lines. */
    private static ZebraStreamHandler handler(String path, int capacity) {
        ZebraStreamHandler handler = new ZebraStreamHandler(relay.stream(path).build(), capacity);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord record) {
                return record.getMessage() + "\n";
            }
        });
        return handler;
    }

    private static void log(ZebraStreamHandler handler, String message) {
        handler.publish(new LogRecord(Level.INFO, message));
    }

    /** A reader on its own thread; every line it receives lands in the returned queue. */
    private static BlockingQueue<String> attachReader(String path, List<StreamReader> opened) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        threads.submit(() -> {
            try (StreamReader in = relay.stream(path).build().openReader();
                 BufferedReader text = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                opened.add(in);
                for (String line; (line = text.readLine()) != null; ) {
                    lines.add(line);
                }
                lines.add("<clean end>");
            } catch (Exception e) {
                lines.add("<failed: " + e.getMessage() + ">");
            }
            return null;
        });
        return lines;
    }

    private static String next(BlockingQueue<String> lines) throws InterruptedException {
        String line = lines.poll(60, TimeUnit.SECONDS);
        assertThat("a line within 60 s", line == null, is(false));
        return line;
    }

    /**
     * 100,000 records with nobody reading: publish returns at once (the bound is generous for a
     * loaded 2-core machine; a handler that waited for a reader would never return), the oldest
     * 99,000 are dropped and counted, and a reader that comes later gets the newest 1,000 after a
     * line saying what it missed.
     */
    @Test
    void withoutAReaderPublishingNeverBlocksAndTheNewestRecordsWait() throws Exception {
        String path = TestRelay.freshPath("log-no-reader");
        ZebraStreamHandler handler = handler(path, 1000);
        try {
            long start = System.nanoTime();
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                for (int i = 0; i < 100_000; i++) {
                    log(handler, "record " + i);
                }
            });
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(millis, lessThan(20_000L));
            assertThat(handler.droppedRecords(), is(99_000L));

            BlockingQueue<String> lines = attachReader(path, new CopyOnWriteArrayList<>());
            assertThat(next(lines), is("[99000 log records dropped: no reader, or a reader slower than the log]"));
            for (int i = 99_000; i < 100_000; i++) {
                assertThat(next(lines), is("record " + i));
            }
        } finally {
            handler.close();
        }
    }

    /** A reader attaching mid-run receives what is logged; when it leaves, the next reader is served. */
    @Test
    void readersAttachingMidRunReceiveLines() throws Exception {
        String path = TestRelay.freshPath("log-mid-run");
        ZebraStreamHandler handler = handler(path, 1000);
        try {
            log(handler, "before any reader");
            List<StreamReader> opened = new CopyOnWriteArrayList<>();
            BlockingQueue<String> first = attachReader(path, opened);
            assertThat(next(first), is("before any reader"));
            log(handler, "while reading");
            assertThat(next(first), is("while reading"));
            opened.get(0).close(); // the first reader leaves

            BlockingQueue<String> second = attachReader(path, opened);
            String got = null;
            for (int i = 0; got == null && i < 600; i++) { // the handler learns of the first reader's leaving as it writes
                log(handler, "for the next reader " + i);
                got = second.poll(100, TimeUnit.MILLISECONDS);
            }
            assertThat("the second reader got a line", got == null, is(false));
            String line = got.startsWith("[") ? next(second) : got; // records lost with the first reader are counted first
            assertThat(line, containsString("for the next reader "));
        } finally {
            handler.close();
        }
    }

    @Test
    void closeDeliversTheRestAndEndsTheStreamCleanly() throws Exception {
        String path = TestRelay.freshPath("log-close");
        ZebraStreamHandler handler = handler(path, 1000);
        BlockingQueue<String> lines = attachReader(path, new CopyOnWriteArrayList<>());
        log(handler, "first");
        assertThat(next(lines), is("first"));
        log(handler, "last");
        handler.close();
        assertThat(next(lines), is("last"));
        assertThat(next(lines), is("<clean end>"));
        log(handler, "after close"); // ignored, not an error
        assertThat(lines.poll(), nullValue());
    }

    @Test
    void settingsComeFromPropertiesThenTheEnvironment() {
        Map<String, String> env = Map.of(ZebraStream.ENV_CONNECT_URL, "https://relay.example.org/connect/v0",
                ZebraStream.ENV_ACCESS_TOKEN, "tok");
        HandlerSettings fromEnv = HandlerSettings.from(Map.of("path", "/acme/logs")::get, env);
        assertThat(fromEnv.stream().connectUrl(), is("https://relay.example.org/connect/v0"));
        assertThat(fromEnv.stream().toString(), containsString("token"));
        assertThat(fromEnv.capacity(), is(HandlerSettings.DEFAULT_CAPACITY));
        HandlerSettings fromProperties = HandlerSettings.from(
                Map.of("path", "/acme/logs", "connectUrl", "http://10.0.0.1:8080/connect/v0", "capacity", "5")::get, env);
        assertThat(fromProperties.stream().connectUrl(), is("http://10.0.0.1:8080/connect/v0"));
        assertThat(fromProperties.capacity(), is(5));

        IllegalArgumentException noPath = assertThrows(IllegalArgumentException.class,
                () -> HandlerSettings.from(Map.<String, String>of()::get, env));
        assertThat(noPath.getMessage(), is("dev.okapi.client.logging.ZebraStreamHandler.path is required, "
                + "e.g. dev.okapi.client.logging.ZebraStreamHandler.path = /team/app/logs"));
        IllegalArgumentException badCapacity = assertThrows(IllegalArgumentException.class,
                () -> HandlerSettings.from(Map.of("path", "/a", "capacity", "lots")::get, env));
        assertThat(badCapacity.getMessage(), containsString("capacity must be a whole number of records, not 'lots'"));
        IllegalArgumentException badPath = assertThrows(IllegalArgumentException.class,
                () -> HandlerSettings.from(Map.of("path", "/Upper")::get, env));
        assertThat(badPath.getMessage(), containsString("ZebraStreamHandler: not a stream path: '/Upper'"));
    }

    /** {@link LogToStreamDemo} in a JVM of its own, configured by {@code properties} alone. */
    private static ProcessBuilder demoApplication(Path properties) {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Djava.util.logging.config.file=" + properties,
                LogToStreamDemo.class.getName());
    }

    /** A wrong logging.properties costs one line on stderr, not the application's start. */
    @Test
    void missingPathIsOneLineAndTheApplicationRuns(@TempDir Path dir) throws Exception {
        Path properties = dir.resolve("logging.properties");
        Files.writeString(properties, "handlers = dev.okapi.client.logging.ZebraStreamHandler\n");
        Process application = demoApplication(properties).start();
        try {
            try (OutputStream stdin = application.getOutputStream()) {
                stdin.write("logged nowhere\n".getBytes(StandardCharsets.UTF_8));
            }
            String err = new String(application.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(application.waitFor(60, TimeUnit.SECONDS), is(true));
            assertThat(err, application.exitValue(), is(0));
            assertThat(err, err.strip(), is("java.util.logging.ErrorManager: 4: dev.okapi.client.logging.ZebraStreamHandler"
                    + ".path is required, e.g. dev.okapi.client.logging.ZebraStreamHandler.path = /team/app/logs"));
        } finally {
            application.destroyForcibly();
        }
    }

    /**
     * The talk's demo: an application that knows nothing of ZebraStream, two lines of
     * {@code logging.properties}, the Connect URL from the environment; its log reaches a reader.
     */
    @Test
    void twoLinesOfLoggingPropertiesStreamAnApplicationsLog(@TempDir Path dir) throws Exception {
        String path = TestRelay.freshPath("log-demo");
        Path properties = dir.resolve("logging.properties");
        Files.writeString(properties, "handlers = dev.okapi.client.logging.ZebraStreamHandler\n"
                + "dev.okapi.client.logging.ZebraStreamHandler.path = " + path + "\n");
        ProcessBuilder builder = demoApplication(properties).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put(ZebraStream.ENV_CONNECT_URL, relay.connectUrl());
        Process application = builder.start();
        try {
            BlockingQueue<String> lines = attachReader(path, new CopyOnWriteArrayList<>());
            OutputStream stdin = application.getOutputStream();
            stdin.write("hello from the application\n".getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            String line;
            do {
                line = next(lines);
            } while (!line.contains("hello") && !line.startsWith("<"));
            assertThat(line, is("INFO: hello from the application"));
            stdin.close(); // the application ends only now, with its reader attached
            assertThat(application.waitFor(60, TimeUnit.SECONDS), is(true));
            assertThat(application.exitValue(), is(0));
            assertThat(next(lines), is("<clean end>")); // the JVM's shutdown closed the handler, which ended the stream
        } finally {
            application.destroyForcibly();
        }
    }
}
