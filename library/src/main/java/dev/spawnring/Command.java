package dev.spawnring;

import dev.spawnring.internal.process.ProcessSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What to run and how: immutable, every method returns a new {@code Command}.
 * Like {@code ProcessBuilder}, with what a Linux program may want before exec:
 * extra fds at any number, a new session or process group, umask, rlimits, a
 * parent-death signal, a timeout that ends the whole process group, and what the
 * child leaves in its group killed when it exits.
 *
 * <pre>{@code
 * Command cmd = Command.of("make", "-j4")
 *         .directory(Path.of("/src/project"))
 *         .env("LANG", "C")
 *         .stderr(Stdio.to(Path.of("build.log")))
 *         .newProcessGroup()
 *         .timeout(Duration.ofMinutes(5));
 * }</pre>
 *
 * <p>Defaults: stdin, stdout and stderr are pipes; the environment is this
 * process's; every fd other than 0, 1, 2 and those given with {@link #fd} is
 * closed in the child; the signal mask is empty and every signal disposition is
 * the default; the program is searched in the child's {@code $PATH} unless it
 * contains a {@code /}. Conflicting options are refused when set, with a message
 * that names both.
 */
public final class Command {
    private List<String> argv;
    private String argv0;
    private Path directory;
    private boolean clearEnvironment;
    private Map<String, String> envSet = Map.of();
    private List<String> envRemove = List.of();
    private Stdio stdin = Stdio.pipe();
    private Stdio stdout = Stdio.pipe();
    private Stdio stderr = Stdio.pipe();
    private boolean stderrSet;
    private boolean redirectErrorStream;
    private Map<Integer, Integer> fds = Map.of();
    private boolean closeOtherFds = true;
    private boolean newSession;
    private Integer processGroup;
    private Integer umask;
    private Map<Integer, long[]> rlimits = Map.of();
    private boolean resetSignals = true;
    private int parentDeathSignal;
    private Duration timeout;
    private Duration timeoutGrace = Duration.ofSeconds(2);
    private boolean killProcessGroupOnExit;
    /** What {@link #spec()} made once; every copy starts without one. */
    private volatile ProcessSpec spec;

