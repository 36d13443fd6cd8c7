package dev.spawnring.cli.run;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * {@code --joblog FILE}: one line per job in GNU parallel's tab-separated format, written
 * (and flushed) as each job ends. A name starting with {@code +} appends to the file.
 *
 * <pre>
 * Seq  Host  Starttime       JobRuntime  Send  Receive  Exitval  Signal  Command
 * 1    :     1718000000.123       0.004  0     6        0        0       echo hello
 * </pre>
 *
 * Starttime is seconds since the epoch and JobRuntime seconds, both with 3 decimals; Receive
 * the bytes the job wrote to stdout; Exitval is -1 for a job killed by its timeout.
 */
final class JobLog implements Closeable {
    /** The header line, without its newline. */
    public static final String HEADER = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand";

    private final BufferedWriter out;

    private JobLog(BufferedWriter out) {
        this.out = out;
    }

    /**
     * Opens the log: {@code name} is truncated and gets the header, or with a leading
     * {@code +} is appended to (the header only when it is new or empty).
     */
    public static JobLog open(String name) throws IOException {
        boolean append = name.startsWith("+");
        Path path = Path.of(append ? name.substring(1) : name);
        boolean header = !append || !Files.exists(path) || Files.size(path) == 0;
        BufferedWriter w = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        if (header) {
            w.write(HEADER);
            w.write('\n');
            w.flush();
        }
        return new JobLog(w);
    }

    /**
     * Writes one job's line.
     *
     * @param startMillis when it started, milliseconds since the epoch
     * @param runtimeNanos how long it ran
     */
    public synchronized void write(long seq, long startMillis, long runtimeNanos, long received, int exitval,
            int signal, String command) {
        try {
            out.write(String.format(Locale.ROOT, "%d\t:\t%d.%03d\t%10.3f\t0\t%d\t%d\t%d\t%s\n", seq,
                    startMillis / 1000, startMillis % 1000, runtimeNanos / 1e9, received, exitval, signal, command));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
