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
     * Returns a command that runs {@code argv[0]} with the rest of {@code argv} as its
     * arguments, with every other setting at its default.
     *
     * @param argv the program and its arguments, none null
     * @return the command
     * @throws IllegalArgumentException when {@code argv} is empty
     */
    public static Command of(String... argv) {
        return new Command(List.of(Objects.requireNonNull(argv, "argv")));
    }

    /**
     * Returns a command that runs {@code argv.get(0)} with the rest of {@code argv} as its
     * arguments, with every other setting at its default. The list is copied.
     *
     * @param argv the program and its arguments, none null
     * @return the command
     * @throws IllegalArgumentException when {@code argv} is empty
     */
    public static Command of(List<String> argv) {
        return new Command(new ArrayList<>(Objects.requireNonNull(argv, "argv")));
    }

    // ---- what to run

    /**
     * Returns the program and its arguments, as given to {@link #of}.
     *
     * @return an unmodifiable list, the program first
     */
    public List<String> command() {
        return argv;
    }

    /**
     * Sets the {@code argv[0]} the program sees: the program is still found from the
     * command's first element, but gets {@code name} as its {@code argv[0]} (as login shells
     * are started with {@code -bash}).
     *
     * @param name the {@code argv[0]} to pass
     * @return a copy with that {@code argv[0]}
     */
    public Command argv0(String name) {
        Command c = copy();
        c.argv0 = Objects.requireNonNull(name, "argv0");
        return c;
    }

    /**
     * Returns the {@code argv[0]} the program will see.
     *
     * @return the name set with {@link #argv0(String)}, else the command's first element
     */
    public String argv0() {
        return argv0 != null ? argv0 : argv.get(0);
    }

    /**
     * Sets the child's working directory; the parent's is used when not set.
     *
     * @param dir the directory; a relative one is resolved against the parent's working
     *            directory when the child changes to it
     * @return a copy with that directory
     */
    public Command directory(Path dir) {
        Command c = copy();
        c.directory = Objects.requireNonNull(dir, "directory");
        return c;
    }

    /**
     * Returns the child's working directory.
     *
     * @return the directory set with {@link #directory(Path)}, or {@code null} for the parent's
     */
    public Path directory() {
        return directory;
    }

    // ---- environment

    /**
     * Sets one variable of the child's environment, replacing any value it had.
     *
     * @param key   the variable's name: not empty, without {@code '='} or NUL
     * @param value its value
     * @return a copy with that variable set
     * @throws IllegalArgumentException when {@code key} is not a valid name
     */
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

    /**
     * Removes one variable from the child's environment, whether inherited or set.
     *
     * @param key the variable's name: not empty, without {@code '='} or NUL
     * @return a copy without that variable
     * @throws IllegalArgumentException when {@code key} is not a valid name
     */
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

    /**
     * Gives the child exactly {@code env}, nothing inherited; any variable set or removed
     * before is forgotten.
     *
     * @param env the whole environment
     * @return a copy with that environment
     * @throws IllegalArgumentException when a key is not a valid name
     */
    public Command environment(Map<String, String> env) {
        Command c = clearEnvironment();
        for (Map.Entry<String, String> e : env.entrySet()) {
            c = c.env(e.getKey(), e.getValue());
        }
        return c;
    }

    /**
     * Starts the child with an empty environment, to which {@link #env} then adds; any
     * variable set or removed before is forgotten.
     *
     * @return a copy with an empty environment
     */
    public Command clearEnvironment() {
        Command c = copy();
        c.clearEnvironment = true;
        c.envSet = Map.of();
        c.envRemove = List.of();
        return c;
    }

    /**
     * Returns the environment the child will get: this process's (unless cleared), with the
     * variables removed and set.
     *
     * @return an unmodifiable map, sorted by name, computed now from this process's environment
     */
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
     * Sets where the child's stdin comes from; the default is a pipe.
     *
     * @param s the source
     * @return a copy with that stdin
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

    /**
     * Sets where the child's stdout goes; the default is a pipe.
     *
     * @param s the destination
     * @return a copy with that stdout
     */
    public Command stdout(Stdio s) {
        Objects.requireNonNull(s, "stdout");
        Command c = copy();
        c.stdout = s;
        return c;
    }

    /**
     * Sets where the child's stderr goes; the default is a pipe.
     *
     * @param s the destination
     * @return a copy with that stderr
     * @throws IllegalArgumentException after {@link #redirectErrorStream()}
     */
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

    /**
     * Sends stderr where stdout goes, as {@code 2>&1}.
     *
     * @return a copy with stderr redirected
     * @throws IllegalArgumentException after {@link #stderr(Stdio)}
     */
    public Command redirectErrorStream() {
        if (stderrSet) {
            throw new IllegalArgumentException("redirectErrorStream() conflicts with stderr(" + stderr + ")");
        }
        Command c = copy();
        c.redirectErrorStream = true;
        return c;
    }

    /**
     * Gives the child this JVM's stdin, stdout and stderr.
     *
     * @return a copy with the three streams {@link Stdio#inherit() inherited}
     * @throws IllegalArgumentException after {@link #redirectErrorStream()}
     */
    public Command inheritIO() {
        return stdin(Stdio.inherit()).stdout(Stdio.inherit()).stderr(Stdio.inherit());
    }

    /**
     * Gives the child the parent's fd {@code parentFd} as its fd {@code childFd}, replacing
     * any mapping of {@code childFd} given before. Mappings may cross: 3→4 and 4→3 work.
     *
     * @param childFd  the number in the child, 3 or more; use {@link #stdin}, {@link #stdout}
     *                 and {@link #stderr} for 0-2
     * @param parentFd an fd open in this process
     * @return a copy with that mapping
     * @throws IllegalArgumentException when {@code childFd < 3} or {@code parentFd < 0}
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

    /**
     * Sets whether fds other than 0-2 and those given with {@link #fd} are closed in the
     * child; the default is true.
     *
     * @param close false to let the child inherit this process's other fds that are not
     *              close-on-exec
     * @return a copy with that setting
     */
    public Command closeOtherFds(boolean close) {
        Command c = copy();
        c.closeOtherFds = close;
        return c;
    }

    // ---- session, group, limits, signals

    /**
     * Starts the child in a new session ({@code setsid}), so it has no controlling terminal;
     * it then leads a new process group too.
     *
     * @return a copy that starts a new session
     * @throws IllegalArgumentException after {@link #processGroup(int)} with a group other than 0
     */
    public Command newSession() {
        if (processGroup != null && processGroup != 0) {
            throw new IllegalArgumentException("newSession() conflicts with processGroup(" + processGroup
                    + "): a session leader cannot join another group");
        }
        Command c = copy();
        c.newSession = true;
        return c;
    }

    /**
     * Starts the child as the leader of a new process group: {@code processGroup(0)}.
     *
     * @return a copy that starts a new process group
     */
    public Command newProcessGroup() {
        return processGroup(0);
    }

    /**
     * Puts the child in process group {@code pgid}.
     *
     * @param pgid an existing group, or 0 for a new group led by the child
     * @return a copy in that group
     * @throws IllegalArgumentException when {@code pgid} is negative, or is not 0 and the
     *                                  command has {@link #newSession()}, a {@link #timeout}
     *                                  or {@link #killProcessGroupOnExit()}
     */
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

    /**
     * Sets the child's umask; the parent's is kept when not set.
     *
     * @param mask the file mode creation mask, within {@code 0777}
     * @return a copy with that umask
     * @throws IllegalArgumentException when {@code mask} has bits outside {@code 0777}
     */
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
     * @return a copy with that limit, replacing any set before for {@code resource}
     * @throws IllegalArgumentException when {@code resource} names no resource, or
     *                                  {@code soft} is above {@code hard}
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
     * Sets whether the child starts with an empty signal mask and every signal at its default
     * disposition; the default is true. With false it keeps the spawning thread's mask and
     * the ignored signals, as a plain {@code fork} would.
     *
     * @param reset false to keep the mask and the ignored signals
     * @return a copy with that setting
     */
    public Command resetSignals(boolean reset) {
        Command c = copy();
        c.resetSignals = reset;
        return c;
    }

    /**
     * Sets a signal the child gets when the spawning thread dies ({@code PR_SET_PDEATHSIG}).
     * spawnring clones on one of its Spawner's long-lived loop threads (never on the caller's
     * thread), and a loop thread ends only after its Spawner is closed and every child it
     * cloned is reaped, so the signal fires when the JVM ends.
     *
     * @param signal a signal number ({@link Signal}), e.g. {@link Signal#SIGKILL}
     * @return a copy with that parent-death signal
     * @throws IllegalArgumentException when {@code signal} is not a signal number
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
     * {@link Child#waitFor()} and {@link Child#onExit()}, once that SIGKILL has gone to its
     * group: until the reap the child's pid, and the number of its group, cannot be reused, so
     * the SIGKILL reaches that group and no other, on any kernel. With
     * {@link #killProcessGroupOnExit()} the group is killed when the child exits, and the child
     * reaped at once.
     *
     * @param timeout how long the child may run, more than 0
     * @param grace   between the SIGTERM and the SIGKILL, 0 or more
     * @return a copy with that timeout
     * @throws IllegalArgumentException when {@code timeout} is not positive, {@code grace} is
     *                                  negative, or the child is to join a group that is not
     *                                  its own
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
     * Ends the child's whole process group if it runs longer than {@code timeout}:
     * {@link #timeout(Duration, Duration)} with a two-second grace period.
     *
     * @param timeout how long the child may run, more than 0
     * @return a copy with that timeout
     * @throws IllegalArgumentException when {@code timeout} is not positive, or the child is
     *                                  to join a group that is not its own
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
     * @return a copy that kills its group on exit
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
