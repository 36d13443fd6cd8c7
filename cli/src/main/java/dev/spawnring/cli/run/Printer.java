package dev.spawnring.cli.run;

import dev.spawnring.internal.sys.Sys;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Everything {@code spawnring run} writes goes through here, one block at a time under one
 * lock: job output (grouped per job, in completion order or in input order), whole lines
 * ({@code --line-buffer}), messages, and the progress bar, erased before any output and drawn
 * again after.
 *
 * <p>A grouped job's stdout and stderr are memfds the job wrote to; they are copied out with
 * {@code pread} when printed. For {@code --keep-order} finished jobs wait here by number;
 * past {@link #MAX_HELD_FDS} waiting jobs, their output is read into the heap so the fds are
 * given back.
 */
final class Printer {
    /** Finished jobs whose memfds are kept open while they wait for their turn, at most. */
    static final int MAX_HELD_FDS = 256;

    private static final int CHUNK = 64 * 1024;
    private static final long SYS_LSEEK = 8;
    private static final int SEEK_END = 2;

    /**
     * A finished job's output: two memfds, or the bytes themselves.
     */
    static final class Captured {
        private int outFd;
        private int errFd;
        private byte[] out;
        private byte[] err;
        private final String message;

        /**
         * @param outFd   the memfd the job's stdout went to, or -1
         * @param errFd   the memfd the job's stderr went to, or -1
         * @param message printed on stderr after the job's own stderr (e.g. a timeout warning), or null
         */
        Captured(int outFd, int errFd, String message) {
            this.outFd = outFd;
            this.errFd = errFd;
            this.message = message;
        }

        /** @return nothing to print */
        static Captured empty() {
            return new Captured(-1, -1, null);
        }

        /** @return output already in memory: {@code out} for stdout, {@code err} for stderr */
        static Captured ofBytes(byte[] out, byte[] err) {
            Captured c = new Captured(-1, -1, null);
            c.out = out;
            c.err = err;
            return c;
        }

        /** @return the bytes of stdout, read from the memfd's size */
        long stdoutBytes() {
            return out != null ? out.length : outFd >= 0 ? size(outFd) : 0;
        }

        void close() {
            if (outFd >= 0) {
                Sys.close(outFd);
                outFd = -1;
            }
            if (errFd >= 0) {
                Sys.close(errFd);
                errFd = -1;
            }
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final OutputStream out;
    private final OutputStream err;
    private final boolean keepOrder;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buf = arena.allocate(CHUNK);
    private final byte[] bytes = new byte[CHUNK];
    // Guarded by lock.
    private final TreeMap<Long, Captured> waiting = new TreeMap<>();
    private long nextSeq = 1;
    private int heldFds;
    private ProgressBar bar;
    private Thread barThread;
    private volatile boolean barStopped;
    private IOException failure;
    /** Guarded by lock: the buffers are gone; nothing is copied any more. */
    private boolean closed;

    Printer(OutputStream out, OutputStream err, boolean keepOrder) {
        this.out = out;
        this.err = err;
        this.keepOrder = keepOrder;
    }

    /** Shows {@code bar}, redrawn every 200 ms by one virtual thread until {@link #close}. */
    void showBar(ProgressBar bar) {
        lock.lock();
        try {
            this.bar = bar;
            writeQuietly(err, bar.draw());
        } finally {
            lock.unlock();
        }
        barThread = Thread.ofVirtual().name("spawnring-run-bar").start(() -> {
            while (!barStopped) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                lock.lock();
                try {
                    if (!barStopped) {
                        writeQuietly(err, bar.draw());
                    }
                } finally {
                    lock.unlock();
                }
            }
        });
    }

    /**
     * Job {@code seq} has ended and its output is final: prints it now (completion order) or
     * when every job before it has been printed ({@code --keep-order}).
     */
    void finished(long seq, Captured c) {
        lock.lock();
        try {
            if (!keepOrder) {
                print(c);
                return;
            }
            waiting.put(seq, c);
            if (c.outFd >= 0 || c.errFd >= 0) {
                heldFds++;
            }
            drain(false);
            if (heldFds > MAX_HELD_FDS) {
                for (Captured w : waiting.values()) {
                    if (w.outFd >= 0 || w.errFd >= 0) {
                        w.out = readAll(w.outFd);
                        w.err = readAll(w.errFd);
                        w.close();
                        heldFds--;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Job {@code seq} will print nothing (it was never run, or was killed by {@code --halt now}). */
    void skip(long seq) {
        finished(seq, Captured.empty());
    }

    /** Prints what waits in order, gaps or not: the run is over. */
    void flushAll() {
        lock.lock();
        try {
            drain(true);
        } finally {
            lock.unlock();
        }
    }

    private void drain(boolean all) {
        while (!waiting.isEmpty()) {
            Map.Entry<Long, Captured> first = waiting.firstEntry();
            if (!all && first.getKey() != nextSeq) {
                return;
            }
            waiting.pollFirstEntry();
            Captured c = first.getValue();
            if (c.outFd >= 0 || c.errFd >= 0) {
                heldFds--;
            }
            print(c);
            nextSeq = first.getKey() + 1;
        }
    }

    /** Caller holds the lock. */
    private void print(Captured c) {
        try {
            eraseBar();
            if (c.out != null) {
                out.write(c.out);
            } else {
                copy(c.outFd, out);
            }
            out.flush();
            if (c.err != null) {
                err.write(c.err);
            } else {
                copy(c.errFd, err);
            }
            if (c.message != null) {
                err.write(c.message.getBytes(StandardCharsets.UTF_8));
            }
            err.flush();
            drawBar();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        } finally {
            c.close();
        }
    }

    /** Writes {@code b[off..off+len)}, whole lines, to stdout or stderr ({@code --line-buffer}). */
    void lines(boolean toStderr, byte[] b, int off, int len) {
        lock.lock();
        try {
            eraseBar();
            OutputStream o = toStderr ? err : out;
            o.write(b, off, len);
            o.flush();
            drawBar();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        } finally {
            lock.unlock();
        }
    }

    /** Prints {@code text} (lines ending in newlines) on stderr. */
    void message(String text) {
        lock.lock();
        try {
            eraseBar();
            err.write(text.getBytes(StandardCharsets.UTF_8));
            err.flush();
            drawBar();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        } finally {
            lock.unlock();
        }
    }

    /** @return the first write that failed (e.g. stdout closed), or null */
    IOException failure() {
        lock.lock();
        try {
            return failure;
        } finally {
            lock.unlock();
        }
    }

    private void eraseBar() throws IOException {
        if (bar != null) {
            err.write(bar.erase());
        }
    }

    private void drawBar() throws IOException {
        if (bar != null) {
            err.write(bar.draw());
            err.flush();
        }
    }

    /** Stops the bar, leaving its last state on its own line, and prints what still waits. */
    void close() {
        flushAll();
        barStopped = true;
        if (barThread != null) {
            barThread.interrupt();
            try {
                barThread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lock.lock();
        try {
            if (bar != null) {
                writeQuietly(err, bar.draw());
                writeQuietly(err, new byte[] {'\n'});
                bar = null;
            }
            if (!closed) {
                closed = true;
                arena.close();
            }
        } finally {
            lock.unlock();
        }
    }

    private void writeQuietly(OutputStream o, byte[] b) {
        try {
            o.write(b);
            o.flush();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        }
    }

    /** Copies a memfd from offset 0 to {@code to}; caller holds the lock (the buffers are shared). */
    private void copy(int fd, OutputStream to) throws IOException {
        if (fd < 0 || closed) {
            return;
        }
        long offset = 0;
        while (true) {
            long n = Sys.pread(fd, buf, CHUNK, offset);
            if (n == -dev.spawnring.internal.sys.Errno.EINTR) {
                continue;
            }
            if (n < 0) {
                throw new IOException("read job output: " + dev.spawnring.internal.sys.Errno.describe((int) -n));
            }
            if (n == 0) {
                return;
            }
            MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, bytes, 0, (int) n);
            to.write(bytes, 0, (int) n);
            offset += n;
        }
    }

    private byte[] readAll(int fd) {
        if (fd < 0) {
            return null;
        }
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        try {
            copy(fd, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** @return the size of a memfd ({@code lseek(SEEK_END)}), 0 when it cannot be told */
    static long size(int fd) {
        long r = Sys.syscall(SYS_LSEEK, fd, 0, SEEK_END);
        return Math.max(0, r);
    }
}
