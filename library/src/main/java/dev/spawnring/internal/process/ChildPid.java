package dev.spawnring.internal.process;

import static dev.spawnring.uring.IoUring.WNOHANG;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.spawnring.ExitStatus;
import dev.spawnring.TreeKill;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Kernel;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.internal.sys.SysException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;

/**
 * A child's pid and pidfd, and the rule that keeps signals from the wrong process: nothing is
 * signalled once the child is reaped. Every {@code waitid} that reaps sets {@link #reaped}
 * under this object's lock, in the same block, and every signal takes that lock and checks it
 * first. So while a signal is sent the child is unreaped: its pid, and the number of the
 * process group it leads, still name it and nothing else.
 *
 * <p><b>Groups.</b> A group signal goes through {@code pidfd_send_signal} with
 * {@code PIDFD_SIGNAL_PROCESS_GROUP} where the kernel has it (Linux 6.9+): the pidfd names the
 * group's {@code struct pid}, so a group that took the same number later is never hit, even
 * after the reap ({@link #reapKeepingPidfd}). Before 6.9 it is {@code kill(-pid)}, which is safe
 * only while the leader is unreaped.
 *
 * <p><b>Who watches the exit.</b> For a child a waiter may reap ({@link ChildState}), either the
 * loop or the threads in {@code waitFor} watch its exit, never both: {@link #loopWatching} and
 * {@link #directWaiters} say which. The pidfd stays open while anyone waits on it or watches
 * it; the last of them closes it once the child is reaped.
 */
final class ChildPid {
    private final long pid;
    /** Guarded by this: the pidfd, closed (-1) at the reap. */
    private int pidfd;
    /** Guarded by this: the child has been reaped (or given up); no signal is sent from then on. */
    private boolean reaped;
    /** Guarded by this: the threads in waitFor's own wait ({@link FdWait}) on the pidfd. */
    private int directWaiters;
    /** Guarded by this: the loop's exit watch (WAITID or POLL_ADD) is in flight, or handed to it. */
    private boolean loopWatching;

    ChildPid(long pid, int pidfd) {
        this.pid = pid;
        this.pidfd = pidfd;
    }

    long pid() {
        return pid;
    }

    /** @return the pidfd, for a watch of the loop's: open until the reap, which that watch makes */
    synchronized int fd() {
        return pidfd;
    }

    synchronized boolean reaped() {
        return reaped;
    }

    // ---- signals

    /**
     * Sends {@code signal} to the child through its pidfd; nothing once it is reaped.
     *
     * @throws UncheckedIOException when the kernel refuses ({@code EPERM})
     */
    synchronized void signal(int signal) {
        if (reaped) {
            return;
        }
        int r = Sys.pidfdSendSignal(pidfd, signal, 0);
        if (r < 0 && r != -Errno.ESRCH) {
            throw new UncheckedIOException(new SysException("pidfd_send_signal " + pid + " " + signal, -r));
        }
    }

    /** Signals the group the child leads; nothing once it is reaped. */
    synchronized void signalGroup(int signal) {
        if (reaped) {
            return;
        }
        if (Kernel.groupSignalByPidfd()) {
            Sys.pidfdSendSignal(pidfd, signal, Linux.PIDFD_SIGNAL_PROCESS_GROUP);
        } else {
            Sys.kill(-pid, signal); // before 6.9: the unreaped leader keeps the number its group's
        }
    }

    /** SIGKILL to the group the child leads, or else to the child; nothing once it is reaped. */
    synchronized TreeKill kill(boolean leadsGroup) {
        if (reaped) {
            return TreeKill.NONE;
        }
        if (leadsGroup) {
            signalGroup(Linux.SIGKILL);
            return TreeKill.PROCESS_GROUP;
        }
        signal(Linux.SIGKILL);
        return TreeKill.CHILD;
    }

    // ---- the loop's reap

    /**
     * Loop thread: reaps the child whose exit the loop has seen ({@code waitid(WNOHANG)} on a
     * zombie returns at once), or, with {@code zombie} false, gives it up; closes the pidfd.
     *
     * @return false when it was reaped already
     */
    synchronized boolean reap(MemorySegment siginfo, boolean zombie) {
        if (!markReaped(siginfo, zombie)) {
            return false;
        }
        Sys.close(pidfd);
        pidfd = -1;
        return true;
    }

    /**
     * Loop thread: reaps the zombie as {@link #reap} does but keeps its pidfd open, for a signal
     * to its group after the reap (through {@code PIDFD_SIGNAL_PROCESS_GROUP} only).
     *
     * @return the pidfd, which the caller closes; -1 when it was reaped already
     */
    synchronized int reapKeepingPidfd(MemorySegment siginfo) {
        if (!markReaped(siginfo, true)) {
            return -1;
        }
        int kept = pidfd;
        pidfd = -1;
        return kept;
    }

