package dev.spawnring.internal.process;

import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;

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

    /** Registers {@code owner}'s fd and buffer; the returned cleanable releases them on the loop thread. */
    static Cleaner.Cleanable register(Object owner, EventLoop loop, int fd, MemorySegment buf) {
        return CLEANER.register(owner, new Release(loop, fd, buf));
    }

    /**
     * Registers {@code owner}'s fd, one no ring request ever uses (a memfd): the returned
     * cleanable closes it on the calling (or cleaner) thread.
     */
    static Cleaner.Cleanable registerFd(Object owner, int fd) {
        return CLEANER.register(owner, new CloseFd(fd, new AtomicBoolean()));
    }

    /** Must not refer to its owner. */
    private record CloseFd(int fd, AtomicBoolean done) implements Runnable {
        @Override
        public void run() {
            if (done.compareAndSet(false, true)) {
                Sys.close(fd);
            }
        }
    }

    /** Must not refer to the stream, or it would never become unreachable. */
    private record Release(EventLoop loop, int fd, MemorySegment buf, AtomicBoolean done) implements Runnable {
        Release(EventLoop loop, int fd, MemorySegment buf) {
            this(loop, fd, buf, new AtomicBoolean());
        }

        @Override
        public void run() {
            // On the loop thread, so the fd number is not reused under a request being prepared there.
            if (loop.inLoop() || loop.terminated()) {
                releaseNow();
                return;
            }
            try {
                loop.execute(this::releaseNow);
            } catch (IllegalStateException gone) {
                releaseNow();
            }
        }

        private void releaseNow() {
            if (done.compareAndSet(false, true)) {
                Sys.close(fd);
                NativeMemory.free(buf);
            }
        }
    }
}
