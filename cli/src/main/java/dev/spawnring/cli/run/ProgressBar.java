package dev.spawnring.cli.run;

import dev.spawnring.internal.sys.Sys;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * It is drawn with a carriage return and erase-to-end-of-line, fitted to the terminal's width,
 * and {@link Printer} erases it before any output and draws it again after.
 */
final class ProgressBar {
    /** A snapshot of the run for one drawing. */
    record Snapshot(long done, long running, long failed, long total) {
    }

    /** Where the snapshots come from. */
    interface Source {
        Snapshot snapshot();
    }

    private static final long SYS_IOCTL = 16;
    private static final long TCGETS = 0x5401;
    private static final long TIOCGWINSZ = 0x5413;

    private final Source source;
    private final int fd;
    private final long startNanos = System.nanoTime();
    private String last = "";

    ProgressBar(Source source, int fd) {
        this.source = source;
        this.fd = fd;
    }

    /**
     * Whether {@code fd} is a terminal: {@code isatty}, that is {@code ioctl(TCGETS)}, and if
     * that cannot be asked, whether {@code /proc/self/fd/N} names a tty device.
     */
    static boolean isTerminal(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment termios = arena.allocate(64);
            return Sys.syscall(SYS_IOCTL, fd, TCGETS, termios.address()) == 0;
        } catch (RuntimeException | LinkageError e) {
            try {
                String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (Exception notALink) {
                return false;
            }
        }
    }

    /** @return the terminal's width in columns, 80 when it cannot be told */
    static int columns(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment winsize = arena.allocate(8);
            if (Sys.syscall(SYS_IOCTL, fd, TIOCGWINSZ, winsize.address()) == 0) {
                int cols = Short.toUnsignedInt(winsize.get(ValueLayout.JAVA_SHORT, 2));
                if (cols > 0) {
                    return cols;
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // fall through
        }
        return 80;
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
        int width = columns(fd) - 1;
        if (line.length() > width && width > 0) {
            line = line.substring(0, width);
        }
        last = line;
        return ("\r" + line + "\033[K").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** @return the bytes that erase the bar, so output can take its line */
    byte[] erase() {
        return last.isEmpty() ? new byte[0] : "\r\033[K".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
