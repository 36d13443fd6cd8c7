package dev.spawnring.cli.run;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
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
 * the bytes the job wrote to stdout; Exitval is -1 for a job killed by its timeout. Command is
 * the job's command line, its bytes as they are but for a newline, written as a NUL byte (as GNU
 * parallel writes it), so that each job is one line.
 */
final class JobLog implements Closeable {
    /** The header line, without its newline. */
    public static final String HEADER = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand";

    private final OutputStream out;

    private JobLog(OutputStream out) {
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
        OutputStream w = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING));
        if (header) {
            w.write((HEADER + "\n").getBytes(StandardCharsets.US_ASCII));
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
    public void write(long seq, long startMillis, long runtimeNanos, long received, int exitval,
            int signal, byte[] command) {
        write(seq, ":", startMillis, runtimeNanos, 0, received, exitval, signal, command);
    }

    /**
     * Writes one job's line, with its host ({@code :} for this machine) and the bytes sent to it
     * (files sent with {@code --transferfile}, its stdin block with {@code --pipe}).
     *
     * @param host         the Host column: {@code :}, or the {@code -S} login as GNU parallel names it
     * @param startMillis  when it started, milliseconds since the epoch
     * @param runtimeNanos how long it ran
     * @param sent         the Send column
     */
    public synchronized void write(long seq, String host, long startMillis, long runtimeNanos, long sent, long received,
            int exitval, int signal, byte[] command) {
        try {
            out.write(String.format(Locale.ROOT, "%d\t%s\t%d.%03d\t%10.3f\t%d\t%d\t%d\t%d\t", seq, host,
                    startMillis / 1000, startMillis % 1000, runtimeNanos / 1e9, sent, received, exitval, signal)
                    .getBytes(StandardCharsets.UTF_8));
            for (byte b : command) { // one line per job, as GNU parallel: a newline in the command is a NUL
                out.write(b == '\n' ? 0 : b);
            }
            out.write('\n');
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
