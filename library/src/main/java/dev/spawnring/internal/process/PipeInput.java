package dev.spawnring.internal.process;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.internal.sys.SysException;
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
 * The parent's end of a child's stdout or stderr pipe. When the pipe is empty, a platform
 * thread waits for it itself ({@link FdWait}: a poll of the pipe that an interrupt or a
 * {@link #close} ends), then reads what it holds: the kernel wakes the reader at once, where
 * it would have woken the loop first, as for a child's exit ({@link ChildState}). On a virtual
 * thread (which must not block its carrier in {@code poll}) the refill is an io_uring READ into
 * a spawnring-owned 64 KiB buffer, submitted and completed by the loop thread, while the
 * reading thread waits. No thread per stream.
 *
 * <p>Bulk reads skip the buffer and the loop: a {@code read(byte[])} of at least
 * {@value #DIRECT_MIN} bytes, with nothing buffered and no READ in flight, asks the
 * pipe how much it holds ({@code FIONREAD}) and, if anything, reads that much straight
 * into the caller's array (one copy, kernel to array, and no thread hand-off). Once a
 * read comes back full, the pipe is grown to {@value #BULK_PIPE_SIZE} bytes
 * ({@code F_SETPIPE_SZ}, best effort), so a fast writer is woken less often; pipes
 * that carry little keep the kernel's default size and its per-user budget.
 *
 * <p>When the child exits and no reader is at work, what the pipe still holds is copied to
 * the heap and the fd and buffer are given back at once ({@link #childExited}), as the JDK
 * does for its process streams: a caller that never reads a finished child's output does not
 * hold its pipe until the stream is collected. Reads then serve the copy, then end of file;
 * what a grandchild writes into the pipe after that is not seen.
 */
final class PipeInput extends InputStream {
    static final int CAPACITY = 64 * 1024;
    /** The smallest read that goes straight from the pipe into the caller's array. */
    static final int DIRECT_MIN = 4096;
    /** What a pipe that carries bulk output is grown to. */
    static final int BULK_PIPE_SIZE = 1 << 20;

    private final EventLoop loop;
    private final String name;
    /** The fd, and the buffer once a small read or a READ needs one (guarded by lock). */
    private final Resources.PipeEnd end;
    /** Closes the fd and frees the buffer, once: on close(), or when the stream is dropped unclosed. */
    private final java.lang.ref.Cleaner.Cleanable release;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    // Guarded by lock.
    private int pos;
    private int limit;
    private boolean eof;
    private boolean pending;
    /** The platform thread's wait on the pipe, while one waits (without the lock), else null. */
    private FdWait polling;
    private boolean closed;
    private boolean released;
    private IOException error;
    private long readUserData;
    private boolean grown;
    /** What the pipe held when the child exited and the fd was given back; then end of file. */
    private byte[] rest;
    private int restPos;

    PipeInput(EventLoop loop, String name, int fd) {
        this.loop = loop;
        this.name = name;
        this.end = new Resources.PipeEnd(fd, CAPACITY);
        this.release = Resources.register(this, end);
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
                if (rest != null) {
                    if (restPos == rest.length) {
                        return -1;
                    }
                    int n = Math.min(len, rest.length - restPos);
                    System.arraycopy(rest, restPos, b, off, n);
                    restPos += n;
                    return n;
                }
                if (pos < limit) {
                    int n = Math.min(len, limit - pos);
                    MemorySegment.copy(end.buffer(), ValueLayout.JAVA_BYTE, pos, b, off, n);
                    pos += n;
                    return n;
                }
                if (eof) {
                    return -1;
                }
                if (error != null) {
                    throw error;
                }
                if (pending || polling != null) {
                    ready.await(); // another reader is at it: this one takes what it leaves
                    continue;
                }
                if (len >= DIRECT_MIN) {
                    int n = readDirect(b, off, len);
                    if (n > 0) {
                        return n;
                    }
                    if (n < 0) {
                        eof = true; // every writer is gone and the pipe is empty: no READ needed to say so
                        return -1;
                    }
                } else if (fillNow()) {
                    continue;
                }
                if (error != null) {
                    continue; // an error the pipe gave: the next turn throws it
                }
                if (!Thread.currentThread().isVirtual()) {
                    awaitReadable();
                    continue;
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

    /**
     * Reads what the pipe holds now straight into {@code b}, without blocking; 0 when it holds
     * nothing (or on an error, which {@link #error} then holds); -1 at its end (empty, and
     * {@code poll} says every writer is gone: the child and whoever it passed the pipe to have
     * exited or closed it), which spares a hand-off to the loop for a READ that would return 0
     * at once. Caller holds the lock, nothing is buffered and no READ is in flight, so the bytes
     * come in order.
     */
    private int readDirect(byte[] b, int off, int len) {
        int avail = availableNow();
        if (avail <= 0) {
            return avail;
        }
        long n = Sys.readNow(end.fd, b, off, Math.min(len, avail));
        if (n < 0) {
            error = new SysException("read " + name, (int) -n);
        }
        if (n <= 0) {
            return 0;
        }
        if (!grown && n >= CAPACITY) {
            grown = true;
            Sys.fcntl(end.fd, Linux.F_SETPIPE_SZ, BULK_PIPE_SIZE); // best effort: the pipe works as it is
        }
        return (int) n;
    }

    /**
     * Fills the empty buffer with what the pipe holds now, without blocking; or finds its end.
     * Caller holds the lock, and no READ is in flight.
     *
     * @return whether there is something to return now: bytes buffered, the end of file, or an
     *         error (in {@link #error})
     */
    private boolean fillNow() {
        int avail = availableNow();
        if (avail < 0) {
            eof = true;
            return true;
        }
        if (avail == 0) {
            return error != null;
        }
        long n = Sys.read(end.fd, end.buffer(), Math.min(avail, CAPACITY)); // never blocks: the pipe holds that much
        if (n < 0) {
            error = new SysException("read " + name, (int) -n);
        }
        if (n <= 0) {
            return n < 0;
        }
        pos = 0;
        limit = (int) n;
        return true;
    }

    /**
     * A platform thread waits, without the lock, until the pipe is readable or hung up, or the
     * stream is closed (which ends the wait). The fd stays open meanwhile: {@link #close} and
     * {@link #childExited} leave it to this thread, which gives it back on its way out if the
     * stream was closed. Caller holds the lock; nothing is buffered and no READ is in flight.
     */
    private void awaitReadable() throws InterruptedException {
        FdWait wait = FdWait.open(end.fd, "pipe fd", name);
        polling = wait;
        lock.unlock();
        try {
            wait.await(Long.MAX_VALUE);
        } finally {
            lock.lock();
            polling = null;
            wait.release();
            if (closed) {
                releaseNow();
            }
            ready.signalAll(); // readers that waited for this one look again
        }
    }

    /**
     * What the pipe holds now, without blocking ({@code FIONREAD}). Caller holds the lock.
     *
     * @return the bytes it holds; -1 at its end (empty, and no writer left); 0 when it is empty
     *         with a writer left, or when {@code FIONREAD} failed ({@link #error} then says so)
     */
    private int availableNow() {
        int avail = Sys.bytesAvailable(end.fd);
        if (avail < 0) {
            error = new SysException("FIONREAD of " + name, -avail);
            return 0;
        }
        return avail == 0 && hungUp() ? -1 : avail;
    }

    /** Whether the pipe has no writer left, from a {@code poll} that does not wait. */
    private boolean hungUp() {
        int revents = Sys.pollNow(end.fd, Linux.POLLIN);
        return revents > 0 && (revents & Linux.POLLHUP) != 0 && (revents & Linux.POLLIN) == 0;
    }

    /**
     * What can be read without blocking, as {@code FileInputStream.available()} says for a pipe:
     * what is buffered here plus what the pipe holds now ({@code FIONREAD}); after the child's
     * exit, what was kept of the pipe.
     *
     * @throws IOException {@code "Stream closed"} once the stream is closed
     */
    @Override
    public int available() throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new IOException("Stream closed");
            }
            if (rest != null) {
                return rest.length - restPos;
            }
            int buffered = limit - pos;
            if (eof || released || error != null) {
                return buffered;
            }
            int inPipe = Sys.bytesAvailable(end.fd); // the fd is ours until released
            return inPipe > 0 ? buffered + inPipe : buffered;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The loop thread or the one that reaped the child: the child has exited. Unless a reader is
     * at work (it holds the lock, or waits for the pipe or for a READ in flight) or the stream is
     * done with, what is buffered and what the pipe holds
     * now are copied to the heap, and the fd and buffer are given back.
     */
    void childExited() {
        if (!lock.tryLock()) {
            return;
        }
        try {
            if (closed || released || pending || polling != null || error != null) {
                return;
            }
            int buffered = limit - pos;
            int avail = eof ? 0 : Math.max(0, Sys.bytesAvailable(end.fd));
            byte[] copy = new byte[buffered + avail];
            if (buffered > 0) {
                MemorySegment.copy(end.buffer(), ValueLayout.JAVA_BYTE, pos, copy, 0, buffered);
            }
            int n = buffered;
            while (n < copy.length) { // never blocks: nobody else reads, and it asks for no more than is there
                long got = Sys.readNow(end.fd, copy, n, copy.length - n);
                if (got <= 0) {
                    break;
                }
                n += (int) got;
            }
            rest = n == copy.length ? copy : java.util.Arrays.copyOf(copy, n);
            pos = 0;
            limit = 0;
            releaseNow();
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
            loop.sqe().prepRead(end.fd, end.buffer(), CAPACITY, -1).userData(readUserData);
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
                error = loop.error("read " + name, res);
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
            rest = null;
            ready.signalAll();
            if (polling != null) {
                polling.wake(); // the waiting reader gives the fd back
            } else if (pending) {
                // A READ is (about to be) in flight: its completion gives the fd and buffer back.
                long target = readUserData;
                try {
                    loop.execute(() -> loop.sqe().prepCancel(target, 0).userData(loop.register(c -> { })));
                } catch (IllegalStateException ended) {
                    // The ending loop cancels every request in flight and completes it.
                }
            } else {
                releaseNow(); // no request of this stream's uses the fd or can be submitted now
            }
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
