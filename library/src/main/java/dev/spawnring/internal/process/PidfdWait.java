package dev.spawnring.internal.process;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.internal.sys.SysException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.spi.AbstractInterruptibleChannel;

/**
 * A platform thread's own wait for a child's exit: {@code poll(2)} on the child's pidfd (readable
 * once the child has exited), beside an eventfd that {@link Thread#interrupt()} writes, so the
 * wait ends at once on an interrupt, even one that came just before the poll.
 *
 * <p>The interrupt reaches the eventfd through {@link AbstractInterruptibleChannel}, the JDK's
 * public hook for blocking calls that an interrupt must end: {@code begin()} registers it with
 * the thread, and the thread's {@code interrupt()} closes it, which writes the eventfd.
 */
final class PidfdWait extends AbstractInterruptibleChannel {
    private final int eventfd;
    private final MemorySegment one;

    private PidfdWait(int eventfd, MemorySegment one) {
        this.eventfd = eventfd;
        this.one = one;
    }

    /**
     * Waits until {@code pidfd}'s process has exited or {@code deadline} ({@link System#nanoTime()})
     * has passed.
     *
     * @param deadline the end of the wait, or {@link Long#MAX_VALUE} for none
     * @return true once the pidfd is readable, false at the deadline
     * @throws InterruptedException when the thread is interrupted (its interrupt status is cleared)
     */
    static boolean await(int pidfd, long deadline) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        int efd = Sys.eventfd(0, Linux.EFD_CLOEXEC);
        if (efd < 0) {
            throw new UncheckedIOException(new SysException("eventfd for a wait on pid fd " + pidfd, -efd));
        }
        // Two struct pollfd, then the eventfd's 8-byte counter increment.
        MemorySegment mem = NativeMemory.calloc(2 * Linux.POLLFD_SIZE + 8);
        PidfdWait wait = new PidfdWait(efd, mem.asSlice(2 * Linux.POLLFD_SIZE, 8));
        try {
            mem.set(JAVA_INT, 0, pidfd);
            mem.set(JAVA_SHORT, Linux.POLLFD_EVENTS, (short) Linux.POLLIN);
            mem.set(JAVA_INT, Linux.POLLFD_SIZE, efd);
            mem.set(JAVA_SHORT, Linux.POLLFD_SIZE + Linux.POLLFD_EVENTS, (short) Linux.POLLIN);
            boolean exited;
            wait.begin(); // an interrupt from here on closes the wait, which writes the eventfd
            try {
                exited = poll(mem, pidfd, deadline);
            } finally {
                try {
                    wait.end(true);
                } catch (ClosedByInterruptException e) {
                    Thread.interrupted(); // as Object.wait: the exception says it, the status is cleared
                    throw new InterruptedException();
                } catch (IOException e) {
                    throw new UncheckedIOException(e); // only an interrupt closes it
                }
            }
            return exited;
        } finally {
            Sys.close(efd); // no interrupt writes it after end(): the thread no longer names it
            NativeMemory.free(mem);
        }
    }

    /** @return true when the pidfd is readable, false at the deadline or when the eventfd was written */
    private static boolean poll(MemorySegment fds, int pidfd, long deadline) {
        while (true) {
            int timeout = -1;
            if (deadline != Long.MAX_VALUE) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                timeout = (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
            }
            int r = Sys.poll(fds, 2, timeout);
            if (r == -Errno.EINTR || r == 0) {
                continue; // a signal, or a deadline that rounding put a little early: look again
            }
            if (r < 0) {
                throw new UncheckedIOException(new SysException("poll of pid fd " + pidfd, -r));
            }
            if (fds.get(JAVA_SHORT, Linux.POLLFD_REVENTS) != 0) {
                return true; // POLLIN, or POLLHUP/POLLERR: the waitid that follows tells
            }
            return false; // the eventfd: an interrupt, which end() then reports
        }
    }

    /** Called by {@link Thread#interrupt()} (on the interrupting thread) through {@code close()}. */
    @Override
    protected void implCloseChannel() {
        one.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 1L);
        Sys.write(eventfd, one, 8);
    }
}
