package dev.spawnring.cli.run;

import dev.spawnring.MemfdOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Everything {@code spawnring run} writes goes through here, one block at a time under one
 * lock: job output (grouped per job, in completion order or in input order), whole lines
 * ({@code --line-buffer}), messages, and the progress bar, erased before any output and drawn
 * again after.
 *
 * <p>A grouped job's stdout and stderr are memfds the job wrote to ({@link MemfdOutput}),
 * copied out from their start when printed. For {@code --keep-order} finished jobs wait here
 * by number; past {@link #MAX_HELD_FDS} waiting jobs, their output is read into the heap so
 * the memfds are given back.
 */
final class Printer {
    /** Finished jobs whose memfds are kept open while they wait for their turn, at most. */
    static final int MAX_HELD_FDS = 256;

    /**
     * A finished job's output: two memfds, or the bytes themselves.
     */
    static final class Captured {
        private MemfdOutput outFile;
        private MemfdOutput errFile;
        private byte[] out;
        private byte[] err;
        private final byte[] message;
        /** {@code --tag}: before each line, or null. */
        private byte[] prefix;
        /** {@code -v}: printed on stdout before the job's output (tagged), or null. */
        private byte[] head;

        /**
         * @param outFile the memfd the job's stdout went to, or null
         * @param errFile the memfd the job's stderr went to, or null
         * @param message printed on stderr after the job's own stderr (e.g. a timeout warning), or null
         */
        Captured(MemfdOutput outFile, MemfdOutput errFile, byte[] message) {
            this.outFile = outFile;
            this.errFile = errFile;
            this.message = message;
        }

        /** @return nothing to print */
        static Captured empty() {
            return new Captured(null, null, null);
        }

        /** @return only {@code message} (null: nothing) to print */
        static Captured message(byte[] message) {
            return new Captured(null, null, message);
        }

        /** @return output already in memory: {@code out} for stdout, {@code err} for stderr */
        static Captured ofBytes(byte[] out, byte[] err) {
            Captured c = new Captured(null, null, null);
            c.out = out;
            c.err = err;
            return c;
        }

        /** @return the bytes of stdout, 0 when they cannot be told */
        long stdoutBytes() {
            try {
                return out != null ? out.length : outFile != null ? outFile.size() : 0;
            } catch (IOException e) {
                return 0;
            }
        }

        /**
         * @param prefix before each line ({@code --tag}), or null
         * @param head   printed first on stdout ({@code -v}), or null
         * @return this
         */
        Captured decorate(byte[] prefix, byte[] head) {
            this.prefix = prefix;
            this.head = head;
            return this;
        }

        /** Copies stdout to {@code o} and stderr to {@code e}, from their start (the output is still printable after). */
        void copyTo(OutputStream o, OutputStream e) throws IOException {
            if (out != null) {
                o.write(out);
            } else if (outFile != null) {
                outFile.transferTo(o);
            }
            if (err != null) {
                e.write(err);
            } else if (errFile != null) {
                errFile.transferTo(e);
            }
        }

        /** @return whether memfds are held */
        boolean holdsFiles() {
            return outFile != null || errFile != null;
        }

        /** Reads the memfds into the heap and gives them back. */
        void readIntoMemory() throws IOException {
            out = outFile != null ? outFile.readAllBytes() : out;
            err = errFile != null ? errFile.readAllBytes() : err;
            close();
        }

        void close() {
            if (outFile != null) {
                outFile.close();
                outFile = null;
            }
            if (errFile != null) {
                errFile.close();
                errFile = null;
            }
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final OutputStream out;
    private final OutputStream err;
    private final boolean keepOrder;
    // Guarded by lock.
    private final TreeMap<Long, Captured> waiting = new TreeMap<>();
    /** {@code --line-buffer} with {@code --keep-order}: lines of jobs whose turn has not come. */
    private final Map<Long, java.util.List<HeldLines>> held = new java.util.HashMap<>();
    private long nextSeq = 1;
    private int heldFds;
    private ProgressBar bar;
    private Thread barThread;
    private volatile boolean barStopped;
    private IOException failure;

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
            if (c.holdsFiles()) {
                heldFds++;
            }
            drain(false);
            if (heldFds > MAX_HELD_FDS) {
                for (Captured w : waiting.values()) {
                    if (w.holdsFiles()) {
                        try {
                            w.readIntoMemory();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
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
                break;
            }
            waiting.pollFirstEntry();
            releaseHeld(first.getKey());
            Captured c = first.getValue();
            if (c.holdsFiles()) {
                heldFds--;
            }
            print(c);
            nextSeq = first.getKey() + 1;
        }
        releaseHeld(nextSeq); // the oldest unfinished job: its lines go out as they come from now on
    }

    /** Caller holds the lock. */
    private void print(Captured c) {
        try {
            eraseBar();
            if (c.prefix != null || c.head != null) {
                byte[] o = c.out != null ? c.out : c.outFile != null ? c.outFile.readAllBytes() : new byte[0];
                byte[] e = c.err != null ? c.err : c.errFile != null ? c.errFile.readAllBytes() : new byte[0];
                if (c.head != null) {
                    out.write(Extras.tagLines(c.prefix, c.head, 0, c.head.length));
                }
                out.write(Extras.tagLines(c.prefix, o, 0, o.length));
                out.flush();
                err.write(Extras.tagLines(c.prefix, e, 0, e.length));
            } else {
                if (c.out != null) {
                    out.write(c.out);
                } else if (c.outFile != null) {
                    c.outFile.transferTo(out);
                }
                out.flush();
                if (c.err != null) {
                    err.write(c.err);
                } else if (c.errFile != null) {
                    c.errFile.transferTo(err);
                }
            }
            if (c.message != null) {
                err.write(c.message);
            }
            err.flush();
            drawBar();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        } finally {
            c.close();
        }
    }

    /**
     * Writes {@code b[off..off+len)}, whole lines of job {@code seq}, to stdout or stderr
     * ({@code --line-buffer}). With {@code --keep-order} only the oldest unfinished job's
     * lines go out at once; the others' are held until their turn.
     */
    void lines(long seq, boolean toStderr, byte[] b, int off, int len) {
        lines(seq, toStderr, b, off, len, null);
    }

    /** {@link #lines(long, boolean, byte[], int, int)}, each line after {@code prefix} ({@code --tag}; null: none). */
    void lines(long seq, boolean toStderr, byte[] b, int off, int len, byte[] prefix) {
        if (prefix != null) {
            b = Extras.tagLines(prefix, b, off, len);
            off = 0;
            len = b.length;
        }
        lock.lock();
        try {
            if (keepOrder && seq != nextSeq) {
                held.computeIfAbsent(seq, k -> new java.util.ArrayList<>())
                        .add(new HeldLines(toStderr, java.util.Arrays.copyOfRange(b, off, off + len)));
                return;
            }
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

    /** Lines of a line-buffered job held back by {@code --keep-order}. */
    private record HeldLines(boolean toStderr, byte[] bytes) {
    }

    /** Caller holds the lock: prints the lines job {@code seq} has had held back, now its turn has come. */
    private void releaseHeld(long seq) {
        java.util.List<HeldLines> h = held.remove(seq);
        if (h == null) {
            return;
        }
        try {
            eraseBar();
            for (HeldLines l : h) {
                (l.toStderr() ? err : out).write(l.bytes());
            }
            out.flush();
            err.flush();
            drawBar();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        }
    }

    /** Prints {@code text} (lines ending in newlines) on stderr, in the platform's charset. */
    void message(String text) {
        message(Bytes.of(text));
    }

    /** Prints {@code text} (lines ending in newlines) on stderr, the bytes as they are. */
    void message(byte[] text) {
        lock.lock();
        try {
            eraseBar();
            err.write(text);
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

}
