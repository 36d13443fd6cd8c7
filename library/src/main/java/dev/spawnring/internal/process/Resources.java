package dev.spawnring.internal.process;

import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * The fd and native buffer behind a pipe stream, given back once: when the stream is
 * closed, or when it becomes unreachable unclosed (as the JDK's own process streams
 * are). One cleaner thread serves all of spawnring.
 */
final class Resources {
    private static final Cleaner CLEANER = Cleaner.create(
            Thread.ofPlatform().daemon().name("spawnring-cleaner").factory());

    private Resources() {
    }

    /**
     * Registers {@code owner}'s fd and buffer; the returned cleanable closes and frees them on
     * the calling (or cleaner) thread. The owner calls it only when no ring request of its own
     * uses the fd or buffer, or can be submitted for them any more; an owner that has become
     * unreachable has none (each completion, and each queued submission, refers to its owner).
     * So the fd's number is never reused under a request that names it.
     */
    static Cleaner.Cleanable register(Object owner, PipeEnd end) {
        return CLEANER.register(owner, end);
    }

    /**
     * A pipe stream's fd and, once a read or write first needs one, its buffer: most streams
     * (read to their end straight into the caller's arrays, or never written) never need one.
     * Must not refer to the stream, or it would never become unreachable. Run at most once.
     */
    static final class PipeEnd implements Runnable {
        final int fd;
        private final int capacity;
        /** Set once by the stream under its lock; read by the cleaner thread (volatile: acquire). */
        private volatile MemorySegment buf;

        PipeEnd(int fd, int capacity) {
            this.fd = fd;
            this.capacity = capacity;
        }

        /** The buffer, made now if it was not. Caller holds its stream's lock. */
        MemorySegment buffer() {
            MemorySegment b = buf;
            if (b == null) {
                b = NativeMemory.calloc(capacity);
                buf = b; // volatile write: release
            }
            return b;
        }

        @Override
        public void run() {
            Sys.close(fd);
            NativeMemory.free(buf);
        }
    }

    /**
     * Registers {@code owner}'s fd, one no ring request ever uses (a memfd): the returned
     * cleanable closes it on the calling (or cleaner) thread.
     */
    static Cleaner.Cleanable registerFd(Object owner, int fd) {
        return CLEANER.register(owner, new CloseFd(fd));
    }

    /** Must not refer to its owner. Run at most once: {@code Cleanable.clean} says so. */
    private record CloseFd(int fd) implements Runnable {
        @Override
        public void run() {
            Sys.close(fd);
        }
    }

}
