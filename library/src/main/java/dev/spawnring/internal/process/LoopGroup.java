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

/**
 * A Spawner's machinery: its event loops (each a thread and a ring), the {@code /dev/null}
 * its children share, which loop takes a spawn, and the hand-off of a spawn to a loop.
 *
 * <p>Each spawn goes to the least busy loop: the one with the fewest spawns waiting to be
 * cloned, then the fewest live children, then the first. A child stays on the loop that
 * cloned it for its whole life.
 */
public final class LoopGroup {
    private static final int RING_ENTRIES = 256;

    private final EventLoop[] loops;
    private final int devNull;
    /** Loops not yet ended (or never made); /dev/null is closed when this reaches 0. */
    private final AtomicInteger running;
    private volatile boolean closed;

    /**
     * Opens the rings and starts the loop threads.
     *
     * @param backend   every ring's backend, or null for io_uring where allowed (as {@link Ring#open(int)})
     * @param loopCount how many loops
     */
    public LoopGroup(Backend backend, int loopCount) throws IOException {
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

    /** @return the backend the rings run on */
    public Backend backend() {
        return loops[0].ring().backend();
    }

    /** @return how many loops there are */
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
     * Starts one child; returns once it runs the program (or has failed to).
     *
     * @throws IllegalStateException when closed
     */
    public ChildState spawn(ProcessSpec spec) throws SpawnException {
        return join(start(spec, -1));
    }

    /**
     * Starts every child, one submission per loop used, the specs dealt over the loops in turn
     * from the least busy one; then returns the children in order. If one fails, the others are
     * killed (SIGKILL) and reaped, and the first failure is thrown.
     */
    public List<ChildState> spawnAll(List<ProcessSpec> specs) throws SpawnException {
        return spawnAll(specs, loops.length, false);
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
                launches.add(Launch.compile(devNull, spec, -1));
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
        int used = Math.min(Math.min(maxLoops, loops.length), launches.size());
        int first = pick().index();
        for (int k = 0; k < used; k++) {
            EventLoop loop = loops[(first + k) % loops.length];
            List<Integer> mine = new ArrayList<>();
            for (int i = k; i < launches.size(); i += used) {
                mine.add(i);
            }
            submit(loop, mine.size(), () -> mine.forEach(i -> launches.get(i).start(loop, futures.get(i))), () -> {
                for (int i : mine) {
                    launches.get(i).discard();
                }
            }, e -> mine.forEach(i -> futures.get(i).completeExceptionally(e)));
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
        Launch launch = Launch.compile(devNull, spec, captureLimit);
        CompletableFuture<ChildState> future = new CompletableFuture<>();
        EventLoop loop = pick();
        submit(loop, 1, () -> launch.start(loop, future), launch::discard, e -> {
            throw e;
        });
        return future;
    }

    /**
     * Hands {@code n} launches to {@code loop}: {@code start} queues their chains, then one
     * submission clones them (vfork style, on the loop thread).
     *
     * @param discard  gives the launches back when the loop has ended
     * @param refused  told why, then
     */
    private static void submit(EventLoop loop, int n, Runnable start, Runnable discard,
            java.util.function.Consumer<IllegalStateException> refused) {
        loop.spawnsQueued(n);
        try {
            loop.execute(() -> {
                try {
                    start.run();
                    loop.submit(); // the clones happen here, vfork style
                } finally {
                    loop.spawnsDone(n);
                }
            });
        } catch (IllegalStateException e) {
            loop.spawnsDone(n);
            discard.run();
            refused.accept(e);
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

    /** Refuses new spawns; each loop ends once every child it cloned is reaped. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (EventLoop loop : loops) {
            loop.shutdown();
        }
    }

    /** Waits until every loop thread has ended. */
    public void awaitTermination() throws InterruptedException {
        for (EventLoop loop : loops) {
            loop.join();
        }
    }
}