    private Command(List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("a command needs a program: argv is empty");
        }
        for (int i = 0; i < argv.size(); i++) {
            Objects.requireNonNull(argv.get(i), "argv[" + i + "] is null");
        }
        this.argv = List.copyOf(argv);
    }

    private Command copy() {
        Command c = new Command(argv);
        c.argv0 = argv0;
        c.directory = directory;
        c.clearEnvironment = clearEnvironment;
        c.envSet = envSet;
        c.envRemove = envRemove;
        c.stdin = stdin;
        c.stdout = stdout;
        c.stderr = stderr;
        c.stderrSet = stderrSet;
        c.redirectErrorStream = redirectErrorStream;
        c.fds = fds;
        c.closeOtherFds = closeOtherFds;
        c.newSession = newSession;
        c.processGroup = processGroup;
        c.umask = umask;
        c.rlimits = rlimits;
        c.resetSignals = resetSignals;
        c.parentDeathSignal = parentDeathSignal;
        c.timeout = timeout;
        c.timeoutGrace = timeoutGrace;
        c.killProcessGroupOnExit = killProcessGroupOnExit;
        return c;
    }

    /**
     * @param argv the program and its arguments
     * @return a command running {@code argv[0]} with the rest as its arguments
     */
    public static Command of(String... argv) {
        return new Command(List.of(Objects.requireNonNull(argv, "argv")));
    }

    /**
     * @param argv the program and its arguments
     * @return a command running {@code argv.get(0)} with the rest as its arguments
     */
    public static Command of(List<String> argv) {
        return new Command(new ArrayList<>(Objects.requireNonNull(argv, "argv")));
    }

    // ---- what to run

    /** @return the program and its arguments */
    public List<String> command() {
        return argv;
    }

    /**
     * Runs the program found from {@code argv[0]} but shows the program {@code name} as its
     * {@code argv[0]} (as login shells are started with {@code -bash}).
     */
    public Command argv0(String name) {
        Command c = copy();
        c.argv0 = Objects.requireNonNull(name, "argv0");
        return c;
    }

    /** @return the {@code argv[0]} the program will see */
    public String argv0() {
        return argv0 != null ? argv0 : argv.get(0);
    }

    /** The child's working directory (the parent's when not set). */
    public Command directory(Path dir) {
        Command c = copy();
        c.directory = Objects.requireNonNull(dir, "directory");
        return c;
    }

    /** @return the working directory, or null for the parent's */
    public Path directory() {
        return directory;
    }

    // ---- environment

    /** Sets one variable of the child's environment. */
    public Command env(String key, String value) {
        checkKey(key);
        Objects.requireNonNull(value, () -> "value of environment variable " + key + " is null");
        Command c = copy();
        Map<String, String> set = new LinkedHashMap<>(envSet);
        set.put(key, value);
        c.envSet = Collections.unmodifiableMap(set);
        c.envRemove = envRemove.stream().filter(k -> !k.equals(key)).toList();
        return c;
    }

    /** Removes one variable from the child's environment. */
    public Command removeEnv(String key) {
        checkKey(key);
        Command c = copy();
        Map<String, String> set = new LinkedHashMap<>(envSet);
        set.remove(key);
        c.envSet = Collections.unmodifiableMap(set);
        List<String> remove = new ArrayList<>(envRemove);
        remove.add(key);
        c.envRemove = List.copyOf(remove);
        return c;
    }

    /** Gives the child exactly {@code env}, nothing inherited. */
    public Command environment(Map<String, String> env) {
        Command c = clearEnvironment();
        for (Map.Entry<String, String> e : env.entrySet()) {
            c = c.env(e.getKey(), e.getValue());
        }
        return c;
    }

    /** Starts the child with an empty environment (then {@link #env} adds to it). */
    public Command clearEnvironment() {
        Command c = copy();
        c.clearEnvironment = true;
        c.envSet = Map.of();
        c.envRemove = List.of();
        return c;
    }

    /** @return the environment the child will get, computed from this process's */
    public Map<String, String> environment() {
        Map<String, String> env = new TreeMap<>(clearEnvironment ? Map.of() : System.getenv());
        envRemove.forEach(env::remove);
        env.putAll(envSet);
        return Collections.unmodifiableMap(env);
    }

    private static void checkKey(String key) {
        Objects.requireNonNull(key, "environment variable name is null");
        if (key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("bad environment variable name \"" + key.replace("\0", "\\0")
                    + "\": it must be non-empty, without '=' or NUL");
        }
    }

    // ---- stdio and fds

    /**
     * Where the child's stdin comes from (default: a pipe).
     *
     * @throws IllegalArgumentException for {@link Stdio#memfd()}, which is for output
     */
    public Command stdin(Stdio s) {
        Objects.requireNonNull(s, "stdin");
        if (s instanceof Stdio.Memfd) {
            throw new IllegalArgumentException("stdin(Stdio.memfd()): a memfd takes the child's output, not its input");
        }
        Command c = copy();
        c.stdin = s;
        return c;
    }

    /** Where the child's stdout goes (default: a pipe). */
    public Command stdout(Stdio s) {
        Objects.requireNonNull(s, "stdout");
        Command c = copy();
        c.stdout = s;
        return c;
    }

    /** Where the child's stderr goes (default: a pipe). */
    public Command stderr(Stdio s) {
        Objects.requireNonNull(s, "stderr");
        if (redirectErrorStream) {
            throw new IllegalArgumentException("stderr(" + s + ") conflicts with redirectErrorStream()");
        }
        Command c = copy();
        c.stderr = s;
        c.stderrSet = true;
        return c;
    }

    /** Sends stderr where stdout goes, as {@code 2>&1}. */
    public Command redirectErrorStream() {
        if (stderrSet) {
            throw new IllegalArgumentException("redirectErrorStream() conflicts with stderr(" + stderr + ")");
        }
        Command c = copy();
        c.redirectErrorStream = true;
        return c;
    }

    /** Gives the child this JVM's stdin, stdout and stderr. */
    public Command inheritIO() {
        return stdin(Stdio.inherit()).stdout(Stdio.inherit()).stderr(Stdio.inherit());
    }

    /**
     * Gives the child the parent's fd {@code parentFd} as its fd {@code childFd} (any number;
     * mappings may cross, 3→4 and 4→3 work). Use {@link #stdin}/{@link #stdout}/{@link #stderr}
     * for 0-2.
     */
    public Command fd(int childFd, int parentFd) {
        if (childFd < 3) {
            throw new IllegalArgumentException("fd(" + childFd + ", " + parentFd
                    + "): child fds 0-2 are set with stdin/stdout/stderr(Stdio.fd(" + parentFd + "))");
        }
        if (parentFd < 0) {
            throw new IllegalArgumentException("fd(" + childFd + ", " + parentFd + "): bad parent file descriptor");
        }
        Command c = copy();
        Map<Integer, Integer> m = new TreeMap<>(fds);
        m.put(childFd, parentFd);
        c.fds = Collections.unmodifiableMap(m);
        return c;
    }

    /** Whether fds other than 0-2 and those given with {@link #fd} are closed in the child (default true). */
    public Command closeOtherFds(boolean close) {
        Command c = copy();
        c.closeOtherFds = close;
        return c;
    }

    // ---- session, group, limits, signals

    /** Starts the child in a new session ({@code setsid}), so it has no controlling terminal. */
    public Command newSession() {
        if (processGroup != null && processGroup != 0) {
            throw new IllegalArgumentException("newSession() conflicts with processGroup(" + processGroup
                    + "): a session leader cannot join another group");
        }
        Command c = copy();
        c.newSession = true;
        return c;
    }

    /** Starts the child as the leader of a new process group. */
    public Command newProcessGroup() {
        return processGroup(0);
    }

    /** Puts the child in process group {@code pgid} (0: a new group led by the child). */
    public Command processGroup(int pgid) {
        if (pgid < 0) {
            throw new IllegalArgumentException("processGroup(" + pgid + "): negative group");
        }
        if (newSession && pgid != 0) {
            throw new IllegalArgumentException("processGroup(" + pgid + ") conflicts with newSession()");
        }
        if (timeout != null && pgid != 0) {
            throw new IllegalArgumentException("processGroup(" + pgid + ") conflicts with timeout(" + timeout
                    + "): a timeout ends the child's own group, and this group is shared");
        }
        if (killProcessGroupOnExit && pgid != 0) {
            throw new IllegalArgumentException("processGroup(" + pgid + ") conflicts with killProcessGroupOnExit()"
                    + ": it kills the child's own group, and this group is shared");
        }
        Command c = copy();
        c.processGroup = pgid;
        return c;
    }

    /** The child's umask. */
    public Command umask(int mask) {
        if ((mask & ~0777) != 0) {
            throw new IllegalArgumentException("umask(0" + Integer.toOctalString(mask) + "): not within 0777");
        }
        Command c = copy();
        c.umask = mask;
        return c;
    }

    /**
     * Sets a resource limit: {@code rlimit(Rlimit.RLIMIT_NOFILE, 4096, 4096)};
     * {@link Rlimit#RLIM_INFINITY} for none.
     *
     * @param resource one of {@link Rlimit}'s {@code RLIMIT_*}
     * @param soft     the soft limit, at most {@code hard} (compared unsigned)
     * @param hard     the hard limit
     */
    public Command rlimit(int resource, long soft, long hard) {
        if (!Rlimit.isResource(resource)) {
            throw new IllegalArgumentException("rlimit: unknown resource " + resource);
        }
        if (Long.compareUnsigned(soft, hard) > 0) {
            throw new IllegalArgumentException("rlimit(" + resource + "): soft limit " + soft
                    + " is above the hard limit " + hard);
        }
        Command c = copy();
        Map<Integer, long[]> m = new TreeMap<>(rlimits);
        m.put(resource, new long[] {soft, hard});
        c.rlimits = Collections.unmodifiableMap(m);
        return c;
    }

    /**
     * Whether the child starts with an empty signal mask and every signal at its default
     * disposition (default true). With false it keeps the spawning thread's mask and the
     * ignored signals, as a plain {@code fork} would.
     */
    public Command resetSignals(boolean reset) {
        Command c = copy();
        c.resetSignals = reset;
        return c;
    }

    /**
     * A signal the child gets when the spawning thread dies ({@code PR_SET_PDEATHSIG}).
     * spawnring clones on one of its Spawner's long-lived loop threads (never on the caller's
     * thread), and a loop thread ends only after its Spawner is closed and every child it
     * cloned is reaped, so the signal fires when the JVM ends.
     */
    public Command parentDeathSignal(int signal) {
        checkSignal("parentDeathSignal", signal);
        Command c = copy();
        c.parentDeathSignal = signal;
        return c;
    }

    /**
     * Ends the child's whole process group if it runs longer than {@code timeout}: SIGTERM,
     * then SIGKILL after {@code grace} to what is left of the group, even if the child itself
     * has exited by then. The child gets a process group of its own (unless it starts a new
     * session, which also makes one), and its status says {@link ExitStatus#timedOut()}.
     *
     * <p>A child that ends during the grace period is reaped, and so reported by
     * {@link Child#waitFor()} and {@link Child#onExit()}, at once. What is left of its group
     * still gets the SIGKILL, and no other group does: at the end of the grace period through
     * the child's pidfd, which names that group whatever number it had (Linux 6.9+); on older
     * kernels at the child's exit, just before the reap, while the number is still the group's.
     * With {@link #killProcessGroupOnExit()} the group is killed when the child exits.
     *
     * @param timeout how long the child may run, more than 0
     * @param grace   between the SIGTERM and the SIGKILL, 0 or more
     * @throws IllegalArgumentException when the child is to join a group that is not its own
     */
    public Command timeout(Duration timeout, Duration grace) {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(grace, "grace");
        if (timeout.isNegative() || timeout.isZero() || grace.isNegative()) {
            throw new IllegalArgumentException("timeout(" + timeout + ", " + grace + "): must be positive");
        }
        if (processGroup != null && processGroup != 0) {
            throw new IllegalArgumentException("timeout(" + timeout + ") conflicts with processGroup(" + processGroup
                    + "): a timeout ends the child's own group, and this group is shared");
        }
        Command c = copy();
        c.timeout = timeout;
        c.timeoutGrace = grace;
        if (!newSession) {
            c.processGroup = 0;
        }
        return c;
    }

    /**
     * {@link #timeout(Duration, Duration)} with a 2 s grace period.
     *
     * @param timeout how long the child may run, more than 0
     */
    public Command timeout(Duration timeout) {
        return timeout(timeout, Duration.ofSeconds(2));
    }

    /**
     * When the child exits, kills (SIGKILL) whatever it left running in its process group,
     * so that no orphan of it survives it: the exit is seen while the child is still a zombie,
     * the group is killed, and only then is the child reaped, so the SIGKILL cannot reach a
     * group that reused the number. The child gets a process group of its own (unless it
     * starts a new session, which also makes one). Descendants that moved to another group or
     * session are not reached.
     *
     * @throws IllegalArgumentException when the child is to join a group that is not its own
     */
    public Command killProcessGroupOnExit() {
        if (processGroup != null && processGroup != 0) {
            throw new IllegalArgumentException("killProcessGroupOnExit() conflicts with processGroup(" + processGroup
                    + "): it kills the child's own group, and this group is shared");
        }
        Command c = copy();
        c.killProcessGroupOnExit = true;
        if (!newSession) {
            c.processGroup = 0;
        }
        return c;
    }

    /** Refuses a number that names no signal, e.g. {@code "signal(0): not a signal"}. */
    static void checkSignal(String call, int signal) {
        if (!Signal.isSignal(signal)) {
            throw new IllegalArgumentException(call + "(" + signal + "): not a signal");
        }
    }

    /**
     * The resolved command the internal layer spawns: argv, environment and PATH candidates
     * computed once, on the first spawn of this command.
     *
     * @throws IllegalArgumentException when the program name is empty
     */
    ProcessSpec spec() {
        ProcessSpec s = spec;
        if (s == null) {
            Map<String, String> env = environment();
            List<String> finalArgv = new ArrayList<>(argv);
            finalArgv.set(0, argv0());
            s = new ProcessSpec(argv.get(0), finalArgv,
                    env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList(),
                    ProcessSpec.pathCandidates(argv.get(0), env.get("PATH")), directory, stdin, stdout, stderr,
                    redirectErrorStream, fds, closeOtherFds, newSession, processGroup, umask, rlimits, resetSignals,
                    parentDeathSignal, timeout, timeoutGrace, killProcessGroupOnExit);
            spec = s;
        }
        return s;
    }

    @Override
    public String toString() {
        return "Command" + argv + (directory != null ? " in " + directory : "");
    }
}
