package dev.spawnring;

import dev.spawnring.internal.process.Memfd;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * What a child wrote to a {@link Stdio#memfd()}: an anonymous file in memory, read from its
 * start as often as wanted ({@link Child#stdoutMemfd()}, {@link Child#stderrMemfd()}).
 * Reading does not move the offset the child writes at, so it may be read while the child
 * still runs (what it wrote so far). The memory is given back when this is closed, or
 * collected unclosed.
 *
 * <pre>{@code
 * Child c = spawner.spawn(Command.of("make").stdout(Stdio.memfd()).stderr(Stdio.memfd()));
 * c.waitFor();
 * try (MemfdOutput out = c.stdoutMemfd()) {
 *     System.out.println(out.size() + " bytes");
 *     out.transferTo(System.out);
 * }
 * }</pre>
 *
 * <p>Safe for use by several threads; {@link #close()} waits for reads under way.
 */
public final class MemfdOutput implements AutoCloseable {
    private final Memfd memfd;

    MemfdOutput(Memfd memfd) {
        this.memfd = memfd;
    }

    /**
     * Returns the file's size now: what the child has written so far.
     *
     * @return the size in bytes
     * @throws IOException when it is closed
     */
    public long size() throws IOException {
        return memfd.size();
    }

    /**
     * Opens a stream of the file from its start. Each stream reads on its own, without moving
     * the offset the child writes at; it ends at the file's end as it is when reached.
     *
     * @return a new stream
     */
    public InputStream newInputStream() {
        return memfd.newInputStream();
    }

    /**
     * Copies the whole file, from its start, to {@code out}.
     *
     * @param out where the bytes go
     * @return how many bytes were copied
     * @throws IOException when it is closed, or {@code out} fails
     */
    public long transferTo(OutputStream out) throws IOException {
        return memfd.transferTo(out);
    }

    /**
     * Reads the whole file, from its start, into an array.
     *
     * @return every byte of the file
     * @throws IOException when it is closed, or holds more than a byte array can (use
     *                     {@link #transferTo} then)
     */
    public byte[] readAllBytes() throws IOException {
        long size = size();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException(memfd + " holds " + size + " bytes: too many for one array, use transferTo");
        }
        return memfd.readAllBytes(Integer.MAX_VALUE - 8);
    }

    /** Gives the file's memory back (once the child's own copy of its fd is closed too). Idempotent. */
    @Override
    public void close() {
        memfd.close();
    }

    @Override
    public String toString() {
        return memfd.toString();
    }
}
