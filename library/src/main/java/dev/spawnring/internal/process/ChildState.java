package dev.spawnring.internal.process;

import static dev.spawnring.uring.IoUring.P_PIDFD;
import static dev.spawnring.uring.IoUring.WEXITED;
import static dev.spawnring.uring.IoUring.WNOHANG;
import static dev.spawnring.uring.IoUring.WNOWAIT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.spawnring.ExitStatus;
import dev.spawnring.TreeKill;
import dev.spawnring.TreeUsage;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Kernel;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.internal.sys.SysException;
import dev.spawnring.uring.Cqe;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One child's life on the loop that cloned it, behind a public {@code Child}.
 *
 * <p><b>Exit, group, reap.</b> The exit is first <em>seen</em>, not reaped, so the child
 * stays a zombie and its pid, and the number of the process group it leads, cannot name
 * anything else yet: an io_uring WAITID on the pidfd with {@code WNOWAIT} (Linux 6.7+, and
 * FALLBACK); on an older io_uring, a POLL_ADD on the pidfd (readable once the child has
 * exited) and then {@code waitid(P_PIDFD, WEXITED | WNOHANG | WNOWAIT)}. Then what the command
 * asked is done to its group: SIGKILL with {@code killProcessGroupOnExit}. Then the child is
 * reaped ({@code waitid(WNOHANG)} on the pidfd, which returns at once) and the pidfd closed,
 * under the lock every signal takes: so no signal to the child is ever sent after the reap.
 *
 * <p><b>Groups.</b> A group signal goes through {@code pidfd_send_signal} with
 * {@code PIDFD_SIGNAL_PROCESS_GROUP} where the kernel has it (Linux 6.9+): the pidfd names
 * the group's {@code struct pid}, so a group that took the same number later is never hit,
 * even after the reap. Before 6.9 it is {@code kill(-pid)}, which is safe only while the
 * leader is unreaped: then no group signal is sent after the reap.
 *
 * <p><b>A timeout's grace period.</b> When the timeout's SIGTERM made the child exit and the
 * grace period runs, the child is reaped at once all the same (so {@code waitFor} returns
 * then). What is left of its group gets the grace period's SIGKILL: with
 * {@code PIDFD_SIGNAL_PROCESS_GROUP}, at the end of the grace period, through the pidfd,
 * kept open until then; before 6.9, at the leader's exit, just before the reap.
 *
 * <p><b>A cgroup of its own.</b> A child cloned into a cgroup ({@link Cgroup}) has its tree
 * killed through it where its group would be killed at its exit (with
 * {@code killProcessGroupOnExit}, or when it ends during a timeout's grace period) and at the
 * end of the grace period; its usage is read once its exit is seen, before the reap, and goes
 * into its status. After the reap the cgroup is removed at once when empty; else the loop
 * polls {@code cgroup.events} ({@code POLLPRI}) until it says {@code populated 0}, then
 * removes it (the loop stays up meanwhile).
 *
 * <p><b>A waiter that reaps.</b> When nothing has to happen between the exit and the reap (no
 * group to kill, no timeout, no cgroup), a platform thread in {@link #waitFor} waits for the exit
 * itself ({@link FdWait}: a poll of the pidfd) and reaps the child on its own thread, under the
 * same lock: the kernel wakes it at the exit, where the loop would have been woken first and then
 * woken it. The loop and the waiters never watch at the same time (both woken at the exit, they
 * would only contend): a waiter that finds the loop watching waits for the loop's reap as before;
 * the last waiter to leave without the exit (an interrupt, a timeout) hands the watch back to the
 * loop. The pidfd stays open while anyone waits on it or watches it; the last of them closes it
 * once the child is reaped, so with one waiter it is closed when {@code waitFor} returns, as when
 * the loop reaps.
 *
 * <p><b>A watch that starts late.</b> Such a child is not watched by the loop from its start
 * ({@link #startLater}): the thread that cloned it counts it on the loop and leaves it to the
 * loop's next sweep ({@link LateWatches}), at most a few milliseconds later, which watches it
 * only if nobody has reaped it or waits for it by then. So a caller that waits at once wakes
 * nobody but itself. {@code onExit()} and the waits that go through the loop (virtual threads)
 * ask for the watch at once; {@link #isAlive} and {@link #statusNow} reap a child the loop does
 * not watch if it has exited, so the late watch never makes an ended child look alive longer.
 *
 * <p>Loop thread: {@link #started}, the sweeps and every completion. Any thread:
 * {@link #startLater}, the signals, the waits and the accessors.
 */
public final class ChildState {
    private final EventLoop loop;
    private final long pid;
    private final ProcessSpec spec;
    /** False for a child dying after a failed exec: no timeout, nothing done to a group. */
    private final boolean supervised;
    private final ChildStreams streams;
    /**
     * Completed on the loop thread the moment the child is reaped: only waited on
     * ({@link #waitFor}) and polled, so a waiter is woken by the loop thread directly rather
     * than through a pool thread. Its one dependent is {@link #exit}'s hand-off, once made.
     */
    private final CompletableFuture<ExitStatus> reapedStatus = new CompletableFuture<>();
    /**
     * The same outcome, completed off the loop thread (the common pool; always async, the
     * failure too), so callers' dependents never run on the loop. Made by the first
     * {@link #onExit()}: a child nobody asks it of costs no pool task at its reap. Written
     * once under this object's lock; read without it (a volatile read: acquire).
     */
    private volatile CompletableFuture<ExitStatus> exit;
    /** Guarded by this: the pidfd, closed (-1) at the reap. */
    private int pidfd;
    /** Guarded by this: the child has been reaped; no signal is sent from then on. */
    private boolean reaped;
    /**
     * Whether a caller's {@link #waitFor} may wait for the exit and reap on its own thread:
     * nothing has to be done between the exit and the reap (see the class comment).
     */
    private final boolean reapableByWaiter;
    /** Guarded by this: the threads in waitFor's own wait ({@link FdWait}) on the pidfd. */
    private int directWaiters;
    /** Guarded by this: the loop's exit watch (WAITID or POLL_ADD) is in flight, or handed to it. */
    private boolean loopWatching;
    // Loop thread only.
    private MemorySegment siginfo;
    /** How the child ended, once its exit is seen (it is a zombie until the reap). */
    private ExitStatus seen;
    /** The pending timer's signal (SIGTERM: the timeout, SIGKILL: the grace period), or 0. */
    private int timerSignal;
    private long timerUserData;
    private boolean timedOut;
    /** The reaped child's pidfd, kept for the grace period's SIGKILL to its group (Linux 6.9+), or -1. */
    private int gracePidfd = -1;
    /** The child's cgroup, or null. */
    private final Cgroup cgroup;
    /** Why a child that asked for a cgroup has none, or null. */
    private final String cgroupFallback;
    /** Loop thread: what the tree used, read when the exit is seen. */
    private TreeUsage usage;

    ChildState(EventLoop loop, long pid, int pidfd, ProcessSpec spec, ChildStreams streams, boolean supervised,
            Cgroup cgroup, String cgroupFallback) {
        this.loop = loop;
        this.pid = pid;
        this.pidfd = pidfd;
        this.spec = spec;
        this.streams = streams;
        this.supervised = supervised;
        this.cgroup = cgroup;
        this.cgroupFallback = cgroupFallback;
        this.reapableByWaiter = supervised && cgroup == null && spec.timeout() == null
                && !spec.killProcessGroupOnExit();
    }

    // ---- the loop thread

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
            loop.treeStarted(this);
        }
        watchExit();
        if (supervised && spec.timeout() != null) {
            armTimer(spec.timeout(), Linux.SIGTERM);
        }
    }

    /**
     * Any thread, for a child a waiter may reap, before anyone can wait for it: the loop retains
     * it and lists its tree, and watches its exit only later ({@link LateWatches}), when nobody
     * has reaped it or waits for it by then. Such a child is handed to nobody unless this ran
     * (else it is {@link #abandon}ed), so whoever reaps it gives back what this took.
     *
     * @throws IllegalStateException when the loop has ended (nothing is taken then)
     */
    void startLater() {
        synchronized (this) { // a sweep that comes at once waits until the child is counted
            loop.watchLater(this);
            loop.treeStarted(this);
        }
    }

    /** @return whether {@link #startLater} is how this child starts on its loop */
    boolean startsLater() {
        return reapableByWaiter;
    }

    /** Loop thread, at a sweep of {@link LateWatches}: the loop watches the exit unless someone has seen to it. */
    void watchIfUnwatched() {
        if (claimWatchForLoop()) {
            watchHandedBack();
        }
    }

    /**
     * Any thread: the loop is to watch the exit now (for {@code onExit()} and the waits that go
     * through it), unless a waiter watches (the last to leave without the exit hands it back).
     */
    private void watchNow() {
        if (reapableByWaiter && claimWatchForLoop()) {
            handBack();
        }
    }

    /**
     * The watch becomes the loop's unless the child is reaped, the loop watches already, or a
     * waiter does (the last to leave without the exit hands it back).
     *
     * @return whether the caller must have the loop watch now
     */
    private synchronized boolean claimWatchForLoop() {
        if (reaped || loopWatching || directWaiters > 0) {
            return false;
        }
        loopWatching = true;
        return true;
    }

    /** A WAITID(WNOWAIT) on the pidfd where the ring has it, else a POLL_ADD on the pidfd. */
    private void watchExit() {
        if (siginfo == null) {
            siginfo = NativeMemory.calloc(Linux.SIGINFO_SIZE);
        }
        if (loop.hasWaitid()) {
            loop.sqe().prepWaitid(P_PIDFD, pidfd, siginfo, WEXITED | WNOWAIT, 0)
                    .userData(loop.register(cqe -> exitSeen(cqe.res(), "waitid")));
        } else {
            loop.sqe().prepPollAdd(pidfd, Linux.POLLIN).userData(loop.register(this::pidfdReadable));
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
        int r = Sys.waitid(Linux.P_PIDFD, pidfd, siginfo, Linux.WEXITED | WNOHANG | WNOWAIT);
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
            reap(null, loop.error(what + " for pid " + pid, res));
            return;
        }
        seen = ExitStatus.fromSiginfo(siginfo);
        if (cgroup != null && supervised && (spec.killProcessGroupOnExit() || timerSignal == Linux.SIGKILL)) {
            cgroup.kill(); // the whole tree, daemons included; the group's members are in it
        }
        usage = cgroup != null ? cgroup.usage() : null;
        if (supervised && spec.killProcessGroupOnExit()) {
            sendToGroup(Linux.SIGKILL);
        } else if (timerSignal == Linux.SIGKILL) {
            // It ended in its grace period; what is left of its group gets the SIGKILL.
            if (Kernel.groupSignalByPidfd()) {
                reap(seen, null, true); // the timer stays armed; the group is signalled through the kept pidfd
                return;
            }
            sendToGroup(Linux.SIGKILL); // before 6.9, only while the leader is unreaped
        }
        cancelTimer();
        reap(seen, null, false);
    }

    /**
     * Loop thread (or, for {@link #handBack}, a thread after the loop ended), a child a waiter may
     * reap: the loop's watch ended ({@code res} 0: the exit is
     * seen; else the waitid failed, or the child was reaped by a waiter meanwhile). Reaps it
     * unless a waiter has, then gives back what the watch held.
     */
    private void watchEnded(int res, String what) {
        ExitStatus status = null;
        IOException failure = null;
        boolean mine = false;
        synchronized (this) {
            loopWatching = false;
            if (!reaped) {
                mine = true;
                reaped = true;
                if (res < 0) {
                    failure = loop.error(what + " for pid " + pid, res); // given up, not reaped
                } else {
                    status = ExitStatus.fromSiginfo(siginfo);
                    Sys.waitid(Linux.P_PIDFD, pidfd, siginfo, Linux.WEXITED | WNOHANG); // a zombie: at once
                }
            }
            closePidfdIfUnused();
        }
        if (siginfo != null) {
            NativeMemory.free(siginfo);
            siginfo = null;
        }
        loop.treeGone(this);
        loop.release();
        if (mine) {
            settle(status, failure);
        }
    }

    /**
     * Loop thread: the watch is the loop's now (a sweep, {@link #watchNow}, or the last waiter
     * left without the exit), unless the child was reaped meanwhile or the loop has failed.
     */
    private void watchHandedBack() {
        boolean reapedMeanwhile;
        synchronized (this) {
            reapedMeanwhile = reaped;
        }
        if (reapedMeanwhile || loop.failure() != null) {
            watchEnded(-Errno.ECANCELED, "watch");
        } else {
            watchExit();
        }
    }

    /** Closes the pidfd once the child is reaped and nobody waits on it or watches it. Caller holds the lock. */
    private void closePidfdIfUnused() {
        if (reaped && pidfd >= 0 && directWaiters == 0 && !loopWatching) {
            Sys.close(pidfd);
            pidfd = -1;
        }
    }

    /** The child is reaped (or, with {@code failure}, given up): its streams and its waiters hear it. */
    private void settle(ExitStatus status, IOException failure) {
        loop.childReaped();
        streams.childExited();
        if (failure != null) {
            reapedStatus.completeExceptionally(failure);
        } else {
            reapedStatus.complete(status);
        }
    }

    /**
     * A platform thread's own wait for a child a waiter may reap (see the class comment): waits
     * for the exit on the pidfd, and reaps the child here when the loop has not.
     *
     * @param deadline {@link System#nanoTime()} at which to give up, or {@link Long#MAX_VALUE}
     * @return the status when this thread reaped the child; null when the loop reaped it (or gave
     *         it up) first, or at the deadline: {@link #reapedStatus} then says which
     */
    private ExitStatus waitHere(long deadline) throws InterruptedException {
        int fd;
        synchronized (this) {
            if (reaped || loopWatching) {
                return null; // the loop sees the exit first anyway: its reap wakes this thread
            }
            directWaiters++;
            fd = pidfd; // open while this thread is counted
        }
        ExitStatus status = null;
        boolean handBack = false;
        FdWait wait = null;
        try {
            wait = FdWait.open(fd, "pid fd", pid);
            while (wait.await(deadline)) {
                synchronized (this) {
                    if (reaped) {
                        break;
                    }
                    status = reapIfExited(fd);
                }
                if (status != null) {
                    break;
                }
            }
        } finally {
            if (wait != null) {
                wait.release();
            }
            synchronized (this) {
                directWaiters--;
                handBack = claimWatchForLoop(); // the last waiter leaves without the exit: the loop watches again
                closePidfdIfUnused();
            }
            if (handBack) {
                handBack();
            }
        }
        if (status != null) {
            settleReapedHere(status);
        }
        return status;
    }

    /**
     * Reaps the child if it has exited, with a {@code waitid(WNOHANG)} that never blocks. Caller
     * holds the lock, has seen it unreaped and not watched by the loop, and, once this returns a
     * status, calls {@link #settleReapedHere} outside the lock.
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

    /** A thread other than the loop's reaped the child: what {@link #startLater} took goes back. */
    private void settleReapedHere(ExitStatus status) {
        loop.treeGone(this);
        loop.release();
        settle(status, null);
    }

    /**
     * For the accessors that say whether the child is alive: a child the loop does not watch
     * (see {@link LateWatches}) is reaped here if it has exited, so the late watch never makes
     * them say "running" of an ended child for longer than the loop's own reap would.
     */
    private void reapIfExitedNow() {
        if (!reapableByWaiter || reapedStatus.isDone()) {
            return;
        }
        ExitStatus status = null;
        boolean failed = false;
        synchronized (this) {
            if (reaped || loopWatching || pidfd < 0) {
                return; // the loop's reap completes the status
            }
            try {
                status = reapIfExited(pidfd);
            } catch (UncheckedIOException e) {
                failed = true; // an accessor does not throw: the loop meets the error and names it
            }
            closePidfdIfUnused();
        }
        if (status != null) {
            settleReapedHere(status);
        } else if (failed) {
            watchNow();
        }
    }

    /**
     * The watch goes back to the loop. Where the loop has ended (only a failure ends it while it
     * retains the child), the child is given up here as the loop would give it up, naming the
     * failure: nothing runs on the loop thread any more to race with.
     */
    private void handBack() {
        try {
            loop.execute(this::watchHandedBack);
        } catch (IllegalStateException ended) {
            watchEnded(-Errno.ECANCELED, "waitid");
        }
    }

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
            sendToGroup(Linux.SIGTERM);
            armTimer(spec.grace(), Linux.SIGKILL);
        } else if (gracePidfd >= 0) {
            Sys.pidfdSendSignal(gracePidfd, Linux.SIGKILL, Linux.PIDFD_SIGNAL_PROCESS_GROUP);
            endGrace();
        } else {
            if (cgroup != null) {
                cgroup.kill();
            }
            sendToGroup(Linux.SIGKILL); // the leader is alive: its exit is seen next, then the reap
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

    private void reap(ExitStatus status, IOException failure) {
        reap(status, failure, false);
    }

    /**
     * Reaps the zombie (or, with {@code failure}, gives it up), closes the pidfd under the
     * signals' lock (or, with {@code keepForGrace}, keeps it for the grace period's SIGKILL to
     * the group, and the loop alive until then), gives back idle streams and completes the status.
     */
    private void reap(ExitStatus status, IOException failure, boolean keepForGrace) {
        synchronized (this) {
            if (reaped) {
                return;
            }
            if (status != null) {
                // A zombie: returns at once, with the status already seen.
                Sys.waitid(Linux.P_PIDFD, pidfd, siginfo, Linux.WEXITED | WNOHANG);
            }
            reaped = true;
            if (keepForGrace) {
                gracePidfd = pidfd;
                loop.retain();
            } else {
                Sys.close(pidfd);
            }
            pidfd = -1;
        }
        NativeMemory.free(siginfo);
        if (cgroup != null) {
            removeCgroupWhenEmpty();
        } else {
            loop.treeGone(this);
        }
        loop.release();
        settle(failure == null && (timedOut || usage != null)
                ? new ExitStatus(status.code(), status.signal(), status.coreDumped(), timedOut, usage) : status, failure);
    }

    /**
     * Loop thread, after the reap: removes the cgroup now if it is empty, else once
     * {@code cgroup.events} says so, polling it (the loop stays up until then).
     */
    private void removeCgroupWhenEmpty() {
        if (!cgroup.populatedByPolledFd() && cgroup.remove()) {
            loop.treeGone(this);
            return;
        }
        loop.retain();
        watchCgroup();
    }

    private void watchCgroup() {
        int fd = cgroup.eventsFd();
        if (fd < 0 || loop.failure() != null) {
            cgroup.remove(); // removed meanwhile, or no loop to watch it on: what can be done now
            loop.treeGone(this);
            loop.release();
            return;
        }
        loop.sqe().prepPollAdd(fd, Linux.POLLPRI).userData(loop.register(this::cgroupEvent));
    }

    private void cgroupEvent(Cqe cqe) {
        if (cqe.res() < 0 || !cgroup.populatedByPolledFd()) {
            if (cgroup.remove() || cqe.res() < 0) {
                loop.treeGone(this);
                loop.release();
                return;
            }
        }
        watchCgroup();
    }

    /** Signals the group the child leads; nothing once it is reaped (see the class comment). */
    private synchronized void sendToGroup(int signal) {
        if (reaped) {
            return;
        }
        if (Kernel.groupSignalByPidfd()) {
            Sys.pidfdSendSignal(pidfd, signal, Linux.PIDFD_SIGNAL_PROCESS_GROUP);
        } else {
            Sys.kill(-pid, signal); // before 6.9: the unreaped leader keeps the number its group's
        }
    }

    // ---- the thread that cloned it on its own (Launch.startHere)

    /**
     * For a child cloned on a caller's thread whose loop refused it (the loop had ended, so
     * neither {@link #started} nor {@link #startLater} took it): SIGKILL through the pidfd,
     * reaped here (it is our child and nobody else waits for it), its pipes closed, its waiters
     * failed.
     */
    void abandon() {
        synchronized (this) {
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
        loop.childReaped();
        for (java.io.Closeable c : new java.io.Closeable[] {streams.stdin(), streams.stdout(), streams.stderr()}) {
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                // Given back by its cleaner instead.
            }
        }
        reapedStatus.completeExceptionally(new IOException("pid " + pid + " killed: spawner is closed"));
    }

    /** Waits, uninterruptibly, until the loop has reaped the child (or given it up). */
    void awaitReap() {
        try {
            reapedStatus.join();
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            // Reaped or given up: either way nothing is left to wait for.
        }
    }

    // ---- any thread

    /** @return the child's pid */
    public long pid() {
        return pid;
    }

    /** @return which of its Spawner's loops supervises it, from 0 */
    public int loopIndex() {
        return loop.index();
    }

    /**
     * Sends {@code signal} to the child through its pidfd; nothing once it is reaped.
     *
     * @throws UncheckedIOException when the kernel refuses ({@code EPERM})
     */
    public void signal(int signal) {
        synchronized (this) {
            if (reaped) {
                return;
            }
            int r = Sys.pidfdSendSignal(pidfd, signal, 0);
            if (r < 0 && r != -Errno.ESRCH) {
                throw new UncheckedIOException(new SysException("pidfd_send_signal " + pid + " " + signal, -r));
            }
        }
    }

    /**
     * Sends {@code signal} to the process group the child leads; nothing once it is reaped.
     *
     * @throws IllegalStateException when the child leads no group of its own
     */
    public void signalGroup(int signal) {
        if (!spec.leadsOwnGroup()) {
            throw new IllegalStateException("signalGroup: child " + pid + " leads no process group of its own"
                    + " (start it with newProcessGroup(), newSession(), killProcessGroupOnExit() or a timeout)");
        }
        sendToGroup(signal);
    }

    /**
     * Kills the child's whole tree: through its cgroup where it has one, else its process
     * group (only while the child is unreaped, or through its pidfd on 6.9+), else the child.
     *
     * @return how
     */
    public TreeKill killTree() {
        if (cgroup != null) {
            TreeKill how = cgroup.kill();
            if (how != TreeKill.NONE) {
                return how;
            }
        }
        synchronized (this) {
            if (reaped) {
                return TreeKill.NONE;
            }
            if (spec.leadsOwnGroup()) {
                sendToGroup(Linux.SIGKILL);
                return TreeKill.PROCESS_GROUP;
            }
            signal(Linux.SIGKILL);
            return TreeKill.CHILD;
        }
    }

    /** @return the child's cgroup directory while it exists */
    public Optional<Path> cgroup() {
        return cgroup == null || cgroup.removed() ? Optional.empty() : Optional.of(cgroup.path());
    }

    /** @return whether the child was started in a cgroup of its own (it may be removed by now) */
    public boolean hadCgroup() {
        return cgroup != null;
    }

    /** @return why a child that asked for a cgroup has none; empty when it has one or asked for none */
    public String cgroupFallback() {
        return cgroupFallback == null ? "" : cgroupFallback;
    }

    /** @return a future of the status, completed on a pool thread; the same one on every call */
    public CompletableFuture<ExitStatus> onExit() {
        CompletableFuture<ExitStatus> e = exit;
        if (e == null) {
            synchronized (this) {
                e = exit;
                if (e == null) {
                    // Async even when the child is reaped already: callers' dependents never run on the loop.
                    e = reapedStatus.handleAsync((status, failure) -> {
                        if (failure != null) {
                            throw new CompletionException(failure);
                        }
                        return status;
                    });
                    exit = e; // volatile write: release
                }
            }
            watchNow();
        }
        return e;
    }

    /**
     * Waits for the reap: on a platform thread, for a child nothing has to be done to between
     * its exit and its reap, by waiting for the exit and reaping here (see the class comment).
     */
    public ExitStatus waitFor() throws InterruptedException {
        if (waitsHere()) {
            ExitStatus status = waitHere(Long.MAX_VALUE);
            if (status != null) {
                return status;
            }
        } else {
            watchNow();
        }
        try {
            return reapedStatus.get();
        } catch (ExecutionException e) {
            throw new UncheckedIOException((IOException) e.getCause());
        }
    }

    /** Waits at most {@code timeout} for the reap, as {@link #waitFor()}. */
    public ExitStatus waitFor(Duration timeout) throws InterruptedException, TimeoutException {
        long nanos = timeout.toNanos(); // saturated
        long deadline = System.nanoTime() + nanos;
        if (waitsHere()) {
            ExitStatus status = waitHere(nanos > Long.MAX_VALUE / 4 ? Long.MAX_VALUE : deadline);
            if (status != null) {
                return status;
            }
            nanos = Math.max(0, deadline - System.nanoTime());
        } else {
            watchNow();
        }
        try {
            return reapedStatus.get(nanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new UncheckedIOException((IOException) e.getCause());
        }
    }

    /** Whether this thread may wait for the exit itself: a platform thread, a child it may reap, not reaped yet. */
    private boolean waitsHere() {
        return reapableByWaiter && !reapedStatus.isDone() && !Thread.currentThread().isVirtual();
    }

    /** @return whether the child has not been reaped yet */
    public boolean isAlive() {
        reapIfExitedNow();
        return !reapedStatus.isDone();
    }

    /**
     * @return the status once reaped, else null
     * @throws CompletionException when waitid failed
     */
    public ExitStatus statusNow() {
        reapIfExitedNow();
        return reapedStatus.isDone() ? reapedStatus.join() : null;
    }

    /** @return whether waiting for the child failed (it is then given up, not reaped) */
    public boolean waitFailed() {
        reapIfExitedNow();
        return reapedStatus.isCompletedExceptionally();
    }

    /** @return the child's stdin: a pipe, or a stream that refuses writes */
    public OutputStream stdin() {
        return streams.stdin();
    }

    /** @return the child's stdout: a pipe, or an empty stream */
    public InputStream stdout() {
        return streams.stdout();
    }

    /** @return the child's stderr: a pipe, or an empty stream */
    public InputStream stderr() {
        return streams.stderr();
    }

    /** @return the memfd stdout went to, or null */
    public Memfd stdoutMemfd() {
        return streams.stdoutMemfd();
    }

    /** @return the memfd stderr went to, or null */
    public Memfd stderrMemfd() {
        return streams.stderrMemfd();
    }

    ChildStreams streams() {
        return streams;
    }

    /** @return what the child was started from (for JdkProcess, the java.lang.Process view) */
    ProcessSpec spec() {
        return spec;
    }
}
