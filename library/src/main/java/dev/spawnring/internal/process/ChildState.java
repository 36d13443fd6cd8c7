package dev.spawnring.internal.process;

import dev.spawnring.ExitStatus;
import dev.spawnring.TreeKill;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One child's life on the loop that cloned it, behind a public {@code Child}: its status, the
 * waits for it, its signals and its streams. Its pid and pidfd, and the rule that nothing is
 * signalled once it is reaped, are {@link ChildPid}'s; what its loop does for it (the exit seen
 * before the reap, the timeout, the group and the cgroup) is {@link ExitWatch}'s.
 *
 * <p><b>A waiter that reaps.</b> When nothing has to happen between the exit and the reap (no
 * group to kill, no timeout, no cgroup), a platform thread in {@link #waitFor} waits for the exit
 * itself ({@link FdWait}: a poll of the pidfd) and reaps the child on its own thread
 * ({@link ChildPid#awaitAndReap}): the kernel wakes it at the exit, where the loop would have been
 * woken first and then woken it. The loop and the waiters never watch at the same time (both woken
 * at the exit, they would only contend): a waiter that finds the loop watching waits for the
 * loop's reap; the last waiter to leave without the exit (an interrupt, a timeout) hands the watch
 * back to the loop.
 *
 * <p><b>A watch that starts late.</b> Such a child is not watched by the loop from its start
 * ({@link ExitWatch#startLater}): the loop watches it at its next sweep ({@link LateWatches}), at
 * most a few milliseconds later, only if nobody has reaped it or waits for it by then. So a caller
 * that waits at once wakes nobody but itself. {@code onExit()} and the waits that go through the
 * loop (virtual threads) ask for the watch at once; {@link #isAlive} and {@link #statusNow} reap a
 * child the loop does not watch if it has exited, so the late watch never makes an ended child
 * look alive longer.
 */
public final class ChildState {
    private final EventLoop loop;
    private final ChildPid pid;
    private final ExitWatch watch;
    private final ProcessSpec spec;
    private final ChildStreams streams;
    /**
     * Completed the moment the child is reaped (on the loop thread, or on the thread that reaped
     * it): only waited on ({@link #waitFor}) and polled, so a waiter is woken directly rather than
     * through a pool thread. Its one dependent is {@link #exit}'s hand-off, once made.
     */
    private final CompletableFuture<ExitStatus> reapedStatus = new CompletableFuture<>();
    /**
     * The same outcome, completed off the loop thread (the common pool; always async, the
     * failure too), so callers' dependents never run on the loop. Made by the first
     * {@link #onExit()}: a child nobody asks it of costs no pool task at its reap. Written
     * once under this object's lock; read without it (a volatile read: acquire).
     */
    private volatile CompletableFuture<ExitStatus> exit;
    /**
     * Whether a caller's {@link #waitFor} may wait for the exit and reap on its own thread:
     * nothing has to be done between the exit and the reap (see the class comment).
     */
    private final boolean reapableByWaiter;
    /** The child's cgroup, or null. */
    private final Cgroup cgroup;
    /** Why a child that asked for a cgroup has none, or null. */
    private final String cgroupFallback;

    ChildState(EventLoop loop, long pid, int pidfd, ProcessSpec spec, ChildStreams streams, boolean supervised,
            Cgroup cgroup, String cgroupFallback) {
        this.loop = loop;
        this.pid = new ChildPid(pid, pidfd);
        this.spec = spec;
        this.streams = streams;
        this.cgroup = cgroup;
        this.cgroupFallback = cgroupFallback;
        this.reapableByWaiter = supervised && cgroup == null && spec.timeout() == null
                && !spec.killProcessGroupOnExit();
        this.watch = new ExitWatch(this, loop, this.pid, spec, supervised, reapableByWaiter, cgroup);
    }

    // ---- the loop, and the thread that cloned it

    /** Loop thread: the child has been cloned ({@link ExitWatch#started}). */
    void started() {
        watch.started();
    }

    /**
     * Any thread, for a child a waiter may reap, before anyone can wait for it
     * ({@link ExitWatch#startLater}).
     *
     * @throws IllegalStateException when the loop has ended (nothing is taken then)
     */
    void startLater() {
        watch.startLater();
    }

    /** @return whether {@link #startLater} is how this child starts on its loop */
    boolean startsLater() {
        return reapableByWaiter;
    }

    /**
     * The child is reaped (or, with {@code failure}, given up), by its loop or by any thread:
     * its streams and its waiters hear it.
     */
    void settle(ExitStatus status, IOException failure) {
        loop.childReaped();
        streams.childExited();
        if (failure != null) {
            reapedStatus.completeExceptionally(failure);
        } else {
            reapedStatus.complete(status);
        }
    }

    /** A thread other than the loop's reaped the child: what {@link #startLater} took goes back. */
    private void settleReapedHere(ExitStatus status) {
        loop.treeGone(this);
        loop.release();
        settle(status, null);
    }

    /**
     * Any thread: the loop is to watch the exit now (for {@code onExit()} and the waits that go
     * through it), unless a waiter watches (the last to leave without the exit hands it back).
     */
    private void watchNow() {
        if (reapableByWaiter && pid.claimWatchForLoop()) {
            watch.handBack();
        }
    }

    /** A platform thread's own wait and reap ({@link ChildPid#awaitAndReap}); null when it did not reap. */
    private ExitStatus waitHere(long deadline) throws InterruptedException {
        ExitStatus status = pid.awaitAndReap(deadline, watch::handBack);
        if (status != null) {
            settleReapedHere(status);
        }
        return status;
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
        ExitStatus status;
        try {
            status = pid.reapIfExitedUnwatched();
        } catch (UncheckedIOException e) {
            watchNow(); // an accessor does not throw: the loop meets the error and names it
            return;
        }
        if (status != null) {
            settleReapedHere(status);
        }
    }

    /**
     * For a child cloned on a caller's thread whose loop refused it (the loop had ended, so
     * neither {@link #started} nor {@link #startLater} took it): SIGKILL through the pidfd,
     * reaped here (it is our child and nobody else waits for it), its pipes closed, its waiters
     * failed.
     */
    void abandon() {
        pid.killAndReap();
        loop.childReaped();
        for (java.io.Closeable c : new java.io.Closeable[] {streams.stdin(), streams.stdout(), streams.stderr()}) {
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                // Given back by its cleaner instead.
            }
        }
        reapedStatus.completeExceptionally(new IOException("pid " + pid.pid() + " killed: spawner is closed"));
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
        return pid.pid();
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
        pid.signal(signal);
    }

    /**
     * Sends {@code signal} to the process group the child leads; nothing once it is reaped.
     *
     * @throws IllegalStateException when the child leads no group of its own
     */
    public void signalGroup(int signal) {
        if (!spec.leadsOwnGroup()) {
            throw new IllegalStateException("signalGroup: child " + pid.pid() + " leads no process group of its own"
                    + " (start it with newProcessGroup(), newSession(), killProcessGroupOnExit() or a timeout)");
        }
        pid.signalGroup(signal);
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
        return pid.kill(spec.leadsOwnGroup());
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
