package dev.spawnring.internal.process;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Cqe;
import dev.spawnring.uring.IoUring;
import dev.spawnring.uring.Ring;
import dev.spawnring.uring.Sqe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * <p>Everything but {@link #execute}, {@link #inLoop}, {@link #shutdown} and the load
 * counters ({@link #load}) runs on the loop thread only.
 */
final class EventLoop implements Runnable {
    /** What a request does when it completes; runs on the loop thread. */
    interface Completion {
        void complete(Cqe cqe);
    }

    private static final AtomicInteger NEXT_NUMBER = new AtomicInteger();

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
    private final Map<Long, Completion> completions = new HashMap<>();
    /** Children not yet reaped and streams not yet closed: the loop ends only when this is 0. */
    private int keepAlive;
    private long nextUserData = 1;
    private long wakeUserData;
    private volatile boolean shuttingDown;
    /** Write-locked by the loop to end; read-locked by {@link #execute}. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock gate =
            new java.util.concurrent.locks.ReentrantReadWriteLock();
    /** Guarded by gate: the loop takes no more tasks and its eventfd is (being) closed. */
    private boolean ended;
    private final List<Runnable> onTermination = new CopyOnWriteArrayList<>();

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

    /** Loop thread: a child cloned here was started, or reaped. */
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
                throw new IllegalStateException("spawner is closed");
            }
            tasks.add(task);
            if (!inLoop() && wakePending.compareAndSet(false, true)) {
                Sys.write(wakeFd, wakeOne, 8);
            }
        } finally {
            gate.readLock().unlock();
        }
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
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

    /** Something (a child, a stream) the loop must outlive. */
    void retain() {
        keepAlive++;
    }

    void release() {
        keepAlive--;
    }

    /** @return a free SQE, submitting first when the queue is full */
    Sqe sqe() {
        Sqe s = ring.getSqe();
        if (s == null) {
            submit();
            s = ring.getSqe();
        }
        return s;
    }

    /** Makes sure {@code n} SQEs can be got without a submission in between (a chain). */
    void reserve(int n) {
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
        long id = nextUserData++;
        completions.put(id, c);
        return id;
    }

    void submit() {
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
                if (shuttingDown && keepAlive == 0 && tasks.isEmpty() && end()) {
                    break;
                }
                ring.submit();
                Cqe cqe = ring.waitCqe();
                do {
                    ring.cqeSeen(cqe);
                    Completion c = (cqe.flags() & IoUring.IORING_CQE_F_MORE) != 0
                            ? completions.get(cqe.userData()) : completions.remove(cqe.userData());
                    if (c != null) {
                        Cqe done = cqe;
                        runSafely(() -> c.complete(done));
                    }
                } while ((cqe = ring.peekCqe()) != null);
            }
        } catch (IOException | RuntimeException e) {
            System.getLogger("dev.spawnring").log(System.Logger.Level.ERROR, "spawnring event loop failed", e);
        } finally {
            endNow();
            // Cancels and reaps what is still in flight (a read of a pipe a grandchild keeps
            // open, say), so the kernel no longer touches any buffer; then tells each waiter.
            ring.close();
            completions.remove(wakeUserData);
            for (Map.Entry<Long, Completion> e : List.copyOf(completions.entrySet())) {
                runSafely(() -> e.getValue().complete(Cqe.of(e.getKey(), -Errno.ECANCELED, 0)));
            }
            completions.clear();
            for (Runnable t; (t = tasks.poll()) != null; ) {
                runSafely(t);
            }
            Sys.close(wakeFd);
            NativeMemory.free(wakeBuf);
            NativeMemory.free(wakeOne);
            onTermination.forEach(EventLoop::runSafely);
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

    private static void runSafely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException | Error e) {
            System.getLogger("dev.spawnring").log(System.Logger.Level.ERROR, "spawnring callback failed", e);
        }
    }
}
