package dev.spawnring.internal.process;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
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
 * A platform thread's own wait for an fd to become readable: a child's pidfd (once the child
 * has exited), or a pipe from it. It is {@code poll(2)} on the fd beside an eventfd that
 * {@link Thread#interrupt()} writes, so the wait ends at once on an interrupt, even one that
 * came just before the poll.
 *
 * <p>The interrupt reaches the eventfd through {@link AbstractInterruptibleChannel}, the JDK's
 * public hook for blocking calls that an interrupt must end: {@code begin()} registers it with
 * the thread, whose {@code interrupt()} then closes it, which writes the eventfd.
 *
 * <p>One thread uses one wait: {@link #open}, {@link #await} (again after a readable fd or a
 * deadline; an interrupt or a {@link #wake} spends it), {@link #release}.
 */
final class FdWait extends AbstractInterruptibleChannel {
    private final int fd;
    /** What {@link #fd} is, and whose, for messages (put together only should a call fail). */
    private final String kind;
    private final Object owner;
    private final int eventfd;
    /** Two {@code struct pollfd} ({@link #fd}, then the eventfd), then the eventfd's 8-byte increment. */
    private final MemorySegment mem;

    private FdWait(int fd, String kind, Object owner, int eventfd, MemorySegment mem) {
        this.fd = fd;
        this.kind = kind;
        this.owner = owner;
        this.eventfd = eventfd;
        this.mem = mem;
    }

    /**
     * @param fd    the fd to wait for
     * @param kind  what it is, for messages: {@code "pid fd"}, {@code "pipe fd"}
     * @param owner whose it is, for messages: a pid, a stream's name
     * @return a wait on {@code fd}, its eventfd open
     */
    static FdWait open(int fd, String kind, Object owner) {
        int efd = Sys.eventfd(0, Linux.EFD_CLOEXEC);
        if (efd < 0) {
            throw new UncheckedIOException(new SysException("eventfd for a wait on " + kind + " " + fd + " of " + owner, -efd));
        }
        MemorySegment mem = NativeMemory.calloc(2 * Linux.POLLFD_SIZE + 8);
        mem.set(JAVA_INT, 0, fd);
        mem.set(JAVA_SHORT, Linux.POLLFD_EVENTS, (short) Linux.POLLIN);
        mem.set(JAVA_INT, Linux.POLLFD_SIZE, efd);
        mem.set(JAVA_SHORT, Linux.POLLFD_SIZE + Linux.POLLFD_EVENTS, (short) Linux.POLLIN);
        mem.set(JAVA_LONG, 2 * Linux.POLLFD_SIZE, 1L);
        return new FdWait(fd, kind, owner, efd, mem);
    }

    /**
     * Waits until the fd is readable (or hung up) or {@code deadline} ({@link System#nanoTime()})
     * has passed.
     *
     * @param deadline the end of the wait, or {@link Long#MAX_VALUE} for none
     * @return true once the fd is readable or hung up; false at the deadline, or after {@link #wake}
     * @throws InterruptedException when the thread is interrupted (its interrupt status is cleared)
     */
    boolean await(long deadline) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        begin(); // an interrupt from here on closes this wait, which writes the eventfd
        try {
            return poll(deadline);
        } finally {
            try {
                end(true);
            } catch (ClosedByInterruptException e) {
                Thread.interrupted(); // as Object.wait: the exception says it, the status is cleared
                throw new InterruptedException();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // only an interrupt closes it
            }
        }
    }

    private boolean poll(long deadline) {
        while (true) {
            int timeout = -1;
            if (deadline != Long.MAX_VALUE) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                timeout = (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
            }
            mem.set(JAVA_SHORT, Linux.POLLFD_REVENTS, (short) 0);
            int r = Sys.poll(mem, 2, timeout);
            if (r == -Errno.EINTR || r == 0) {
                continue; // a signal, or a deadline that rounding put a little early: look again
            }
            if (r < 0) {
                throw new UncheckedIOException(new SysException("poll of " + kind + " " + fd + " of " + owner, -r));
            }
            // POLLIN, or POLLHUP/POLLERR: what reads the fd next tells; else the eventfd (an interrupt, which end() reports).
            return mem.get(JAVA_SHORT, Linux.POLLFD_REVENTS) != 0;
        }
    }

    /**
     * Called by {@link Thread#interrupt()}, on the interrupting thread, through {@code close()}:
     * ends the wait under way, or the next one, at once.
     */
    @Override
    protected void implCloseChannel() {
        Sys.write(eventfd, mem.asSlice(2 * Linux.POLLFD_SIZE, 8), 8);
    }

    /**
     * Any thread, before the waiting thread's {@link #release} (the caller makes sure of that):
     * ends the wait under way, or the next one, at once, and every one after it.
     */
    void wake() {
        implCloseChannel();
    }

    /** The waiting thread, once done: the eventfd and the memory go (no interrupt reaches it after {@code end}). */
    void release() {
        Sys.close(eventfd);
        NativeMemory.free(mem);
    }
}
