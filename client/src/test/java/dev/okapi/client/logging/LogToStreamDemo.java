package dev.okapi.client.logging;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.logging.Logger;

/**
 * An application that knows nothing of ZebraStream: it logs every line of its standard input and
 * exits at its end. {@link ZebraStreamHandlerTest} runs it with a two-line {@code logging.properties}.
 */
public final class LogToStreamDemo {

    private static final Logger LOG = Logger.getLogger(LogToStreamDemo.class.getName());

    private LogToStreamDemo() {
    }

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            LOG.info(line);
        }
    }
}
