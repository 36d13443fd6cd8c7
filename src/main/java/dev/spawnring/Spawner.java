package dev.spawnring;

import dev.spawnring.sys.Errno;
import dev.spawnring.sys.Linux;
import dev.spawnring.sys.Sys;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Starts and supervises child processes through one ring and one event-loop thread.
 * {@link #spawn} may be called from any thread, virtual threads included; children
 * are cloned on the loop thread, their exits and pipes go through the ring, and no
 * thread is added per child or per stream.
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
 * <p>Where io_uring is not allowed the Spawner runs on spawnring's emulated ring over
 * epoll ({@link Backend#FALLBACK}) with the same behaviour. Nothing here waits on
 * "any child" or touches SIGCHLD, so {@code ProcessBuilder} in the same JVM is not
 * disturbed.
 */
public final class Spawner implements AutoCloseable {
    /** What {@link #run} keeps of each of stdout and stderr: 64 MiB; more is read and dropped. */
    public static final int CAPTURE_LIMIT = 64 << 20;

    private static final int RING_ENTRIES = 256;

    private final EventLoop loop;
    private final int devNull;
    private volatile boolean closed;

    private Spawner(Ring ring) throws IOException {
        this.devNull = Errno.check("open /dev/null", Sys.openat(Linux.AT_FDCWD, "/dev/null",
                Linux.O_RDWR | Linux.O_CLOEXEC, 0));
        this.loop = new EventLoop(ring);
        loop.onTermination(() -> Sys.close(devNull));
        loop.start();
    }

    /**
     * A Spawner on io_uring where the kernel allows it, else on {@link Backend#FALLBACK};
     * {@code -Dspawnring.backend=io_uring|fallback} forces one.
     */
    public static Spawner create() throws IOException {
        return new Spawner(Ring.open(RING_ENTRIES));
    }

    /** A Spawner on the given backend. */
    public static Spawner create(Backend backend) throws IOException {
        return new Spawner(Ring.open(RING_ENTRIES, Objects.requireNonNull(backend, "backend")));
    }

    /** @return the backend its ring runs on */
    public Backend backend() {
        return loop.ring().backend();
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
     * Starts every command in one submission (one loop wake-up, one {@code io_uring_enter} as
     * far as the ring's 256 entries allow), then returns the children in order. If one fails, the others still run and are returned to no one:
     * they are killed (SIGKILL) and reaped, and the first failure is thrown.
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
        ensureOpen();
        List<CompletableFuture<Child>> futures = new ArrayList<>();
        for (int i = 0; i < launches.size(); i++) {
            futures.add(new CompletableFuture<>());
        }
        loop.execute(() -> {
            for (int i = 0; i < launches.size(); i++) {
                launches.get(i).start(loop, futures.get(i));
            }
            loop.submit();
        });
        List<Child> children = new ArrayList<>();
        SpawnException failure = null;
        for (CompletableFuture<Child> f : futures) {
            try {
                children.add(new Pending(f).join0());
            } catch (SpawnException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            children.forEach(Child::destroyForcibly);
            throw failure;
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
        try {
            loop.execute(() -> {
                launch.start(loop, future);
                loop.submit();
            });
        } catch (IllegalStateException e) {
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
     * Refuses new spawns. Children still running keep running: the loop thread stays until
     * each has exited and been reaped (and no longer), then releases the ring.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.shutdown();
    }

    /** Waits until the loop thread has ended (every child reaped). For tests and orderly shutdown. */
    public void awaitTermination() throws InterruptedException {
        loop.join();
    }
}
