package dev.spawnring.internal.process;

import dev.spawnring.Result;
import dev.spawnring.SpawnException;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A Spawner's machinery: its event loops (each a thread and a ring), the {@code /dev/null}
 * its children share, which loop takes a spawn, and the hand-off of a spawn to a loop.
 *
 * <p>Each spawn goes to the least busy loop: the one with the fewest spawns waiting to be
 * cloned, then the fewest live children, then the first. A child stays on the loop that
 * cloned it for its whole life.
 *
 * <p>The first loop is started with the group (its ring decides the backend, and a ring that
 * cannot be opened fails the Spawner at once); each other loop when a spawn first picks it,
 * that is when every loop before it is busy. A loop not started yet counts as idle, so the
 * choice is the one it would be were every loop running; a Spawner that never has two
 * children at once never pays for a second thread and ring. A loop that cannot be started
 * then (no fd left for its ring) leaves the spawn to the first loop.
 */
public final class LoopGroup {
    private static final int RING_ENTRIES = 256;

    /** The loops; null until started. Only {@link #startLoop} writes an element, under {@link #lock}. */
    private final AtomicReferenceArray<EventLoop> loops;
    private final int loopCount;
    private final int devNull;
    /** Loops started and not yet ended, plus one while the group is open: /dev/null is closed at 0. */
    private final AtomicInteger holders = new AtomicInteger(1);
    /** Guards starting a loop against {@link #close()}. */
    private final Object lock = new Object();
    private volatile boolean closed;
    /** The parent cgroup the Spawner was given, or null (then found at run time). */
    private volatile java.nio.file.Path cgroupParent;
    /** Where trees are made, found on the first spawn that asks for one (again until one is found). */
    private volatile CgroupPlace cgroupPlace;

    /**
     * Opens the first loop's ring and starts its thread; the others start when first needed.
     *
     * @param backend   every ring's backend, or null for io_uring where allowed (as {@link Ring#open(int)})
     * @param loopCount how many loops
     */
    public LoopGroup(Backend backend, int loopCount) throws IOException {
        this.devNull = Errno.check("open /dev/null", Sys.openat(Linux.AT_FDCWD, "/dev/null",
                Linux.O_RDWR | Linux.O_CLOEXEC, 0));
        this.loops = new AtomicReferenceArray<>(loopCount);
        this.loopCount = loopCount;
        try {
            // The first ring picks the backend (or is told); the others follow it.
            Ring ring = backend == null ? Ring.open(RING_ENTRIES) : Ring.open(RING_ENTRIES, backend);
            start(ring, 0);
        } catch (IOException | RuntimeException e) {
            Sys.close(devNull);
            throw e;
        }
    }

    /** Starts loop {@code index} on {@code ring} (closed if that fails). */
    private EventLoop start(Ring ring, int index) throws IOException {
        EventLoop loop;
        try {
            loop = new EventLoop(ring, index);
        } catch (IOException | RuntimeException e) {
            ring.close();
            throw e;
        }
        holders.incrementAndGet();
        loop.onTermination(new Runnable() { // not a lambda: see Handoff
            @Override
            public void run() {
                release();
            }
        });
        loops.set(index, loop);
        loop.start();
        return loop;
    }

    /** Loop {@code index}, started now unless it runs already; the first loop when it cannot be. */
    private EventLoop loop(int index) {
        EventLoop loop = loops.get(index);
        if (loop != null) {
            return loop;
        }
        synchronized (lock) {
            loop = loops.get(index);
            if (loop != null || closed) {
                return loop != null ? loop : loops.get(0); // closed: the first loop refuses the spawn
            }
            try {
                return start(Ring.open(RING_ENTRIES, backend()), index);
            } catch (IOException | RuntimeException e) {
                System.getLogger("dev.spawnring").log(System.Logger.Level.WARNING,
                        "spawnring could not start event loop " + index + ", its spawns go to the first loop", e);
                return loops.get(0);
            }
        }
    }

    private void release() {
        if (holders.decrementAndGet() == 0) {
            Sys.close(devNull);
        }
    }

    /**
     * Sets the parent cgroup trees are made under (see {@link CgroupPlace}); null to find one.
     *
     * @param parent a cgroup v2 directory, or null
     */
    public void cgroupParent(java.nio.file.Path parent) {
        this.cgroupParent = parent;
        this.cgroupPlace = null;
    }

    /** @return where trees are made for this group's spawns, found now unless found before */
    public CgroupPlace cgroupPlace() {
        CgroupPlace p = cgroupPlace;
        if (p == null) {
            p = CgroupPlace.find(cgroupParent);
            if (p.parent() != null) {
                cgroupPlace = p;
            }
        }
        return p;
    }

