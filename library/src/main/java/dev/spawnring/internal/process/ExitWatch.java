package dev.spawnring.internal.process;

import static dev.spawnring.uring.IoUring.P_PIDFD;
import static dev.spawnring.uring.IoUring.WEXITED;
import static dev.spawnring.uring.IoUring.WNOHANG;
import static dev.spawnring.uring.IoUring.WNOWAIT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.spawnring.ExitStatus;
import dev.spawnring.TreeUsage;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Kernel;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Cqe;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * The loop's side of one child: it watches the exit, runs the timeout, does to the group and
 * the cgroup what the command asked, and reaps.
 *
 * <p><b>Exit, group, reap.</b> The exit is first <em>seen</em>, not reaped, so the child stays
 * a zombie and its pid, and the number of the group it leads, cannot name anything else yet: an
 * io_uring WAITID on the pidfd with {@code WNOWAIT} (Linux 6.7+, and FALLBACK); on an older
 * io_uring, a POLL_ADD on the pidfd (readable once the child has exited) and then
 * {@code waitid(P_PIDFD, WEXITED | WNOHANG | WNOWAIT)}. Then what the command asked is done to
 * its group: SIGKILL with {@code killProcessGroupOnExit}. Then the child is reaped
 * ({@link ChildPid#reap}, under the lock every signal takes).
 *
 * <p><b>A timeout's grace period.</b> When the timeout's SIGTERM made the child exit and the
 * grace period runs, the child is reaped at once all the same (so {@code waitFor} returns
 * then). What is left of its group gets the grace period's SIGKILL: with
 * {@code PIDFD_SIGNAL_PROCESS_GROUP}, at the end of the grace period, through the pidfd, kept
 * open until then; before 6.9, at the leader's exit, just before the reap.
 *
 * <p><b>A cgroup of its own.</b> A child cloned into a cgroup ({@link Cgroup}) has its tree
 * killed through it where its group would be killed at its exit (with
 * {@code killProcessGroupOnExit}, or when it ends during a timeout's grace period) and at the
 * end of the grace period; its usage is read once its exit is seen, before the reap, and goes
 * into its status. After the reap the cgroup is removed at once when empty; else the loop polls
 * {@code cgroup.events} ({@code POLLPRI}) until it says {@code populated 0}, then removes it
 * (the loop stays up meanwhile).
 *
 * <p><b>A watch that starts late.</b> A child a waiter may reap (see {@link ChildState}) is not
 * watched from its start ({@link #startLater}): the loop watches it at its next sweep
 * ({@link LateWatches}) only if nobody has reaped it or waits for it by then, and reaps it
 * unless a waiter did meanwhile ({@link #watchEnded}).
 *
 * <p>Loop thread: everything but {@link #startLater} and {@link #handBack}; after a loop's
 * failure ended it, {@link #handBack} gives the child up on the calling thread.
 */
final class ExitWatch {
    private final ChildState child;
    private final EventLoop loop;
    private final ChildPid pid;
    private final ProcessSpec spec;
    /** False for a child dying after a failed exec: no timeout, nothing done to a group. */
    private final boolean supervised;
    /** Whether a waiter may reap: nothing has to be done between the exit and the reap. */
    private final boolean reapableByWaiter;
    /** The child's cgroup, or null. */
    private final Cgroup cgroup;
    private MemorySegment siginfo;
    /** What the tree used, read when the exit is seen. */
    private TreeUsage usage;
    /** The pending timer's signal (SIGTERM: the timeout, SIGKILL: the grace period), or 0. */
    private int timerSignal;
    private long timerUserData;
    private boolean timedOut;
    /** The reaped child's pidfd, kept for the grace period's SIGKILL to its group (Linux 6.9+), or -1. */
    private int gracePidfd = -1;

    ExitWatch(ChildState child, EventLoop loop, ChildPid pid, ProcessSpec spec, boolean supervised,
            boolean reapableByWaiter, Cgroup cgroup) {
        this.child = child;
        this.loop = loop;
        this.pid = pid;
        this.spec = spec;
        this.supervised = supervised;
        this.reapableByWaiter = reapableByWaiter;
        this.cgroup = cgroup;
    }

    /**
     * Loop thread: the child has been cloned; watch for its exit and arm its timeout (a child a
     * waiter may reap is only left to be watched later: {@link #startLater}). Whoever cloned it
     * has counted it in its loop's load already ({@link EventLoop#childStarted}), so that the
     * next spawn's choice of loop sees it even before this runs.
     */
    void started() {
        if (reapableByWaiter) {
            startLater();
            return;
        }
        loop.retain();
        if (supervised) {
            loop.treeStarted(child);
        }
        watchExit();
        if (supervised && spec.timeout() != null) {
            armTimer(spec.timeout(), Linux.SIGTERM);
        }
    }

    /**
     * Any thread, for a child a waiter may reap, before anyone can wait for it: the loop retains
     * it and lists its tree, and watches its exit only later, when nobody has reaped it or waits
     * for it by then. Such a child is handed to nobody unless this ran (else it is abandoned), so
     * whoever reaps it gives back what this took.
     *
     * @throws IllegalStateException when the loop has ended (nothing is taken then)
     */
    void startLater() {
        loop.treeStarted(child); // listed before a sweep can see it, so its watch's end finds it
        try {
            loop.watchLater(this);
        } catch (IllegalStateException ended) {
            loop.treeGone(child);
            throw ended;
        }
    }

    /** Loop thread, at a sweep of {@link LateWatches}: the loop watches the exit unless someone has seen to it. */
    void watchIfUnwatched() {
        if (pid.claimWatchForLoop()) {
            watchHandedBack();
        }
    }

    /**
     * Any thread that claimed the watch for the loop ({@link ChildPid#claimWatchForLoop}): the
     * watch goes to the loop. Where the loop has ended (only a failure ends it while it retains
     * the child), the child is given up here as the loop would give it up, naming the failure:
     * nothing runs on the loop thread any more to race with.
     */
    void handBack() {
        try {
            loop.execute(this::watchHandedBack);
        } catch (IllegalStateException ended) {
            watchEnded(-Errno.ECANCELED, "waitid");
        }
    }

    /**
     * Loop thread: the watch is the loop's now (a sweep, {@code onExit()}, or the last waiter
     * left without the exit), unless the child was reaped meanwhile or the loop has failed.
     */
    private void watchHandedBack() {
        if (pid.reaped() || loop.failure() != null) {
            watchEnded(-Errno.ECANCELED, "watch");
        } else {
            watchExit();
        }
    }

    /** A WAITID(WNOWAIT) on the pidfd where the ring has it, else a POLL_ADD on the pidfd. */
    private void watchExit() {
        if (siginfo == null) {
            siginfo = NativeMemory.calloc(Linux.SIGINFO_SIZE);
        }
        if (loop.hasWaitid()) {
            loop.sqe().prepWaitid(P_PIDFD, pid.fd(), siginfo, WEXITED | WNOWAIT, 0)
                    .userData(loop.register(cqe -> exitSeen(cqe.res(), "waitid")));
        } else {
            loop.sqe().prepPollAdd(pid.fd(), Linux.POLLIN).userData(loop.register(this::pidfdReadable));
        }
    }

    /** The POLL_ADD on the pidfd completed: the child has exited (it is then a zombie), or no poll. */
    private void pidfdReadable(Cqe cqe) {
        if (cqe.res() < 0) {
            exitSeen(cqe.res(), "poll of the pidfd");
            return;
        }
        siginfo.set(JAVA_INT, Linux.SI_PID, 0);
        // Sees the exit without reaping, and never blocks.
        int r = Sys.waitid(Linux.P_PIDFD, pid.fd(), siginfo, Linux.WEXITED | WNOHANG | WNOWAIT);
        if (r == 0 && siginfo.get(JAVA_INT, Linux.SI_PID) == 0) {
            watchExit(); // readable, but not waitable yet: watch again
            return;
        }
        exitSeen(r, "waitid");
    }

    /** The exit is seen ({@code res} 0: the child is a zombie), or could not be waited for. */
    private void exitSeen(int res, String what) {
        if (reapableByWaiter) {
            watchEnded(res, what);
            return;
        }
        if (res < 0) {
            // Nothing tells how it ended (the loop failed and cancels what is in flight, say).
            cancelTimer();
            reap(null, loop.error(what + " for pid " + pid.pid(), res), false);
            return;
        }
        ExitStatus seen = ExitStatus.fromSiginfo(siginfo);
        if (cgroup != null && supervised && (spec.killProcessGroupOnExit() || timerSignal == Linux.SIGKILL)) {
            cgroup.kill(); // the whole tree, daemons included; the group's members are in it
        }
        usage = cgroup != null ? cgroup.usage() : null;
        if (supervised && spec.killProcessGroupOnExit()) {
            pid.signalGroup(Linux.SIGKILL);
        } else if (timerSignal == Linux.SIGKILL) {
            // It ended in its grace period; what is left of its group gets the SIGKILL.
            if (Kernel.groupSignalByPidfd()) {
                reap(seen, null, true); // the timer stays armed; the group is signalled through the kept pidfd
                return;
            }
            pid.signalGroup(Linux.SIGKILL); // before 6.9, only while the leader is unreaped
        }
        cancelTimer();
        reap(seen, null, false);
    }

    /**
     * Loop thread (or, for {@link #handBack}, a thread after the loop ended), a child a waiter
     * may reap: the loop's watch ended ({@code res} 0: the exit is seen; else the waitid failed,
     * or the child was reaped by a waiter meanwhile). Reaps it unless a waiter has, then gives
     * back what the watch held.
     */
    private void watchEnded(int res, String what) {
        ExitStatus status = res >= 0 ? ExitStatus.fromSiginfo(siginfo) : null;
        boolean mine = pid.endLoopWatch(res, siginfo);
        if (siginfo != null) {
            NativeMemory.free(siginfo);
            siginfo = null;
        }
        loop.treeGone(child);
        loop.release();
        if (mine) {
            child.settle(status, res >= 0 ? null : loop.error(what + " for pid " + pid.pid(), res));
        }
    }

    /**
     * Reaps the zombie (or, with {@code failure}, gives it up), closes the pidfd under the
     * signals' lock (or, with {@code keepForGrace}, keeps it for the grace period's SIGKILL to
     * the group, and the loop alive until then), and completes the status.
     */
    private void reap(ExitStatus status, IOException failure, boolean keepForGrace) {
        if (keepForGrace) {
            gracePidfd = pid.reapKeepingPidfd(siginfo);
            if (gracePidfd < 0) {
                return;
            }
            loop.retain();
        } else if (!pid.reap(siginfo, status != null)) {
            return;
        }
        NativeMemory.free(siginfo);
        siginfo = null;
        if (cgroup != null) {
            removeCgroupWhenEmpty();
        } else {
            loop.treeGone(child);
        }
        loop.release();
        child.settle(failure == null && (timedOut || usage != null)
                ? new ExitStatus(status.code(), status.signal(), status.coreDumped(), timedOut, usage) : status, failure);
    }

    // ---- the timeout and its grace period

    /**
     * After {@code after}: SIGTERM to the child's group (it has not ended by then) and the grace
     * period armed; or, at the end of the grace period, SIGKILL to what is left of the group.
     */
    private void armTimer(Duration after, int signal) {
        long[] self = new long[1];
        self[0] = loop.register(cqe -> timerDone(cqe, self[0], signal));
        timerSignal = signal;
        timerUserData = self[0];
        loop.sqe().prepTimeout(after, 0, 0).userData(timerUserData);
    }

    private void timerDone(Cqe cqe, long userData, int signal) {
        if (userData != timerUserData || timerSignal == 0) {
            return; // called off (its removal, or a firing the removal came too late for)
        }
        timerSignal = 0;
        if (cqe.res() != -Errno.ETIME) {
            endGrace(); // cancelled: the loop is ending
            return;
        }
        if (signal == Linux.SIGTERM) {
            timedOut = true;
            pid.signalGroup(Linux.SIGTERM);
            armTimer(spec.grace(), Linux.SIGKILL);
        } else if (gracePidfd >= 0) {
            Sys.pidfdSendSignal(gracePidfd, Linux.SIGKILL, Linux.PIDFD_SIGNAL_PROCESS_GROUP);
            endGrace();
        } else {
            if (cgroup != null) {
                cgroup.kill();
            }
            pid.signalGroup(Linux.SIGKILL); // the leader is alive: its exit is seen next, then the reap
        }
    }

    /** The grace period of a reaped child is over: its pidfd goes, and the loop may end. */
    private void endGrace() {
        if (gracePidfd >= 0) {
            Sys.close(gracePidfd);
            gracePidfd = -1;
            loop.release();
        }
    }

    private void cancelTimer() {
        if (timerSignal != 0) {
            timerSignal = 0;
            if (loop.failure() == null) { // a failed loop cancels every request itself
                loop.sqe().prepTimeoutRemove(timerUserData, 0).userData(loop.register(c -> { }));
            }
        }
    }

    // ---- the cgroup, after the reap

    /**
     * Removes the cgroup now if it is empty, else once {@code cgroup.events} says so, polling it
     * (the loop stays up until then).
     */
    private void removeCgroupWhenEmpty() {
        if (!cgroup.populatedByPolledFd() && cgroup.remove()) {
            loop.treeGone(child);
            return;
        }
        loop.retain();
        watchCgroup();
    }

    private void watchCgroup() {
        int fd = cgroup.eventsFd();
        if (fd < 0 || loop.failure() != null) {
            cgroup.remove(); // removed meanwhile, or no loop to watch it on: what can be done now
            loop.treeGone(child);
            loop.release();
            return;
        }
        loop.sqe().prepPollAdd(fd, Linux.POLLPRI).userData(loop.register(this::cgroupEvent));
    }

    private void cgroupEvent(Cqe cqe) {
        if (cqe.res() < 0 || !cgroup.populatedByPolledFd()) {
            if (cgroup.remove() || cqe.res() < 0) {
                loop.treeGone(child);
                loop.release();
                return;
            }
        }
        watchCgroup();
    }
}
