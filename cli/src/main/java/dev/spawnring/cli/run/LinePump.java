package dev.spawnring.cli.run;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/** {@code --line-buffer}: copies whole lines of one job's pipe to the run's stdout or stderr as they come. */
final class LinePump {
    private LinePump() {
    }

    /**
     * Starts a virtual thread that reads {@code in}, job {@code seq}'s pipe, to its end.
     *
     * @return a future of the bytes read, completed when the pipe ends (or breaks)
     */
    static CompletableFuture<Long> start(long seq, InputStream in, boolean toStderr, Printer printer) {
        return start(seq, in, toStderr, printer, null, false);
    }

    /**
     * {@link #start(long, InputStream, boolean, Printer)}, each line after {@code prefix}
     * ({@code --tag}; null: none); with {@code raw} ({@code -u}) what is read is printed at once,
     * whole lines or not.
     */
    static CompletableFuture<Long> start(long seq, InputStream in, boolean toStderr, Printer printer, byte[] prefix,
            boolean raw) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        Thread.ofVirtual().name("spawnring-run-lines").start(() -> {
            long total = 0;
            byte[] buf = new byte[16 * 1024];
            int held = 0;
            try (in) {
                while (true) {
                    if (held == buf.length) {
                        if (buf.length >= 1 << 20) {
                            printer.lines(seq, toStderr, buf, 0, held, prefix); // a very long line: let it out
                            held = 0;
                        } else {
                            buf = Arrays.copyOf(buf, buf.length * 2);
                        }
                    }
                    int n = in.read(buf, held, buf.length - held);
                    if (n < 0) {
                        break;
                    }
                    total += n;
                    int lastNewline = raw ? held + n - 1 : -1;
                    for (int i = held + n - 1; i >= held && !raw; i--) {
                        if (buf[i] == '\n') {
                            lastNewline = i;
                            break;
                        }
                    }
                    held += n;
                    if (lastNewline >= 0) {
                        printer.lines(seq, toStderr, buf, 0, lastNewline + 1, prefix);
                        System.arraycopy(buf, lastNewline + 1, buf, 0, held - lastNewline - 1);
                        held -= lastNewline + 1;
                    }
                }
            } catch (IOException e) {
                // The pipe broke: what was read is printed below.
            } finally {
                if (held > 0) {
                    printer.lines(seq, toStderr, buf, 0, held, prefix);
                }
                f.complete(total);
            }
        });
        return f;
    }
}
