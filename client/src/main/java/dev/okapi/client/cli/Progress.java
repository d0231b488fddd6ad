package dev.okapi.client.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The progress line on standard error: bytes, rate and elapsed time, redrawn twice a second on a
 * timer (not per write, so a stalled stream still shows its clock) and ended with a newline.
 * Disabled, it is only a byte counter.
 */
final class Progress implements AutoCloseable {

    private final PrintStream err;
    private final String label;
    private final AtomicLong bytes = new AtomicLong();
    private final long start = System.nanoTime();
    private final ScheduledExecutorService timer;

    private Progress(PrintStream err, String label, boolean shown) {
        this.err = err;
        this.label = label;
        if (shown) {
            timer = Executors.newSingleThreadScheduledExecutor(task -> Commands.daemon(task, "zebrastream-progress"));
            timer.scheduleAtFixedRate(this::draw, 500, 500, TimeUnit.MILLISECONDS);
        } else {
            timer = null;
        }
    }

    static Progress start(PrintStream err, String label, boolean shown) {
        return new Progress(err, label, shown);
    }

    void add(long n) {
        bytes.addAndGet(n);
    }

    long bytes() {
        return bytes.get();
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
            draw();
            err.print('\n');
            err.flush();
        }
    }

    private synchronized void draw() {
        double seconds = Math.max((System.nanoTime() - start) / 1e9, 1e-3);
        long n = bytes.get();
        long s = (long) seconds;
        err.print(String.format(Locale.ROOT, "\r%s: %s, %s/s, %d:%02d:%02d   ", label, size(n), size((long) (n / seconds)),
                s / 3600, (s / 60) % 60, s % 60));
        err.flush();
    }

    static String size(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
