package dev.spawnring;

import dev.spawnring.sys.Errno;
import dev.spawnring.sys.NativeMemory;
import dev.spawnring.uring.Cqe;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The parent's end of a child's stdout or stderr pipe. Each refill is an io_uring
 * READ into a spawnring-owned 64 KiB buffer, submitted and completed by the loop
 * thread; the reading thread only waits. No thread per stream.
 */
final class PipeInput extends InputStream {
    static final int CAPACITY = 64 * 1024;

    private final EventLoop loop;
    private final String name;
    private final int fd;
    private final MemorySegment buf;
    /** Closes the fd and frees the buffer, once: on close(), or when the stream is dropped unclosed. */
    private final java.lang.ref.Cleaner.Cleanable release;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    // Guarded by lock.
    private int pos;
    private int limit;
    private boolean eof;
    private boolean pending;
    private boolean closed;
    private boolean released;
    private IOException error;
    private long readUserData;

    PipeInput(EventLoop loop, String name, int fd) {
        this.loop = loop;
        this.name = name;
        this.fd = fd;
        this.buf = NativeMemory.calloc(CAPACITY);
        this.release = Resources.register(this, loop, fd, buf);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw new IOException("Stream closed");
                }
                if (pos < limit) {
                    int n = Math.min(len, limit - pos);
                    MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, pos, b, off, n);
                    pos += n;
                    return n;
                }
                if (eof) {
                    return -1;
                }
                if (error != null) {
                    throw error;
                }
                if (!pending) {
                    pending = true;
                    try {
                        loop.execute(this::submitRead);
                    } catch (IllegalStateException gone) {
                        pending = false;
                        throw new IOException(name + ": " + gone.getMessage());
                    }
                }
                ready.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading " + name);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int available() {
        lock.lock();
        try {
            return closed ? 0 : limit - pos;
        } finally {
            lock.unlock();
        }
    }

    /** Loop thread: one READ into the buffer, which no reader is copying from (it is empty). */
    private void submitRead() {
        lock.lock();
        try {
            if (closed) {
                pending = false;
                releaseNow();
                return;
            }
            readUserData = loop.register(this::onRead);
            loop.sqe().prepRead(fd, buf, CAPACITY, -1).userData(readUserData);
        } finally {
            lock.unlock();
        }
    }

    private void onRead(Cqe cqe) {
        lock.lock();
        try {
            pending = false;
            int res = cqe.res();
            if (closed) {
                releaseNow();
            } else if (res > 0) {
                pos = 0;
                limit = res;
            } else if (res == 0) {
                eof = true;
            } else if (res == -Errno.EINTR || res == -Errno.EAGAIN) {
                pending = true;
                submitRead();
            } else {
                error = new IOException("read " + name + ": " + Errno.describe(-res));
            }
            ready.signalAll();
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
            ready.signalAll();
            if (pending) {
                // A READ is (about to be) in flight: its completion gives the fd and buffer back.
                long target = readUserData;
                try {
                    loop.execute(() -> loop.sqe().prepCancel(target, 0).userData(loop.register(c -> { })));
                } catch (IllegalStateException ended) {
                    // The ending loop cancels every request in flight and completes it.
                }
            } else {
                try {
                    loop.execute(this::releaseUnderLock);
                } catch (IllegalStateException ended) {
                    releaseNow();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void releaseUnderLock() {
        lock.lock();
        try {
            releaseNow();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the fd and frees the buffer, once; no READ may be in flight. Caller holds the lock. */
    private void releaseNow() {
        if (!released) {
            released = true;
            release.clean();
        }
    }
}
