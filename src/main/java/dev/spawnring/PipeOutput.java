package dev.spawnring;

import dev.spawnring.sys.Errno;
import dev.spawnring.sys.NativeMemory;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The parent's end of a child's stdin pipe: each write is copied into a
 * spawnring-owned buffer and written by io_uring WRITEs the loop thread submits;
 * the writing thread waits for them. Writes are serialized.
 */
final class PipeOutput extends OutputStream {
    private static final int CAPACITY = 64 * 1024;

    private final EventLoop loop;
    private final String name;
    private final int fd;
    private final MemorySegment buf;
    /** Closes the fd and frees the buffer, once: on close(), or when the stream is dropped unclosed. */
    private final java.lang.ref.Cleaner.Cleanable release;
    private boolean closed;

    PipeOutput(EventLoop loop, String name, int fd) {
        this.loop = loop;
        this.name = name;
        this.fd = fd;
        this.buf = NativeMemory.calloc(CAPACITY);
        this.release = Resources.register(this, loop, fd, buf);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("Stream closed");
        }
        while (len > 0) {
            int n = Math.min(len, CAPACITY);
            MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, n);
            int done = 0;
            while (done < n) {
                int res = writeOnce(done, n - done);
                if (res < 0) {
                    throw new IOException("write " + name + ": " + Errno.describe(-res));
                }
                done += res;
            }
            off += n;
            len -= n;
        }
    }

    /** One WRITE through the ring; an interrupt cancels it and waits until the buffer is free again. */
    private int writeOnce(int from, int count) throws IOException {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        long[] userData = new long[1];
        try {
            loop.execute(() -> {
                userData[0] = loop.register(cqe -> result.complete(cqe.res()));
                loop.sqe().prepWrite(fd, buf.asSlice(from), count, -1).userData(userData[0]);
            });
        } catch (IllegalStateException gone) {
            throw new IOException(name + ": " + gone.getMessage());
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            loop.execute(() -> loop.sqe().prepCancel(userData[0], 0).userData(loop.register(c -> { })));
            result.join();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing " + name);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        release.clean();
    }
}
