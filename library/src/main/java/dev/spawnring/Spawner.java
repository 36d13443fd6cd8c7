package dev.spawnring;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts and supervises child processes through one or more event loops, each a thread of
 * its own with a ring of its own. {@link #spawn} may be called from any thread, virtual
 * threads included; children are cloned on a loop thread, their exits and pipes go through
 * that loop's ring, and no thread is added per child or per stream.
 *
 * <pre>{@code
 * try (Spawner spawner = Spawner.create()) {
 *     Result r = spawner.run(Command.of("uname", "-r")).join();
 *     System.out.println(r.status() + ": " + r.stdoutText());
 *
 *     Child child = spawner.spawn(Command.of("sleep", "10").newProcessGroup());
 *     child.destroy();                                  // SIGTERM through its pidfd
 *     System.out.println(child.waitFor());              // killed by signal 15
 * }
 * }</pre>
 *
 * <p><b>Loops.</b> A clone is vfork style: the loop thread that clones a child is suspended
 * until the child has exec'd, so one loop starts one child at a time. Several loops
 * ({@link Builder#loops}) start that many at once. Each spawn goes to the least busy loop:
 * the one with the fewest spawns waiting to be cloned, then the fewest live children, then
 * the first; so one caller spawning one child at a time keeps using the first loop, and
 * concurrent callers spread over all of them. A child stays on the loop that cloned it for
 * its whole life: its exit (a WAITID), its pipes and its timeout go through that loop's ring.
 * The default is {@link #DEFAULT_LOOPS}.
 *
 * <p><b>Parent-death signal.</b> Linux sends a child's parent-death signal
 * ({@link Command#parentDeathSignal}) when the <em>thread</em> that created it ends, not when
 * the process does. Children are never cloned on a caller's thread (which may be short-lived,
 * a pool's or a virtual thread's carrier), only on loop threads, and every loop thread is
 * long-lived: it starts when the Spawner is built and ends only after {@link #close()}, once
 * every child it cloned has been reaped. So, whichever loop cloned a child, its parent-death
 * signal comes when the JVM dies, not while the child runs under a live JVM.
 *
 * <p>Where io_uring is not allowed the Spawner runs on spawnring's emulated ring over
 * epoll ({@link Backend#FALLBACK}) with the same behaviour (every loop on the same backend).
 * Nothing here waits on "any child" or touches SIGCHLD, so {@code ProcessBuilder} in the
 * same JVM is not disturbed.
 */
public final class Spawner implements AutoCloseable {
    /** What {@link #run} keeps of each of stdout and stderr: 64 MiB; more is read and dropped. */
    public static final int CAPTURE_LIMIT = 64 << 20;

    /** The most event loops a Spawner takes; each is a platform thread and a ring. */
    public static final int MAX_LOOPS = 256;

    /**
     * The event loops a Spawner has unless told otherwise: one per core the JVM may use
     * ({@link Runtime#availableProcessors()}, which follows cgroup CPU limits), at most
     * {@value #DEFAULT_LOOPS_CAP}: every loop is started with the Spawner, so a large machine
     * should not get a hundred idle threads per Spawner by default (more than 2 loops has not
     * been measured); {@link Builder#loops} takes up to {@link #MAX_LOOPS}.
     *
     * <p>Why, measured on 2 cores ({@code spawnring bench --only throughput}, three runs, load
     * average 4 to 8 from other work): with 2, 4 or 16 children in flight one loop per core
     * started 1.3 to 2.3 times as many children per second as one loop (16 in flight: 8,180,
     * 9,815 and 13,625/s against 4,312, 6,559 and 10,045/s), as many as two one-loop Spawners;
     * with one child at a time no fewer (3,374, 2,711 and 4,405/s against 2,791, 2,434 and
     * 4,273/s), since a caller spawning one child at a time keeps using the first loop. A
     * loop costs one platform thread, mostly asleep in {@code io_uring_enter}, and one
     * 256-entry ring; ask for {@code loops(1)} where one thread per Spawner matters more than
     * starting children in parallel.
     */
    public static final int DEFAULT_LOOPS = defaultLoops();

    /** The most loops {@link #DEFAULT_LOOPS} gives, whatever the number of cores. */
    public static final int DEFAULT_LOOPS_CAP = 4;

    private static final int RING_ENTRIES = 256;

    private final EventLoop[] loops;
    private final int devNull;
    /** Loops not yet ended (or never made); /dev/null is closed when this reaches 0. */
    private final AtomicInteger running;
    private volatile boolean closed;

    private Spawner(Backend backend, int loopCount) throws IOException {
        this.devNull = Errno.check("open /dev/null", Sys.openat(Linux.AT_FDCWD, "/dev/null",
                Linux.O_RDWR | Linux.O_CLOEXEC, 0));
        this.loops = new EventLoop[loopCount];
        this.running = new AtomicInteger(loopCount);
        int made = 0;
        try {
            for (; made < loopCount; made++) {
                // The first ring picks the backend (or is told); the others follow it.
                Ring ring = made == 0 && backend == null ? Ring.open(RING_ENTRIES)
                        : Ring.open(RING_ENTRIES, made == 0 ? backend : loops[0].ring().backend());
                EventLoop loop;
                try {
                    loop = new EventLoop(ring, made);
                } catch (IOException | RuntimeException e) {
                    ring.close();
                    throw e;
                }
                loop.onTermination(this::loopEnded);
                loops[made] = loop;
                loop.start();
            }
        } catch (IOException | RuntimeException e) {
            // The loops never made will never end: count them out, then end the others.
            if (running.addAndGet(made - loopCount) == 0) {
                Sys.close(devNull);
            }
            for (int i = 0; i < made; i++) {
                loops[i].shutdown();
            }
            throw e;
        }
    }

    private void loopEnded() {
        if (running.decrementAndGet() == 0) {
            Sys.close(devNull);
        }
    }

    private static int defaultLoops() {
        return Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), DEFAULT_LOOPS_CAP));
    }

    /**
     * A Spawner on io_uring where the kernel allows it, else on {@link Backend#FALLBACK};
     * {@code -Dspawnring.backend=io_uring|fallback} forces one. It has {@link #DEFAULT_LOOPS} loops.
     */
    public static Spawner create() throws IOException {
        return builder().build();
    }

    /** A Spawner on the given backend, with {@link #DEFAULT_LOOPS} loops. */
    public static Spawner create(Backend backend) throws IOException {
        return builder().backend(backend).build();
    }

    /** A builder: the backend (default: io_uring where allowed) and the number of event loops. */
    public static Builder builder() {
        return new Builder();
    }

    /** Chooses a Spawner's backend and its number of event loops; {@link #build} makes it. */
    public static final class Builder {
        private Backend backend;
        private int loops = DEFAULT_LOOPS;

        private Builder() {
        }

        /** The backend of every loop's ring (default: io_uring where allowed, as {@link #create()}). */
        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * How many event loops (threads, each with its ring) clone and supervise the children;
         * at most this many children are being cloned at once. Default {@link #DEFAULT_LOOPS}.
         *
         * @throws IllegalArgumentException unless {@code 1 <= loops <= }{@link #MAX_LOOPS}
         */
        public Builder loops(int loops) {
            if (loops < 1 || loops > MAX_LOOPS) {
                throw new IllegalArgumentException("loops must be between 1 and " + MAX_LOOPS + ", not " + loops);
            }
            this.loops = loops;
            return this;
        }

        /** Opens the rings and starts the loop threads. */
        public Spawner build() throws IOException {
            return new Spawner(backend, loops);
        }
    }

    /** @return the backend its rings run on */
    public Backend backend() {
        return loops[0].ring().backend();
    }

    /** @return how many event loops (threads, rings) it has */
    public int loops() {
        return loops.length;
    }

    /** The least busy loop: fewest spawns waiting, then fewest live children, then the first. */
    private EventLoop pick() {
        EventLoop best = loops[0];
        if (loops.length > 1) {
            long least = best.load();
            for (int i = 1; i < loops.length && least != 0; i++) {
                long l = loops[i].load();
                if (l < least) {
                    least = l;
                    best = loops[i];
                }
            }
        }
        return best;
    }

    /**
     * Starts {@code command}. Returns once the child runs the program (or has failed to).
     *
     * @throws SpawnException naming the step that failed, e.g. {@code exec} with the PATH
     *                        candidates tried, or {@code chdir /x}
     * @throws IllegalStateException when this Spawner is closed
     */
    public Child spawn(Command command) throws SpawnException {
        return start(Objects.requireNonNull(command, "command"), false).join0();
    }

    /**
     * Starts every command, one submission per loop used (one wake-up and one
     * {@code io_uring_enter} per loop as far as a ring's 256 entries allow): the commands are
     * dealt over the loops in turn, starting with the least busy one, so that the loops clone
     * in parallel. Then returns the children in order. If one fails, the others still run and
     * are returned to no one: they are killed (SIGKILL) and reaped, and the first failure is thrown.
     */
    public List<Child> spawnAll(List<Command> commands) throws SpawnException {
        List<Launch> launches = new ArrayList<>();
        try {
            for (Command c : commands) {
                launches.add(Launch.compile(this, Objects.requireNonNull(c, "command"), false));
            }
        } catch (SpawnException | RuntimeException e) {
            // Those compiled already own pipes and memory: let the loop start nothing and drop them.
            launches.forEach(Launch::discard);
            throw e;
        }
        try {
            ensureOpen();
        } catch (IllegalStateException e) {
            launches.forEach(Launch::discard);
            throw e;
        }
        List<CompletableFuture<Child>> futures = new ArrayList<>();
        for (int i = 0; i < launches.size(); i++) {
            futures.add(new CompletableFuture<>());
        }
        int used = Math.min(loops.length, launches.size());
        int first = pick().index();
        for (int k = 0; k < used; k++) {
            EventLoop loop = loops[(first + k) % loops.length];
            List<Integer> mine = new ArrayList<>();
            for (int i = k; i < launches.size(); i += used) {
                mine.add(i);
            }
            loop.spawnsQueued(mine.size());
            try {
                loop.execute(() -> {
                    try {
                        for (int i : mine) {
                            launches.get(i).start(loop, futures.get(i));
                        }
                        loop.submit();
                    } finally {
                        loop.spawnsDone(mine.size());
                    }
                });
            } catch (IllegalStateException e) {
                loop.spawnsDone(mine.size());
                for (int i : mine) {
                    launches.get(i).discard();
                    futures.get(i).completeExceptionally(e);
                }
            }
        }
        List<Child> children = new ArrayList<>();
        Exception failure = null;
        for (CompletableFuture<Child> f : futures) {
            try {
                children.add(new Pending(f).join0());
            } catch (SpawnException | RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            children.forEach(Child::destroyForcibly);
            if (failure instanceof SpawnException s) {
                throw s;
            }
            throw (RuntimeException) failure;
        }
        return children;
    }

    /**
     * Runs {@code command} to its end, capturing stdout and stderr where they are pipes (up
     * to {@link #CAPTURE_LIMIT} each; stdin, when a pipe, is closed at once).
     *
     * @return a future of the result, failed with a {@link SpawnException} when the child did not start
     */
    public CompletableFuture<Result> run(Command command) {
        Pending pending;
        try {
            pending = start(Objects.requireNonNull(command, "command"), true);
        } catch (SpawnException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return pending.future.thenCompose(child -> {
            CompletableFuture<byte[]> out = child.stdoutCollector() != null
                    ? child.stdoutCollector().done() : CompletableFuture.completedFuture(new byte[0]);
            CompletableFuture<byte[]> err = child.stderrCollector() != null
                    ? child.stderrCollector().done() : CompletableFuture.completedFuture(new byte[0]);
            return CompletableFuture.allOf(out, err, child.exitFuture()).thenApply(v -> new Result(
                    child.exitFuture().join(), out.join(), err.join(),
                    (child.stdoutCollector() != null && child.stdoutCollector().truncated())
                            || (child.stderrCollector() != null && child.stderrCollector().truncated())));
        });
    }

    private Pending start(Command command, boolean capture) throws SpawnException {
        ensureOpen();
        Launch launch = Launch.compile(this, command, capture);
        CompletableFuture<Child> future = new CompletableFuture<>();
        EventLoop loop = pick();
        loop.spawnsQueued(1);
        try {
            loop.execute(() -> {
                try {
                    launch.start(loop, future);
                    loop.submit(); // the clone happens here, vfork style
                } finally {
                    loop.spawnsDone(1);
                }
            });
        } catch (IllegalStateException e) {
            loop.spawnsDone(1);
            launch.discard();
            throw e;
        }
        return new Pending(future);
    }

    /** A spawn under way; {@link #join0} unwraps its failure. */
    private record Pending(CompletableFuture<Child> future) {
        Child join0() throws SpawnException {
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
    }

    /** The fd every Stdio.discard() child gets. */
    int devNull() {
        return devNull;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("spawner is closed");
        }
    }

    /**
     * Refuses new spawns. Children still running keep running: each loop thread stays until
     * every child it cloned has exited and been reaped (and no longer), then releases its ring.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (EventLoop loop : loops) {
            loop.shutdown();
        }
    }

    /** Waits until every loop thread has ended (every child reaped). For tests and orderly shutdown. */
    public void awaitTermination() throws InterruptedException {
        for (EventLoop loop : loops) {
            loop.join();
        }
    }
}
