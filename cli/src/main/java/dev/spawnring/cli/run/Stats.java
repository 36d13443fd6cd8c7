package dev.spawnring.cli.run;

import dev.spawnring.ExitStatus;
import dev.spawnring.TreeUsage;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code --stats FILE}: what each job's whole process tree used, where GNU parallel's joblog has
 * no column for it: one tab-separated line per job, written (and flushed) as it ends.
 *
 * <pre>
 * Seq  Exitval  Signal  UserCPU  SystemCPU  MemoryPeak  PidsPeak  Command
 * 1    0        0       0.201    0.004      -           -         burn 200
 * </pre>
 *
 * CPU times are seconds with 3 decimals, from the job's cgroup ({@code cpu.stat}); the peaks
 * ({@code memory.peak} in bytes, {@code pids.peak}) where those controllers are enabled. A
 * column that is not known (no cgroup: {@code --no-tree}, or none could be made) is {@code -}.
 */
final class Stats implements Closeable {
    /** The header line, without its newline. */
    static final String HEADER = "Seq\tExitval\tSignal\tUserCPU\tSystemCPU\tMemoryPeak\tPidsPeak\tCommand";

    private final OutputStream out;

    private Stats(OutputStream out) {
        this.out = out;
    }

    /** Creates (or truncates) {@code name} and writes the header. */
    static Stats open(String name) throws IOException {
        OutputStream w = new BufferedOutputStream(Files.newOutputStream(Path.of(name)));
        w.write((HEADER + "\n").getBytes(StandardCharsets.US_ASCII));
        w.flush();
        return new Stats(w);
    }

    /** Writes one job's line. */
    synchronized void write(long seq, int exitval, int signal, ExitStatus status, byte[] command) {
        TreeUsage u = status.usage();
        try {
            out.write(String.format(Locale.ROOT, "%d\t%d\t%d\t%s\t%s\t%s\t%s\t", seq, exitval, signal,
                    u == null ? "-" : seconds(u.userCpu()), u == null ? "-" : seconds(u.systemCpu()),
                    u == null || u.memoryPeak() < 0 ? "-" : Long.toString(u.memoryPeak()),
                    u == null || u.pidsPeak() < 0 ? "-" : Long.toString(u.pidsPeak()))
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(command);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String seconds(Duration d) {
        return d == null ? "-" : String.format(Locale.ROOT, "%.3f", d.toNanos() / 1e9);
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