    private CgroupPlace cgroupPlace(ProcessSpec spec) {
        return spec.newCgroup() ? cgroupPlace() : null;
    }

    /** @return the backend the rings run on */
    public Backend backend() {
        return loops.get(0).ring().backend();
    }

    /** @return how many loops there are (started or not) */
    public int loops() {
        return loopCount;
    }

    /**
     * The least busy loop: fewest spawns waiting, then fewest live children, then the first.
     * A loop not started yet is idle; it is started when picked. A loop that failed is passed
     * over while another can take the spawn (it would refuse it).
     */
    private EventLoop pick() {
        int best = -1;
        long least = Long.MAX_VALUE;
        for (int i = 0; i < loopCount && least != 0; i++) {
            EventLoop l = loops.get(i);
            if (l != null && l.failure() != null) {
                continue;
            }
            long load = l == null ? 0 : l.load();
            if (load < least) {
                least = load;
                best = i;
            }
        }
        return best < 0 ? loops.get(0) : loop(best);
    }

    /**
     * Starts one child; returns once it runs the program (or has failed to). Without a
     * parent-death signal the child is cloned on the calling thread and only its exit watch
     * is handed to a loop; with one, the loop thread clones it (see {@link Launch#startHere}).
     *
     * @throws IllegalStateException when closed
     */
    public ChildState spawn(ProcessSpec spec) throws SpawnException {
        ensureOpen();
        Launch launch = Launch.compile(devNull, spec, -1, cgroupPlace(spec));
        if (launch.clonesOnCaller()) {
            return launch.startHere(pick());
        }
        return join(handOff(launch));
    }

    /**
     * Starts every child, one submission per loop used, the specs dealt over the loops in turn
     * from the least busy one; then returns the children in order. If one fails, the others are
     * killed (SIGKILL) and reaped, and the first failure is thrown.
     */
    public List<ChildState> spawnAll(List<ProcessSpec> specs) throws SpawnException {
        return spawnAll(specs, loopCount, false);
    }

    /**
     * Starts every child in one submission on one loop (the least busy), as one chain after
     * another: a pipeline's stages, started together. Otherwise as {@link #spawnAll(List)}, but
     * when one fails the others are not only killed but waited for (reaped) before the failure is
     * thrown, as {@code ProcessBuilder.startPipeline} waits for the stages it started.
     */
    public List<ChildState> spawnTogether(List<ProcessSpec> specs) throws SpawnException {
        return spawnAll(specs, 1, true);
    }