    private boolean markReaped(MemorySegment siginfo, boolean zombie) {
        if (reaped) {
            return false;
        }
        if (zombie) {
            Sys.waitid(Linux.P_PIDFD, pidfd, siginfo, Linux.WEXITED | WNOHANG);
        }
        reaped = true;
        return true;
    }

    /**
     * The watch becomes the loop's unless the child is reaped, the loop watches already, or a
     * waiter does (the last to leave without the exit hands it back).
     *
     * @return whether the caller must have the loop watch now
     */
    synchronized boolean claimWatchForLoop() {
        if (reaped || loopWatching || directWaiters > 0) {
            return false;
        }
        loopWatching = true;
        return true;
    }

    /**
     * The loop's watch of a child a waiter may reap ended: with {@code res} 0 its exit is seen,
     * and it is reaped here unless a waiter has reaped it meanwhile; else it is given up.
     *
     * @return whether this call reaped it (or gave it up)
     */
    synchronized boolean endLoopWatch(int res, MemorySegment siginfo) {
        loopWatching = false;
        boolean mine = markReaped(siginfo, res >= 0);
        closeIfUnused();
        return mine;
    }

    // ---- a waiter's reap

    /**
     * A platform thread's wait for the exit on the pidfd, reaping the child here when the loop
     * has not; for a child a waiter may reap, only. The last waiter to leave without the exit (an
     * interrupt, the deadline) runs {@code handBack}, which must have the loop watch again.
     *
     * @param deadline {@link System#nanoTime()} at which to give up, or {@link Long#MAX_VALUE}
     * @return the status when this thread reaped the child; null when the loop watches (or
     *         reaped it, or gave it up) or at the deadline
     */
    ExitStatus awaitAndReap(long deadline, Runnable handBack) throws InterruptedException {
        int fd;
        synchronized (this) {
            if (reaped || loopWatching) {
                return null; // the loop sees the exit first anyway: its reap wakes this thread
            }
            directWaiters++;
            fd = pidfd; // open while this thread is counted
        }
        ExitStatus status = null;
        boolean handOver;
        FdWait wait = null;
        try {
            wait = FdWait.open(fd, "pid fd", pid);
            while (status == null && wait.await(deadline)) {
                synchronized (this) {
                    if (reaped) {
                        break;
                    }
                    status = reapIfExited(fd);
                }
            }
        } finally {
            if (wait != null) {
                wait.release();
            }
            synchronized (this) {
                directWaiters--;
                handOver = claimWatchForLoop(); // the last waiter leaves without the exit: the loop watches again
                closeIfUnused();
            }
            if (handOver) {
                handBack.run();
            }
        }
        return status;
    }

    /**
     * For the accessors that say whether the child is alive: reaps a child nobody watches if it
     * has exited.
     *
     * @return the status when this call reaped it, else null
     * @throws UncheckedIOException when {@code waitid} fails
     */
    synchronized ExitStatus reapIfExitedUnwatched() {
        if (reaped || loopWatching || pidfd < 0) {
            return null; // the loop's reap completes the status
        }
        try {
            return reapIfExited(pidfd);
        } finally {
            closeIfUnused();
        }
    }

    /**
     * Reaps the child if it has exited, with a {@code waitid(WNOHANG)} that never blocks. Caller
     * holds the lock and has seen it unreaped and not watched by the loop.
     *
     * @param fd the pidfd, open while the caller is counted or holds the lock
     * @return the status, or null while the child runs
     */
    private ExitStatus reapIfExited(int fd) {
        MemorySegment info = NativeMemory.calloc(Linux.SIGINFO_SIZE);
        try {
            int r = Sys.waitid(Linux.P_PIDFD, fd, info, Linux.WEXITED | WNOHANG);
            if (r < 0) {
                throw new UncheckedIOException(new SysException("waitid for pid " + pid, -r));
            }
            if (info.get(JAVA_INT, Linux.SI_PID) == 0) {
                return null;
            }
            reaped = true;
            return ExitStatus.fromSiginfo(info);
        } finally {
            NativeMemory.free(info);
        }
    }

    /** Closes the pidfd once the child is reaped and nobody waits on it or watches it. Caller holds the lock. */
    private void closeIfUnused() {
        if (reaped && pidfd >= 0 && directWaiters == 0 && !loopWatching) {
            Sys.close(pidfd);
            pidfd = -1;
        }
    }

    /**
     * For a child whose loop refused it (nobody watches or waits for it yet): SIGKILL through the
     * pidfd and reaped here, waiting for its exit.
     */
    synchronized void killAndReap() {
        Sys.pidfdSendSignal(pidfd, Linux.SIGKILL, 0);
        MemorySegment info = NativeMemory.calloc(Linux.SIGINFO_SIZE);
        try {
            int r;
            do {
                r = Sys.waitid(Linux.P_PIDFD, pidfd, info, Linux.WEXITED);
            } while (r == -Errno.EINTR);
        } finally {
            NativeMemory.free(info);
        }
        Sys.close(pidfd);
        pidfd = -1;
        reaped = true;
    }
}
