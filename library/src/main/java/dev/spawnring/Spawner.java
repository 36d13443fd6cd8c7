package dev.spawnring;

import dev.spawnring.internal.process.ChildState;
import dev.spawnring.internal.process.JdkLauncher;
import dev.spawnring.internal.process.LoopGroup;
import dev.spawnring.internal.process.ProcessSpec;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Starts and supervises child processes through one or more event loops, each a thread of
 * its own with a ring of its own. {@link #spawn} may be called from any thread, virtual
 * threads included; a child is cloned on the calling thread (on a loop thread when it asks
 * for a parent-death signal, and for {@link #run} and {@link #spawnAll}), its exit and pipes
 * go through a loop's ring, and no thread is added per child or per stream.
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
 * <p><b>Loops.</b> A clone is vfork style: the thread that clones a child is suspended
 * until the child has exec'd. {@link #spawn} clones on the caller's thread (the child
 * starts with that thread's signal mask, as a {@code ProcessBuilder} child does), so
 * several callers start several children at once; where a loop thread clones, one loop
 * starts one child at a time, and several loops ({@link Builder#loops}) that many at once.
 * Each spawn goes to the least busy loop:
 * the one with the fewest spawns waiting to be cloned, then the fewest live children, then
 * the first; so one caller spawning one child at a time keeps using the first loop, and
 * concurrent callers spread over all of them. A child stays on its loop for its whole
 * life: its exit (a WAITID), its pipes and its timeout go through that loop's ring.
 * The default is {@link #DEFAULT_LOOPS}.
 *
 * <p><b>Parent-death signal.</b> Linux sends a child's parent-death signal
 * ({@link Command#parentDeathSignal}) when the <em>thread</em> that created it ends, not when
 * the process does. A child that asks for one is never cloned on a caller's thread (which may
 * be short-lived, a pool's or a virtual thread's carrier), only on a loop thread, and every
 * loop thread is long-lived: it starts when the Spawner is built (the first) or first needed (the others) and
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
    /** ProcessBuilder's meaning of everything, for {@link #start(ProcessBuilder)} and {@link #startPipeline}. */
    private final JdkLauncher jdk;

    private Spawner(Backend backend, int loopCount, Path cgroupParent, boolean killTreesOnClose) throws IOException {
        this.loops = new LoopGroup(backend, loopCount);
        this.killTreesOnClose = killTreesOnClose;
        loops.cgroupParent(cgroupParent);
        this.jdk = new JdkLauncher(loops);
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
         * Sets how many event loops (threads, each with its ring) supervise the children and
         * clone those a caller's thread does not (a parent-death signal, {@code run},
         * {@code spawnAll}): at most this many of those are being cloned at once. Default
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
     * Starts the stages of a pipeline, the stdout of each command going to the stdin of the next
     * through a pipe, every stage in one submission on one event loop. The first command's stdin
     * and the last one's stdout are as the commands say; the stdin of every other stage and the
     * stdout of every stage but the last must be left at their default, {@link Stdio#pipe()}
     * (those children's {@link Child#stdin()} and {@link Child#stdout()} are then empty: the pipe
     * is between the stages). A stage with {@link Command#redirectErrorStream()} sends its stderr
     * down the pipeline too. If a stage fails to start, the others are killed and reaped, and the
     * failure is thrown.
     *
     * <pre>{@code
     * List<Child> stages = spawner.spawnPipeline(List.of(
     *         Command.of("sort", "words.txt"), Command.of("uniq", "-c"), Command.of("sort", "-rn")));
     * String top = new String(stages.getLast().stdout().readAllBytes());
     * }</pre>
     *
     * @param commands the stages, in order; none null
     * @return the children, in order
     * @throws SpawnException the first stage that failed to start
     * @throws IllegalArgumentException when a stage's stdin or stdout that joins it to another is
     *                                  not a pipe
     * @throws IllegalStateException when this Spawner is closed
     */
    public List<Child> spawnPipeline(List<Command> commands) throws SpawnException {
        int n = commands.size();
        for (int i = 0; i < n; i++) {
            ProcessSpec spec = Objects.requireNonNull(commands.get(i), "command " + i).spec();
            if (i > 0 && !(spec.stdin() instanceof Stdio.Pipe)) {
                throw new IllegalArgumentException("spawnPipeline: the stdin of stage " + i + " (" + commands.get(i)
                        + ") comes from stage " + (i - 1) + ", so it must be Stdio.pipe(), not " + spec.stdin());
            }
            if (i < n - 1 && !(spec.stdout() instanceof Stdio.Pipe)) {
                throw new IllegalArgumentException("spawnPipeline: the stdout of stage " + i + " (" + commands.get(i)
                        + ") goes to stage " + (i + 1) + ", so it must be Stdio.pipe(), not " + spec.stdout());
            }
        }
        int[] pipes = new int[2 * Math.max(0, n - 1)];
        Arrays.fill(pipes, -1);
        try {
            List<ProcessSpec> specs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Command c = commands.get(i);
                if (i < n - 1) {
                    int[] p = new int[2];
                    int r = Sys.pipe2(p, Linux.O_CLOEXEC);
                    if (r < 0) {
                        throw new SpawnException(c.command().get(0), c.directory(), "pipe to stage " + (i + 1), -r,
                                List.of());
                    }
                    pipes[2 * i] = p[0];
                    pipes[2 * i + 1] = p[1];
                    c = c.stdout(Stdio.fd(p[1]));
                }
                if (i > 0) {
                    c = c.stdin(Stdio.fd(pipes[2 * (i - 1)]));
                }
                specs.add(c.spec());
            }
            List<ChildState> states = loops.spawnTogether(specs);
            List<Child> children = new ArrayList<>();
            for (int i = 0; i < states.size(); i++) {
                children.add(new Child(states.get(i), commands.get(i)));
            }
            return children;
        } finally {
            for (int fd : pipes) {
                if (fd >= 0) {
                    Sys.close(fd); // each stage has its ends now
                }
            }
        }
    }

    /**
     * Starts {@code builder} as {@link ProcessBuilder#start()} would, with the JDK's meaning of
     * every setting, through this Spawner: its command, directory and environment (the bytes the
     * JDK would pass), every {@link ProcessBuilder.Redirect} (files opened as the JDK opens them),
     * {@code redirectErrorStream}, the program searched in this JVM's {@code PATH} (in the
     * child's environment's only when the builder's environment was never changed, as glibc's
     * {@code execvp} does for the JDK), a script without {@code #!} run with {@code /bin/sh}, and
     * the JDK's exceptions and messages, such as
     * {@code Cannot run program "x" (in directory "d"): Exec failed, error: 2 (No such file or directory) }.
     * The builder is not changed, but for its {@link ProcessBuilder#environment() environment},
     * which is read (and so made, as the JDK makes it on first use).
     *
     * <p>The {@link Process} behaves as the JDK's: buffered streams, {@code available()} asking the
     * pipe, {@code destroy} closing the streams, {@code toHandle()} equal to
     * {@code ProcessHandle.of(pid)}, {@code close()} as JDK 26 defines it; its waits, exit and
     * signals go through this Spawner (no thread per process or stream). The README lists the few
     * differences from the JDK that remain.
     *
     * @param builder what to start
     * @return the process
     * @throws IOException as {@code builder.start()} would throw it
     * @throws NullPointerException when an element of the command is null
     * @throws IndexOutOfBoundsException when the command is empty
     * @throws IllegalStateException when this Spawner is closed
     */
    public Process start(ProcessBuilder builder) throws IOException {
        return jdk.start(Objects.requireNonNull(builder, "builder"));
    }

    /**
     * Starts a pipeline as {@link ProcessBuilder#startPipeline(List)} would, every stage in one
     * submission, each with the JDK's meaning of its settings (see {@link #start(ProcessBuilder)}):
     * the stdout of each stage goes to the stdin of the next; only the first stage's
     * {@code redirectInput} and the last one's {@code redirectOutput} may be other than
     * {@code Redirect.PIPE}, as the JDK requires, with its exceptions. If a stage fails to start the
     * others are killed and waited for before the failure is thrown.
     *
     * @param builders the stages, in order
     * @return the processes, in order
     * @throws IOException as {@code startPipeline} would throw it
     * @throws IllegalArgumentException when a redirect between two stages is not {@code PIPE}
     * @throws IllegalStateException when this Spawner is closed
     */
    public List<Process> startPipeline(List<ProcessBuilder> builders) throws IOException {
        return jdk.startPipeline(Objects.requireNonNull(builders, "builders"), JdkLauncher.PUBLIC_ACCESS);
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