    /** {@link #spawnAll(List)} over at most {@code maxLoops} loops. */
    private List<ChildState> spawnAll(List<ProcessSpec> specs, int maxLoops, boolean awaitKilled)
            throws SpawnException {
        List<Launch> launches = new ArrayList<>();
        try {
            for (ProcessSpec spec : specs) {
                launches.add(Launch.compile(devNull, spec, -1, cgroupPlace(spec)));
            }
            ensureOpen();
        } catch (SpawnException | RuntimeException e) {
            // Those compiled already own pipes and memory: let the loop start nothing and drop them.
            launches.forEach(Launch::discard);
            throw e;
        }
        List<CompletableFuture<ChildState>> futures = new ArrayList<>();
        for (int i = 0; i < launches.size(); i++) {
            futures.add(new CompletableFuture<>());
        }
        int used = Math.min(Math.min(maxLoops, loopCount), launches.size());
        int first = pick().index();
        for (int k = 0; k < used; k++) {
            EventLoop loop = loop((first + k) % loopCount);
            Handoff handoff = new Handoff(loop);
            for (int i = k; i < launches.size(); i += used) {
                handoff.add(launches.get(i), futures.get(i));
            }
            try {
                handoff.submit();
            } catch (IllegalStateException e) {
                handoff.fail(e);
            }
        }
        List<ChildState> children = new ArrayList<>();
        Exception failure = null;
        for (CompletableFuture<ChildState> f : futures) {
            try {
                children.add(join(f));
            } catch (SpawnException | RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            children.forEach(c -> c.signal(Linux.SIGKILL));
            if (awaitKilled) {
                children.forEach(c -> c.onExit().exceptionally(e -> null).join());
            }
            if (failure instanceof SpawnException s) {
                throw s;
            }
            throw (RuntimeException) failure;
        }
        return children;
    }

    /**
     * Runs one child to its end, capturing stdout and stderr where they are pipes or memfds,
     * up to {@code limit} bytes each (stdin, when a pipe, is closed at once).
     *
     * @return the result, or a future failed with a {@link SpawnException} when it did not start
     */
    public CompletableFuture<Result> run(ProcessSpec spec, int limit) {
        CompletableFuture<ChildState> started;
        try {
            started = start(spec, limit);
        } catch (SpawnException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return started.thenCompose(child -> {
            ChildStreams s = child.streams();
            CompletableFuture<byte[]> out = s.capturedStdout();
            CompletableFuture<byte[]> err = s.capturedStderr();
            return CompletableFuture.allOf(out, err, child.onExit()).thenApply(v -> {
                byte[] stdout = child.stdoutMemfd() != null ? readAndClose(child.stdoutMemfd(), limit) : out.join();
                byte[] stderr = child.stderrMemfd() != null ? readAndClose(child.stderrMemfd(), limit) : err.join();
                boolean truncated = s.captureTruncated() || stdout.length > limit || stderr.length > limit;
                return new Result(child.onExit().join(), Arrays.copyOf(stdout, Math.min(limit, stdout.length)),
                        Arrays.copyOf(stderr, Math.min(limit, stderr.length)), truncated);
            });
        });
    }

    /** @return up to {@code limit + 1} bytes of {@code m} (one more tells it holds more) */
    private static byte[] readAndClose(Memfd m, int limit) {
        try {
            return m.readAllBytes(limit + 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            m.close();
        }
    }

    private CompletableFuture<ChildState> start(ProcessSpec spec, int captureLimit) throws SpawnException {
        ensureOpen();
        return handOff(Launch.compile(devNull, spec, captureLimit, cgroupPlace(spec)));
    }

    /** Hands {@code launch} to the least busy loop, whose thread clones it. */
    private CompletableFuture<ChildState> handOff(Launch launch) {
        CompletableFuture<ChildState> future = new CompletableFuture<>();
        Handoff handoff = new Handoff(pick());
        handoff.add(launch, future);
        handoff.submit();
        return future;
    }

    /**
     * Launches handed to one loop: on the loop thread, their chains are queued, then one
     * submission clones them (vfork style). A class rather than a lambda, as is everything on
     * the way to a first spawn: a cold JVM pays for each lambda with a class spun at run time.
     */
    private static final class Handoff implements Runnable {
        private final EventLoop loop;
        private final List<Launch> launches = new ArrayList<>();
        private final List<CompletableFuture<ChildState>> futures = new ArrayList<>();

        Handoff(EventLoop loop) {
            this.loop = loop;
        }

        void add(Launch launch, CompletableFuture<ChildState> future) {
            launches.add(launch);
            futures.add(future);
        }

        /**
         * Hands the launches to the loop.
         *
         * @throws IllegalStateException when the loop has ended; the launches are given back
         */
        void submit() {
            loop.spawnsQueued(launches.size());
            try {
                loop.execute(this);
            } catch (IllegalStateException e) {
                loop.spawnsDone(launches.size());
                for (Launch l : launches) {
                    l.discard();
                }
                throw e;
            }
        }

        /** Fails every launch's future with {@code e}. */
        void fail(IllegalStateException e) {
            for (CompletableFuture<ChildState> f : futures) {
                f.completeExceptionally(e);
            }
        }

        @Override
        public void run() {
            try {
                for (int i = 0; i < launches.size(); i++) {
                    launches.get(i).start(loop, futures.get(i));
                }
                loop.submit(); // the clones happen here, vfork style
            } finally {
                loop.spawnsDone(launches.size());
            }
        }
    }

    /** Unwraps a spawn's failure. */
    private static ChildState join(CompletableFuture<ChildState> future) throws SpawnException {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SpawnException s) {
                throw s;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new UncheckedIOException(new IOException(e.getCause()));
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("spawner is closed");
        }
    }

    /**
     * Refuses new spawns and kills every child's tree ({@link ChildState#killTree}); each loop
     * ends once every child it cloned is reaped and its cgroup removed.
     */
    public void closeKillingTrees() {
        close();
        for (int i = 0; i < loopCount; i++) {
            EventLoop loop = loops.get(i);
            if (loop != null) {
                for (ChildState child : loop.trees()) {
                    child.killTree();
                }
            }
        }
    }

    /** Refuses new spawns; each loop ends once every child it cloned is reaped. */
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (int i = 0; i < loopCount; i++) {
            EventLoop loop = loops.get(i);
            if (loop != null) {
                loop.shutdown();
            }
        }
        release();
    }

    /**
     * For tests of what a failing loop does: makes loop {@code index}'s thread (started if it
     * was not) fail with {@code fault} as if its ring had, the next time it wakes (at once).
     */
    public void injectFault(int index, RuntimeException fault) {
        loop(index).injectFault(fault);
    }

    /** Waits until every loop thread started has ended. */
    public void awaitTermination() throws InterruptedException {
        for (int i = 0; i < loopCount; i++) {
            EventLoop loop = loops.get(i);
            if (loop != null) {
                loop.join();
            }
        }
    }
}
