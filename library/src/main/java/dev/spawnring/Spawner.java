package dev.spawnring;

import dev.spawnring.internal.process.ChildState;
import dev.spawnring.internal.process.LoopGroup;
import dev.spawnring.internal.process.ProcessSpec;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

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
 * long-lived: it starts when the Spawner is built (the first) or first needed (the others) and
 * ends only after {@link #close()}, once every child it cloned has been reaped. So, whichever loop cloned a child, its parent-death
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
     * {@value #DEFAULT_LOOPS_CAP}. Several loops clone several children at once, one per loop;
     * each costs a platform thread (mostly asleep in {@code io_uring_enter}) and a ring, so a
     * large machine does not get dozens of idle loops per Spawner by default. The first loop is
     * started with its Spawner, each other one when a spawn first finds every loop before it busy. {@link Builder#loops} takes up to {@link #MAX_LOOPS}; ask for
     * {@code loops(1)} where one thread per Spawner matters more than cloning in parallel.
     */
    public static final int DEFAULT_LOOPS = defaultLoops();

    /** The most loops {@link #DEFAULT_LOOPS} gives, whatever the number of cores. */
    public static final int DEFAULT_LOOPS_CAP = 4;

    private final LoopGroup loops;
    private final boolean killTreesOnClose;

    private Spawner(Backend backend, int loopCount, Path cgroupParent, boolean killTreesOnClose) throws IOException {
        this.loops = new LoopGroup(backend, loopCount);
        this.killTreesOnClose = killTreesOnClose;
        loops.cgroupParent(cgroupParent);
    }

    private static int defaultLoops() {
        return Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), DEFAULT_LOOPS_CAP));
    }

    /**
     * Creates a Spawner on io_uring where the kernel allows it, else on {@link Backend#FALLBACK};
     * {@code -Dspawnring.backend=io_uring|fallback} ({@link Backend#PROPERTY}) forces one. It has
     * {@link #DEFAULT_LOOPS} loops.
     *
     * @return a new Spawner, its first loop thread started (the others start when first needed)
     * @throws IOException when a ring cannot be opened: the forced backend is refused, or the
     *                     process has no fd left; at once on a kernel older than spawnring's
     *                     minimum (Linux 5.11), naming the kernel, the minimum and the missing
     *                     feature
     * @throws IllegalArgumentException when {@link Backend#PROPERTY} names no backend
     */
    public static Spawner create() throws IOException {
        return builder().build();
    }

    /**
     * Creates a Spawner on the given backend, with {@link #DEFAULT_LOOPS} loops.
     *
     * @param backend what every loop's ring runs on
     * @return a new Spawner, its first loop thread started (the others start when first needed)
     * @throws IOException when a ring cannot be opened on {@code backend}
     */
    public static Spawner create(Backend backend) throws IOException {
        return builder().backend(backend).build();
    }

    /**
     * Returns a builder, to choose the backend (default: io_uring where allowed) and the number
     * of event loops.
     *
     * @return a new builder with the defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Chooses a Spawner's backend and its number of event loops; {@link #build} makes it. */
    public static final class Builder {
        private Backend backend;
        private int loops = DEFAULT_LOOPS;
        private Path cgroupParent;
        private boolean killTreesOnClose;

        private Builder() {
        }

        /**
         * Makes {@link Spawner#close()} kill every child still running, and everything it
         * started, instead of leaving them to run: {@link Child#killTree()} for each child not
         * yet reaped, or whose cgroup still holds processes. A child in a cgroup of its own
         * ({@link Command#inNewCgroup()}) loses its whole tree, daemons included; one without
         * loses its process group if it leads one, else only itself. The default leaves them.
         *
         * <pre>{@code
         * try (Spawner spawner = Spawner.builder().killTreesOnClose(true).build()) {
         *     spawner.spawn(Command.of("./server").inNewCgroup());
         * }   // the server and all it started are gone
         * }</pre>
         *
         * @param kill whether {@code close()} kills what is still running
         * @return this builder
         */
        public Builder killTreesOnClose(boolean kill) {
            this.killTreesOnClose = kill;
            return this;
        }

        /**
         * Sets the cgroup v2 directory under which children started
         * {@link Command#inNewCgroup() in a new cgroup} get theirs, instead of the one found at run
         * time (this process's own cgroup where delegated, else the v2 mount's root; the
         * {@code spawnring.cgroup.parent} system property overrides that search too). When set,
         * only this parent is used: where it cannot be (missing, not cgroup v2, not writable),
         * the children fall back to their process groups and {@link Child#cgroupFallback()} says
         * why.
         *
         * <pre>{@code
         * Spawner.builder().cgroupParent(Path.of("/sys/fs/cgroup/my.service/jobs")).build();
         * }</pre>
         *
         * @param parent a cgroup v2 directory this process may create cgroups in
         * @return this builder
         */
        public Builder cgroupParent(Path parent) {
            this.cgroupParent = Objects.requireNonNull(parent, "parent");
            return this;
        }

        /**
         * Sets the backend of every loop's ring; the default is io_uring where allowed, as
         * {@link #create()}.
         *
         * @param backend what every loop's ring runs on
         * @return this builder
         */
        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * Sets how many event loops (threads, each with its ring) clone and supervise the
         * children; at most this many children are being cloned at once. Default
         * {@link #DEFAULT_LOOPS}.
         *
         * @param loops the number of loops, 1 to {@link #MAX_LOOPS}
         * @return this builder
         * @throws IllegalArgumentException unless {@code 1 <= loops <= }{@link #MAX_LOOPS}
         */
        public Builder loops(int loops) {
            if (loops < 1 || loops > MAX_LOOPS) {
                throw new IllegalArgumentException("loops must be between 1 and " + MAX_LOOPS + ", not " + loops);
            }
            this.loops = loops;
            return this;
        }

        /**
         * Builds the Spawner: opens the first loop's ring and starts its thread (the other loops
         * start when a spawn first finds every loop before them busy).
         *
         * @return a new Spawner
         * @throws IOException when the first ring cannot be opened
         * @throws IllegalArgumentException when no backend was set and {@link Backend#PROPERTY}
         *                                  names none
         */
        public Spawner build() throws IOException {
            return new Spawner(backend, loops, cgroupParent, killTreesOnClose);
        }
    }

    /**
     * Returns the backend this Spawner's rings run on (the same for every loop).
     *
     * @return {@link Backend#IO_URING} or {@link Backend#FALLBACK}
     */
    public Backend backend() {
        return loops.backend();
    }

    /**
     * Returns how many event loops (threads, each with a ring) this Spawner has.
     *
     * @return the number of loops, 1 to {@link #MAX_LOOPS}
     */
    public int loops() {
        return loops.loops();
    }

    /**
     * Starts {@code command}. Returns once the child runs the program (or has failed to).
     *
     * @param command what to run and how
     * @return the running child
     * @throws SpawnException naming the step that failed, e.g. {@code exec} with the PATH
     *                        candidates tried, or {@code chdir /x}
     * @throws IllegalStateException when this Spawner is closed
     */
    public Child spawn(Command command) throws SpawnException {
        return new Child(loops.spawn(Objects.requireNonNull(command, "command").spec()), command);
    }

    /**
     * Starts every command, one submission per loop used (one wake-up and one
     * {@code io_uring_enter} per loop as far as a ring's 256 entries allow): the commands are
     * dealt over the loops in turn, starting with the least busy one, so that the loops clone
     * in parallel. Then returns the children in order. If one fails, the others still run and
     * are returned to no one: they are killed (SIGKILL) and reaped, and the first failure is thrown.
     *
     * @param commands what to run
     * @return the children, in the order of {@code commands}
     * @throws SpawnException the first spawn that failed
     */
    public List<Child> spawnAll(List<Command> commands) throws SpawnException {
        List<ProcessSpec> specs = new ArrayList<>();
        for (Command c : commands) {
            specs.add(Objects.requireNonNull(c, "command").spec());
        }
        List<ChildState> states = loops.spawnAll(specs);
        List<Child> children = new ArrayList<>();
        for (int i = 0; i < states.size(); i++) {
            children.add(new Child(states.get(i), commands.get(i)));
        }
        return children;
    }

    /**
     * Runs {@code command} to its end, capturing stdout and stderr where they are pipes or
     * {@link Stdio#memfd() memfds} (up to {@link #CAPTURE_LIMIT} each; stdin, when a pipe, is
     * closed at once).
     *
     * @param command what to run and how
     * @return a future of the result, failed with a {@link SpawnException} when the child did not start
     */
    public CompletableFuture<Result> run(Command command) {
        ProcessSpec spec;
        try {
            spec = Objects.requireNonNull(command, "command").spec();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return loops.run(spec, CAPTURE_LIMIT);
    }

    /** The machinery, for tests in this package (a fault injected into a loop). */
    LoopGroup loopGroup() {
        return loops;
    }

    /**
     * Refuses new spawns. Children still running keep running, unless
     * {@link Builder#killTreesOnClose} was set: then each one's tree is killed
     * ({@link Child#killTree()}). Each loop thread stays until every child it cloned has
     * exited and been reaped, and every cgroup made for them is empty and removed (and no
     * longer), then releases its ring.
     */
    @Override
    public void close() {
        if (killTreesOnClose) {
            loops.closeKillingTrees();
        } else {
            loops.close();
        }
    }

    /**
     * Waits until every loop thread has ended (every child reaped). For tests and orderly shutdown.
     *
     * @throws InterruptedException when interrupted while waiting
     */
    public void awaitTermination() throws InterruptedException {
        loops.awaitTermination();
    }
}
