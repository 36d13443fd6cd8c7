package dev.spawnring.internal.process;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The parent's end of a child's stdin pipe: each write is copied into a
 * spawnring-owned buffer and written by io_uring WRITEs the loop thread submits;
 * the writing thread waits for them. Writes are serialized.
 *
 * <p>When the child exits and no write is under way, the fd and buffer are given back at
 * once ({@link #childExited}), as the JDK does for its process streams; later writes fail
 * saying the child has exited.
 */
final class PipeOutput extends OutputStream {
    private static final int CAPACITY = 64 * 1024;

    private final EventLoop loop;
    private final String name;
    /** The fd, and the buffer from the first write on (guarded by lock). */
    private final Resources.PipeEnd end;
    /** Closes the fd and frees the buffer, once: on close(), or when the stream is dropped unclosed. */
    private final java.lang.ref.Cleaner.Cleanable release;
    /** Serializes writes; the loop thread only ever tries it. */
    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    private boolean closed;
    /**
     * The child has exited: writes fail from then on. Written before the lock is tried (a write
     * under way keeps the fd until it ends); read without it (volatile: acquire).
     */
    private volatile boolean exited;

    PipeOutput(EventLoop loop, String name, int fd) {
        this.loop = loop;
        this.name = name;
        this.end = new Resources.PipeEnd(fd, CAPACITY);
        this.release = Resources.register(this, end);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        lock.lock();
        try {
            writeLocked(b, off, len);
        } finally {
            lock.unlock();
        }
    }

    private void writeLocked(byte[] b, int off, int len) throws IOException {
        if (exited) {
            throw new IOException("write " + name + ": the child has exited, its stdin is closed");
        }
        if (closed) {
            throw new IOException("Stream closed");
        }
        if (len == 0) {
            return; // nothing to write: no buffer made for it
        }
        MemorySegment buf = end.buffer();
        while (len > 0) {
            int n = Math.min(len, CAPACITY);
            MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, n);
            int done = 0;
            while (done < n) {
                int res = writeOnce(buf, done, n - done);
                if (res < 0) {
                    throw loop.error("write " + name, res);
                }
                done += res;
            }
            off += n;
            len -= n;
        }
    }

    /** One WRITE through the ring; an interrupt cancels it and waits until the buffer is free again. */
    private int writeOnce(MemorySegment buf, int from, int count) throws IOException {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        long[] userData = new long[1];
        try {
            loop.execute(() -> {
                userData[0] = loop.register(cqe -> result.complete(cqe.res()));
                loop.sqe().prepWrite(end.fd, buf.asSlice(from), count, -1).userData(userData[0]);
            });
        } catch (IllegalStateException gone) {
            throw new IOException(name + ": " + gone.getMessage());
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            try {
                loop.execute(() -> loop.sqe().prepCancel(userData[0], 0).userData(loop.register(c -> { })));
            } catch (IllegalStateException ended) {
                // The ending loop cancels every request in flight and completes it.
            }
            result.join();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing " + name);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    /** @return whether the child has exited, so writes fail (for JdkProcess's messages) */
    boolean closedAtExit() {
        return exited;
    }

    /**
     * The loop thread or the one that reaped the child: the child has exited. Writes fail from
     * now on; unless a write is under way, the fd and buffer go now.
     */
    void childExited() {
        exited = true; // volatile write: release
        if (!lock.tryLock()) {
            return;
        }
        try {
            if (!closed) {
                closed = true;
                release.clean();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            release.clean();
        } finally {
            lock.unlock();
        }
    }
}
