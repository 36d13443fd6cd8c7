package dev.spawnring.internal.process;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The parent's fd of an anonymous in-memory file ({@code memfd_create}) a child writes its
 * stdout or stderr to, read with {@code pread} from any offset (so reads never move the
 * offset the child writes at). Reads share a read lock and {@link #close} takes the write
 * lock, so the fd is never closed under a read (and its number never reused under one). The
 * fd is closed once: by {@link #close}, or when this becomes unreachable.
 */
public final class Memfd {
    private static final int CHUNK = 64 * 1024;

    private final String name;
    private final int fd;
    private final Cleaner.Cleanable release;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Guarded by lock. */
    private boolean closed;

    private Memfd(String name, int fd) {
        this.name = name;
        this.fd = fd;
        this.release = Resources.registerFd(this, fd);
    }

    /**
     * @param name what it holds, e.g. {@code "stdout"}: its name in {@code /proc/PID/fd} is
     *             {@code memfd:spawnring-NAME}
     * @return the fd of a new memfd (close-on-exec), or {@code -errno}
     */
    static int create(String name) {
        return Sys.memfdCreate("spawnring-" + name, Linux.MFD_CLOEXEC);
    }

    /** Takes ownership of {@code fd}, made by {@link #create}. */
    static Memfd of(String name, int fd) {
        return new Memfd(name, fd);
    }

    /**
     * @return how many bytes the file holds now
     * @throws IOException when it is closed, or {@code fstat} fails
     */
    public long size() throws IOException {
        lock.readLock().lock();
        try {
            ensureOpen();
            long r = Sys.fstatSize(fd);
            if (r < 0) {
                throw new IOException("fstat " + name + ": " + Errno.describe((int) -r));
            }
            return r;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Reads up to {@code len} bytes at {@code offset} into {@code b[off..]}.
     *
     * @return the bytes read, or -1 at the end of the file
     */
    int read(long offset, byte[] b, int off, int len, MemorySegment buf) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        lock.readLock().lock();
        try {
            ensureOpen();
            while (true) {
                long n = Sys.pread(fd, buf, Math.min(len, buf.byteSize()), offset);
                if (n == -Errno.EINTR) {
                    continue;
                }
                if (n < 0) {
                    throw new IOException("read " + name + ": " + Errno.describe((int) -n));
                }
                if (n == 0) {
                    return -1;
                }
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
                return (int) n;
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** @return a stream of the file from its start to its end as it is when reached */
    public InputStream newInputStream() {
        return new InputStream() {
            private final MemorySegment buf = Arena.ofAuto().allocate(CHUNK);
            private long position;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = Memfd.this.read(position, b, off, len, buf);
                if (n > 0) {
                    position += n;
                }
                return n;
            }
        };
    }

    /**
     * Copies the whole file, from its start, to {@code out}.
     *
     * @return the bytes copied
     */
    public long transferTo(OutputStream out) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(CHUNK);
            byte[] bytes = new byte[CHUNK];
            long offset = 0;
            for (int n; (n = read(offset, bytes, 0, CHUNK, buf)) > 0; ) {
                out.write(bytes, 0, n);
                offset += n;
            }
            return offset;
        }
    }

    /**
     * @param limit the most bytes to return
     * @return the file's first {@code limit} bytes (all of them when it is smaller)
     */
    public byte[] readAllBytes(int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(CHUNK);
            byte[] bytes = new byte[CHUNK];
            long offset = 0;
            for (int n; offset < limit && (n = read(offset, bytes, 0, (int) Math.min(CHUNK, limit - offset), buf)) > 0; ) {
                out.write(bytes, 0, n);
                offset += n;
            }
        }
        return out.toByteArray();
    }

    /** Closes the fd (the file's memory goes with the last fd); later reads fail. Idempotent. */
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                release.clean();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** @return whether {@link #close} was called */
    public boolean isClosed() {
        lock.readLock().lock();
        try {
            return closed;
        } finally {
            lock.readLock().unlock();
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException(name + ": closed");
        }
    }

    @Override
    public String toString() {
        return "memfd " + name;
    }
}
