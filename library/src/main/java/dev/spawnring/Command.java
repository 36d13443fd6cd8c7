package dev.spawnring;

import dev.spawnring.internal.sys.Linux;
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
 * parent-death signal, a timeout that ends the whole process group.
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
        return c;
    }

    /** @return a command running {@code argv[0]} with the rest as its arguments */
    public static Command of(String... argv) {
        return new Command(List.of(Objects.requireNonNull(argv, "argv")));
    }

    /** @return a command running {@code argv.get(0)} with the rest as its arguments */
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

    /** Where the child's stdin comes from (default: a pipe). */
    public Command stdin(Stdio s) {
        Objects.requireNonNull(s, "stdin");
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

    /** Sets a resource limit ({@code Linux.RLIMIT_NOFILE}, ...); {@code Linux.RLIM_INFINITY} for none. */
    public Command rlimit(int resource, long soft, long hard) {
        if (resource < 0 || resource > 15) {
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
     * then SIGKILL after {@code grace}, to what is left of the group even if the child itself
     * has exited by then. The child gets a process group of its own (unless it starts a new
     * session, which also makes one). The group is signalled through the child's pidfd
     * (Linux 6.9+), so a group that reused its number is never hit; on older kernels the
     * SIGKILL reaches the group only while the child is unreaped.
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

    /** {@link #timeout(Duration, Duration)} with a 2 s grace period. */
    public Command timeout(Duration timeout) {
        return timeout(timeout, Duration.ofSeconds(2));
    }

    /** Refuses a number that names no signal, e.g. {@code "signal(0): not a signal"}. */
    static void checkSignal(String call, int signal) {
        if (signal <= 0 || signal > Linux.NSIG_MAX) {
            throw new IllegalArgumentException(call + "(" + signal + "): not a signal");
        }
    }

    // ---- read by the compiler (package-private)

    Stdio stdinSpec() {
        return stdin;
    }

    Stdio stdoutSpec() {
        return stdout;
    }

    Stdio stderrSpec() {
        return stderr;
    }

    boolean redirectsErrorStream() {
        return redirectErrorStream;
    }

    Map<Integer, Integer> fdMap() {
        return fds;
    }

    boolean closesOtherFds() {
        return closeOtherFds;
    }

    boolean startsNewSession() {
        return newSession;
    }

    Integer processGroupSpec() {
        return processGroup;
    }

    Integer umaskSpec() {
        return umask;
    }

    Map<Integer, long[]> rlimitSpec() {
        return rlimits;
    }

    boolean resetsSignals() {
        return resetSignals;
    }

    int parentDeathSignalSpec() {
        return parentDeathSignal;
    }

    Duration timeoutSpec() {
        return timeout;
    }

    Duration timeoutGraceSpec() {
        return timeoutGrace;
    }

    @Override
    public String toString() {
        return "Command" + argv + (directory != null ? " in " + directory : "");
    }
}
