package dev.spawnring.cli.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The progress line {@code spawnring run} keeps at the bottom of a terminal:
 *
 * <pre>
 * [##########          ]  50% 500/1000 jobs, 4 running, 0 failed, 812 jobs/s, ETA 0:01
 * </pre>
 *
 * Without a known total (stdin not read to its end yet) it shows the count and the rate.
 * It is drawn with a carriage return and erase-to-end-of-line, fitted to {@code $COLUMNS}
 * (80 when unset), and {@link Printer} erases it before any output and draws it again after.
 */
final class ProgressBar {
    /** A snapshot of the run for one drawing. */
    record Snapshot(long done, long running, long failed, long total) {
    }

    /** Where the snapshots come from. */
    interface Source {
        Snapshot snapshot();
    }

    private final Source source;
    private final int columns = columns(System.getenv("COLUMNS"));
    private final long startNanos = System.nanoTime();
    private String last = "";

    ProgressBar(Source source) {
        this.source = source;
    }

    /**
     * Whether this JVM's {@code fd} (0, 1 or 2) is a terminal: whether {@code /proc/self/fd/N}
     * names a terminal device. ({@code Console.isTerminal()} answers for stdin and stdout
     * together; the bar goes to stderr, and a run often reads its inputs from a pipe.)
     */
    static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** @return the width {@code $COLUMNS} gives, 80 when it is unset or not a positive number */
    static int columns(String columns) {
        try {
            int n = columns == null ? 0 : Integer.parseInt(columns.trim());
            return n > 0 ? n : 80;
        } catch (NumberFormatException e) {
            return 80;
        }
    }

    /** @return the line to draw now (without the control characters) */
    String render() {
        Snapshot s = source.snapshot();
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        double rate = elapsed > 0 ? s.done() / elapsed : 0;
        StringBuilder sb = new StringBuilder();
        if (s.total() >= 0) {
            double fraction = s.total() == 0 ? 1 : (double) s.done() / s.total();
            int filled = (int) Math.floor(fraction * 20);
            sb.append('[').append("#".repeat(filled)).append(" ".repeat(20 - filled)).append("] ");
            sb.append(String.format(Locale.ROOT, "%3d%% %d/%d jobs", (int) Math.floor(fraction * 100), s.done(),
                    s.total()));
        } else {
            sb.append(s.done()).append(" jobs done");
        }
        sb.append(", ").append(s.running()).append(" running, ").append(s.failed()).append(" failed");
        sb.append(String.format(Locale.ROOT, ", %.0f jobs/s", rate));
        if (s.total() >= 0) {
            sb.append(", ETA ");
            long left = s.total() - s.done();
            if (left == 0) {
                sb.append("0:00");
            } else if (s.done() == 0) {
                sb.append('?');
            } else {
                sb.append(clock(Math.round(left / rate)));
            }
        }
        return sb.toString();
    }

    private static String clock(long seconds) {
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long sec = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec)
                : String.format(Locale.ROOT, "%d:%02d", m, sec);
    }

    /** @return the bytes that draw the bar over the current line */
    byte[] draw() {
        String line = render();
        int width = columns - 1;
        if (line.length() > width && width > 0) {
            line = line.substring(0, width);
        }
        last = line;
        return ("\r" + line + "\033[K").getBytes(StandardCharsets.UTF_8);
    }

    /** @return the bytes that erase the bar, so output can take its line */
    byte[] erase() {
        return last.isEmpty() ? new byte[0] : "\r\033[K".getBytes(StandardCharsets.UTF_8);
    }
}
