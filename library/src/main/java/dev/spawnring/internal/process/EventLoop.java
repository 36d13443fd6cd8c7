package dev.spawnring.internal.process;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.internal.sys.SysException;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Cqe;
import dev.spawnring.uring.IoUring;
import dev.spawnring.uring.Ring;
import dev.spawnring.uring.Sqe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One event-loop thread of a Spawner ({@link LoopGroup} has one or more): it owns its ring,
 * clones the children the Spawner gives it (so a parent-death signal follows this
 * long-lived thread, not a caller's), and turns completions into callbacks. A child stays
 * on the loop that cloned it: its WAITID, pipes and timeouts go through this ring. Other
 * threads hand it work with {@link #execute}; a READ on an eventfd, always armed, wakes it.
 *
 * <p>Everything but {@link #execute}, {@link #inLoop}, {@link #shutdown}, {@link #failure}
 * and the load counters ({@link #load}) runs on the loop thread only.
 *
 * <p><b>When the loop thread fails</b> (its ring's {@code io_uring_enter} fails, say), no
 * caller is left waiting: every request in flight is cancelled, every registered completion
 * runs with {@code -ECANCELED} (its owner then fails its future or stream, naming this
 * failure, see {@link #error}), the tasks already accepted still run (a request they make is
 * refused, and its completion runs with {@code -ECANCELED} too), and {@link #execute} refuses
 * new work with an {@link IllegalStateException} that names the failure.
 */
final class EventLoop implements Runnable {
    /** What a request does when it completes; runs on the loop thread. */
    interface Completion {
        void complete(Cqe cqe);
    }

    private static final AtomicInteger NEXT_NUMBER = new AtomicInteger();
    /** Makes exits watched as before Linux 6.7 (POLL_ADD on the pidfd), for tests of that path. */
    static final String NO_WAITID_PROPERTY = "spawnring.debug.noRingWaitid";
    /** io_uring's answer to IORING_REGISTER_PROBE for WAITID, once asked. */
    private static volatile Boolean kernelWaitid;

    private final Ring ring;
    private final int index;
    private final Thread thread;
    /** Spawns handed to this loop whose CLONE chains have not been submitted yet (the loop is busy cloning). */
    private final AtomicInteger spawning = new AtomicInteger();
    /** Children cloned here and not yet reaped. */
    private final AtomicInteger children = new AtomicInteger();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final int wakeFd;
    private final MemorySegment wakeBuf = NativeMemory.calloc(8);
    private final MemorySegment wakeOne = NativeMemory.calloc(8);
    /** The requests in flight by user_data: dispatched with no map look-up and no allocation. */
    private final CompletionSlots<Completion> completions = new CompletionSlots<>();
    /** Children whose exit the loop watches at its next sweep, unless a waiter has by then. */
    private final LateWatches lateWatches = new LateWatches(this);
    /**
     * Children not yet reaped and streams not yet closed: the loop ends only when this is 0.
     * Retained on the loop thread or, for a child, by the thread that cloned it
     * ({@link #watchLater}); released there, or by a thread that reaped a child itself.
     */
    private final AtomicInteger keepAlive = new AtomicInteger();
    private long wakeUserData;
    private volatile boolean shuttingDown;
    /** Write-locked by the loop to end; read-locked by {@link #execute}. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock gate =
            new java.util.concurrent.locks.ReentrantReadWriteLock();
    /** Guarded by gate: the loop takes no more tasks and its eventfd is (being) closed. */
    private boolean ended;
    private final List<Runnable> onTermination = new CopyOnWriteArrayList<>();
    /** Why the loop thread failed, or null. */
    private volatile Throwable failure;
    /** A fault a test asked the loop thread to fail with ({@link #injectFault}), or null. */
    private volatile RuntimeException injected;
    /** Loop thread: the ring is closed (the loop is ending); {@link #sqe} refuses. */
    private boolean drained;
    /** Whether the ring runs IORING_OP_WAITID (io_uring from Linux 6.7, and FALLBACK). */
    private final boolean waitidOp;

    EventLoop(Ring ring, int index) throws IOException {
        this.ring = ring;
        this.index = index;
        int fd = Sys.eventfd(0, Linux.EFD_CLOEXEC);
        if (fd < 0) {
            NativeMemory.free(wakeBuf);
            NativeMemory.free(wakeOne);
        }
        this.wakeFd = Errno.check("eventfd", fd);
        wakeOne.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 1L);
        this.thread = Thread.ofPlatform().daemon().name("spawnring-loop-" + NEXT_NUMBER.incrementAndGet())
                .unstarted(this);
        this.waitidOp = ringHasWaitid(ring);
    }

    /**
     * Whether {@code ring} runs {@code IORING_OP_WAITID}: FALLBACK always; io_uring from Linux
     * 6.7, as {@code IORING_REGISTER_PROBE} says (asked once per JVM: the kernel's answer does
     * not change). {@code -Dspawnring.debug.noRingWaitid=true} answers no, for tests of the
     * other path on a newer kernel.
     */
    static boolean ringHasWaitid(Ring ring) {
        if (Boolean.getBoolean(NO_WAITID_PROPERTY)) {
            return false;
        }
        if (ring.backend() == Backend.FALLBACK) {
            return true;
        }
        Boolean k = kernelWaitid;
        if (k == null) {
            try {
                k = ring.probe().supports(IoUring.IORING_OP_WAITID);
            } catch (IOException | RuntimeException e) {
                k = false; // the POLL_ADD path needs nothing newer than the ring itself
            }
            kernelWaitid = k;
        }
        return k;
    }

    /**
     * @return whether the ring has {@code IORING_OP_WAITID}; where it has not (io_uring before
     *         Linux 6.7), an exit is watched with a POLL_ADD on the pidfd instead
     */
    boolean hasWaitid() {
        return waitidOp;
    }

    /** @return this loop's place among its Spawner's loops, from 0 */
    int index() {
        return index;
    }

    /**
     * How busy this loop is, for picking one: spawns waiting to be cloned first (a clone
     * blocks the loop thread until the child execs), then children alive on it; lower is
     * less busy. Callable from any thread (a snapshot).
     */
    long load() {
        return ((long) spawning.get() << 32) | children.get();
    }

    /** Any thread: {@code n} spawns are being handed to this loop. */
    void spawnsQueued(int n) {
        spawning.addAndGet(n);
    }

    /** {@code n} spawns handed to this loop are submitted (cloned), or will never be. */
    void spawnsDone(int n) {
        spawning.addAndGet(-n);
    }

    /**
     * The children cloned here whose trees may still hold processes: from the start until the
     * reap, or until their cgroup is removed. {@code Spawner.close} may kill them all.
     */
    private final java.util.Set<ChildState> trees = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** @return a snapshot of the children whose trees may still hold processes */
    java.util.List<ChildState> trees() {
        return java.util.List.copyOf(trees);
    }

    void treeStarted(ChildState child) {
        trees.add(child);
    }

    void treeGone(ChildState child) {
        trees.remove(child);
    }

    /** Any thread: a child was cloned for this loop (here, or on a caller's thread), or reaped. */
    void childStarted() {
        children.incrementAndGet();
    }

    void childReaped() {
        children.decrementAndGet();
    }

    /** Runs {@code r} when the loop thread ends, after the ring is closed. */
    void onTermination(Runnable r) {
        onTermination.add(r);
    }

    void start() {
        thread.start();
    }

    /**
     * Runs {@code task} on the loop thread, soon. Callable from any thread.
     *
     * @throws IllegalStateException once the loop has ended: a task accepted is always run
     */
    void execute(Runnable task) {
        // The read lock keeps the loop from ending (and closing the eventfd, whose number could
        // then be reused by anyone) between the check and the wake-up write.
        gate.readLock().lock();
        try {
            if (ended) {
                throw refused();
            }
            enqueue(task);
        } finally {
            gate.readLock().unlock();
        }
    }

    /** Caller holds the gate's read lock and has seen the loop not ended. */
    private void enqueue(Runnable task) {
        tasks.add(task);
        if (!inLoop() && wakePending.compareAndSet(false, true)) {
            Sys.write(wakeFd, wakeOne, 8);
        }
    }

    /**
     * Any thread: retains the loop for {@code child} and leaves its exit to be watched later
     * ({@link LateWatches}); the loop is woken only when no sweep is armed yet.
     *
     * @throws IllegalStateException once the loop has ended (then nothing is retained)
     */
    void watchLater(ExitWatch child) {
        gate.readLock().lock(); // the loop cannot end between the check and the retain
        try {
            if (ended) {
                throw refused();
            }
            retain();
            if (lateWatches.add(child)) {
                enqueue(lateWatches::arm);
            }
        } finally {
            gate.readLock().unlock();
        }
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** @return why the loop thread failed, or null (it runs, or ended normally) */
    Throwable failure() {
        return failure;
    }

    /** What {@link #execute} and {@link #sqe} throw once the loop has ended: names its failure, if any. */
    IllegalStateException refused() {
        Throwable f = failure;
        return f == null ? new IllegalStateException("spawner is closed")
                : new IllegalStateException("spawnring event loop " + thread.getName() + " failed: " + f, f);
    }

    /**
     * The error a request that completed with {@code res < 0} gives its waiter: when the loop
     * failed and cancelled it, the loop's failure (as the cause), else the errno, as a
     * {@link SysException} (which {@code JdkProcess} turns into the JDK's message).
     *
     * @param what what failed, e.g. {@code "read stdout of 1234"}
     */
    IOException error(String what, int res) {
        Throwable f = failure;
        if (f != null && res == -Errno.ECANCELED) {
            return new IOException(what + ": spawnring event loop " + thread.getName() + " failed: " + f, f);
        }
        return new SysException(what, -res);
    }

    /**
     * Makes the loop thread fail with {@code fault}, as if its ring had failed, the next time
     * it wakes (which this call makes happen): for tests of what a failing loop does.
     */
    void injectFault(RuntimeException fault) {
        injected = fault;
        try {
            execute(() -> { });
        } catch (IllegalStateException ended) {
            // Nothing left to fail.
        }
    }

    /** Asks the loop to end once nothing keeps it alive. */
    void shutdown() {
        shuttingDown = true;
        try {
            execute(() -> { });
        } catch (IllegalStateException alreadyEnded) {
            // The loop saw shuttingDown before this wake-up and ended: nothing left to do.
        }
    }

    /** @return whether the loop thread has ended */
    boolean terminated() {
        return !thread.isAlive();
    }

    void join() throws InterruptedException {
        thread.join();
    }

    // ---- loop-thread API

    /** Any thread: something (a child, a stream) the loop must outlive. */
    void retain() {
        keepAlive.incrementAndGet();
    }

    /**
     * Any thread: what was retained is gone. Off the loop thread, the last release of a loop
     * that is shutting down wakes it, so it sees it may end (the decrement and the read of
     * {@code shuttingDown} are both volatile, as are shutdown's write and the loop's reads: one
     * of the two sides sees the other).
     */
    void release() {
        if (keepAlive.decrementAndGet() == 0 && shuttingDown && !inLoop()) {
            try {
                execute(() -> { });
            } catch (IllegalStateException ended) {
                // It saw the 0 itself and ended.
            }
        }
    }

    /**
     * @return a free SQE, submitting first when the queue is full
     * @throws IllegalStateException once the loop is ending and its ring is closed
     */
    Sqe sqe() {
        if (drained) {
            throw refused();
        }
        Sqe s = ring.getSqe();
        if (s == null) {
            submit();
            s = ring.getSqe();
        }
        return s;
    }

    /** Makes sure {@code n} SQEs can be got without a submission in between (a chain). */
    void reserve(int n) {
        if (drained) {
            throw refused();
        }
        if (ring.sqSpaceLeft() < n) {
            submit();
        }
        if (ring.sqSpaceLeft() < n) {
            throw new IllegalStateException("a chain of " + n + " requests does not fit a ring of "
                    + ring.sqEntries());
        }
    }

    /** @return a user_data whose completion runs {@code c} */
    long register(Completion c) {
        return completions.put(c);
    }

    void submit() {
        if (drained) {
            throw refused();
        }
        try {
            ring.submit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Ring ring() {
        return ring;
    }

    @Override
    public void run() {
        try {
            armWake();
            while (true) {
                for (Runnable t; (t = tasks.poll()) != null; ) {
                    runSafely(t);
                }
                RuntimeException fault = injected;
                if (fault != null) {
                    throw fault;
                }
                if (shuttingDown && keepAlive.get() == 0 && tasks.isEmpty() && end()) {
                    break;
                }
                // One io_uring_enter both submits and waits (it returns at once when a completion is there).
                ring.submitAndWait(1);
                Cqe cqe = ring.waitCqe();
                do {
                    ring.cqeSeen(cqe);
                    Completion c = completions.take(cqe.userData(), (cqe.flags() & IoUring.IORING_CQE_F_MORE) != 0);
                    if (c != null) {
                        completeSafely(c, cqe);
                    }
                } while ((cqe = ring.peekCqe()) != null);
            }
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
            System.getLogger("dev.spawnring").log(System.Logger.Level.ERROR,
                    "spawnring event loop " + thread.getName() + " failed; what waits on it fails too", e);
        } finally {
            endNow();
            completions.take(wakeUserData, false);
            // Cancels and reaps what is still in flight (a read of a pipe a grandchild keeps
            // open, say), so the kernel no longer touches any buffer; then tells each waiter.
            cancelInFlight();
            drained = true;
            ring.close();
            failWaiters();
            Sys.close(wakeFd);
            NativeMemory.free(wakeBuf);
            NativeMemory.free(wakeOne);
            onTermination.forEach(EventLoop::runSafely);
        }
    }

    /**
     * Cancels each registered request by its user_data. Ring.close cancels everything with one
     * {@code IORING_ASYNC_CANCEL_ANY}, but io_uring has that only from Linux 5.19; this works
     * everywhere. Best effort: the ring may be what failed.
     */
    private void cancelInFlight() {
        try {
            for (long target : completions.userData()) {
                sqe().prepCancel(target, 0).userData(0);
            }
            if (wakeUserData != 0) {
                sqe().prepCancel(wakeUserData, 0).userData(0);
            }
            ring.submit();
        } catch (IOException | RuntimeException e) {
            // Ring.close cancels what it can, and waits a while for the rest.
        }
    }

    /**
     * The loop has ended and its ring is closed: every registered completion runs with
     * {@code -ECANCELED}, and every task still queued runs (what it asks of the ring is
     * refused, and what it registered meanwhile is completed the same way), until none is left.
     */
    private void failWaiters() {
        while (true) {
            if (!completions.isEmpty()) {
                for (long userData : completions.userData()) {
                    Completion c = completions.take(userData, false);
                    if (c != null) {
                        completeSafely(c, Cqe.of(userData, -Errno.ECANCELED, 0));
                    }
                }
                continue;
            }
            Runnable t = tasks.poll();
            if (t == null) {
                return;
            }
            runSafely(t);
        }
    }

    /** Ends the loop unless a task came in since the caller looked: then it must run first. */
    private boolean end() {
        gate.writeLock().lock();
        try {
            if (!tasks.isEmpty()) {
                return false;
            }
            ended = true;
            return true;
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** The loop is ending, normally or not: refuse new tasks (those accepted still run). */
    private void endNow() {
        gate.writeLock().lock();
        try {
            ended = true;
        } finally {
            gate.writeLock().unlock();
        }
    }

    private void armWake() {
        wakeUserData = register(cqe -> {
            wakePending.set(false);
            armWake();
        });
        sqe().prepRead(wakeFd, wakeBuf, 8, -1).userData(wakeUserData);
    }

    private static void completeSafely(Completion c, Cqe cqe) {
        try {
            c.complete(cqe);
        } catch (RuntimeException | Error e) {
            System.getLogger("dev.spawnring").log(System.Logger.Level.ERROR, "spawnring callback failed", e);
        }
    }

    private static void runSafely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException | Error e) {
            System.getLogger("dev.spawnring").log(System.Logger.Level.ERROR, "spawnring callback failed", e);
        }
    }
}
