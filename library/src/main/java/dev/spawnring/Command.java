package dev.spawnring;

import dev.spawnring.internal.process.InheritedEnvironment;
import dev.spawnring.internal.process.NativeStrings;
import dev.spawnring.internal.process.OsString;
import dev.spawnring.internal.process.ProcessSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What to run and how: immutable, every method returns a new {@code Command}.
 * Like {@code ProcessBuilder}, with what a Linux program may want before exec:
 * extra fds at any number, a new session or process group, umask, rlimits, a
 * parent-death signal, a timeout that ends the whole process group, what the child
 * leaves in its group killed when it exits, and a cgroup of its own that holds its whole
 * process tree ({@link #inNewCgroup()}).
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
 *
 * <p><b>Strings and bytes.</b> A Linux program gets bytes, not text. The environment this
 * process inherited reaches the child as the bytes it came with, whatever the locale (as
 * {@code ProcessBuilder} passes it). Arguments and variables given as strings are encoded
 * as {@code ProcessBuilder} encodes them, in the platform's charset for names and arguments
 * ({@code sun.jnu.encoding}): UTF-8 under a UTF-8 locale, ASCII under {@code LANG=C}, where
 * a character it lacks becomes {@code '?'}. Give bytes ({@link #ofBytes(byte[]...)},
 * {@link #env(byte[], byte[])}) to pass anything else exactly. The encoded arguments and
 * environment are laid out once, on the first spawn of a command, and reused by every spawn
 * of it.
 */
public final class Command {
    private static final OsString PATH = OsString.of("PATH");

    private List<OsString> argv;
    private OsString argv0;
    private Path directory;
    private boolean clearEnvironment;
    private Map<OsString, OsString> envSet = Map.of();
    private Set<OsString> envRemove = Set.of();
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
    private boolean newCgroup;
    private Map<String, String> cgroupLimits = Map.of();
    /** What {@link #spec()} made once; every copy starts without one. */
    private volatile ProcessSpec spec;

    private Command(List<OsString> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("a command needs a program: argv is empty");
        }
        this.argv = List.copyOf(argv);
    }

    /** {@code argv}'s Strings or byte arrays as OsStrings (no lambda: a cold JVM would spin a class for it). */
    private static List<OsString> convert(List<?> argv) {
        Objects.requireNonNull(argv, "argv");
        List<OsString> out = new ArrayList<>(argv.size());
        for (int i = 0; i < argv.size(); i++) {
            Object a = argv.get(i);
            if (a == null) {
                throw new NullPointerException("argv[" + i + "] is null");
            }
            out.add(a instanceof byte[] b ? OsString.of(b) : OsString.of((String) a));
        }
        return out;
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
        c.newCgroup = newCgroup;
        c.cgroupLimits = cgroupLimits;
        return c;
    }

    /**
     * A command from strings, each encoded for the child as {@code ProcessBuilder} encodes it:
     * in the platform's charset for file names and arguments ({@code sun.jnu.encoding}, set
     * by the locale when the JVM starts), not always UTF-8. Under {@code LANG=C} (Docker's and
     * cron's default) that charset is ASCII, and a character outside it reaches the child as
     * {@code '?'}, as it does from {@code ProcessBuilder}: pass such arguments as bytes with
     * {@link #ofBytes(byte[]...)}.
     *
     * @param argv the program and its arguments
     * @return a command running {@code argv[0]} with the rest as its arguments
     */
    public static Command of(String... argv) {
        return of(Arrays.asList(Objects.requireNonNull(argv, "argv")));
    }

    /**
     * {@link #of(String...)} from a list.
     *
     * @param argv the program and its arguments
     * @return a command running {@code argv.get(0)} with the rest as its arguments
     */
    public static Command of(List<String> argv) {
        return new Command(convert(argv));
    }

    /**
     * A command from bytes, which the child gets exactly as they are, whatever the locale
     * (file names in another encoding than the locale's, arguments read from a file or a
     * pipe). Any byte but NUL; a NUL is refused when the command is spawned. The arrays are
     * copied.
     *
     * @param argv the program and its arguments
     * @return a command running {@code argv[0]} with the rest as its arguments
     */
    public static Command ofBytes(byte[]... argv) {
        return ofBytes(Arrays.asList(Objects.requireNonNull(argv, "argv")));
    }

    /**
     * {@link #ofBytes(byte[]...)} from a list.
     *
     * @param argv the program and its arguments
     * @return a command running {@code argv.get(0)} with the rest as its arguments
     */
    public static Command ofBytes(List<byte[]> argv) {
        return new Command(convert(argv));
    }

    // ---- what to run

    /**
     * The program and its arguments, for display.
     *
     * @return the strings given to {@link #of(String...)}, or the bytes given to
     *         {@link #ofBytes(byte[]...)} decoded in the platform's charset (invalid bytes show
     *         as U+FFFD)
     */
    public List<String> command() {
        return argv.stream().map(OsString::text).toList();
    }

    /**
     * Runs the program found from {@code argv[0]} but shows the program {@code name} as its
     * {@code argv[0]} (as login shells are started with {@code -bash}); encoded as
     * {@link #of(String...)} encodes.
     *
     * @param name the {@code argv[0]} the program sees
     * @return a new command
     */
    public Command argv0(String name) {
        Command c = copy();
        c.argv0 = OsString.of(Objects.requireNonNull(name, "argv0"));
        return c;
    }

    /**
     * The {@code argv[0]} the program will see.
     *
     * @return it, decoded for display if given as bytes
     */
    public String argv0() {
        return (argv0 != null ? argv0 : argv.get(0)).text();
    }

    /**
     * The child's working directory (the parent's when not set).
     *
     * @param dir the directory the child starts in
     * @return a copy of this command with that set
     */
    public Command directory(Path dir) {
        Command c = copy();
        c.directory = Objects.requireNonNull(dir, "directory");
        return c;
    }

    /**
     * Returns the working directory this command sets.
     *
     * @return the working directory, or null for the parent's
     */
    public Path directory() {
        return directory;
    }

    // ---- environment

    /**
     * Sets one variable of the child's environment, encoded as {@link #of(String...)} encodes
     * (under {@code LANG=C}, {@code 'é'} becomes {@code '?'}, as with {@code ProcessBuilder}).
     * The variables the child inherits reach it as the bytes this process got, whatever the
     * locale.
     *
     * @param name  the variable's name: not empty, without {@code '='} or NUL
     * @param value its value
     * @return a new command
     */
    public Command env(String name, String value) {
        checkName(name);
        Objects.requireNonNull(value, () -> "value of environment variable " + name + " is null");
        return env(OsString.of(name), OsString.of(value));
    }

    /**
     * Sets one variable of the child's environment to bytes it gets exactly as they are.
     * The arrays are copied; a NUL in the value is refused when the command is spawned.
     *
     * @param name  the variable's name: not empty, without {@code '='} or NUL
     * @param value its value
     * @return a new command
     * @throws IllegalArgumentException when {@code name} is empty or holds {@code '='} or NUL
     */
    public Command env(byte[] name, byte[] value) {
        OsString n = checkName(name);
        Objects.requireNonNull(value, () -> "value of environment variable " + n + " is null");
        return env(n, OsString.of(value));
    }

    private Command env(OsString name, OsString value) {
        Command c = copy();
        Map<OsString, OsString> set = new LinkedHashMap<>(envSet);
        set.put(name, value);
        c.envSet = Collections.unmodifiableMap(set);
        Set<OsString> remove = new LinkedHashSet<>(envRemove);
        remove.remove(name);
        c.envRemove = Collections.unmodifiableSet(remove);
        return c;
    }

    /**
     * Removes one variable from the child's environment.
     *
     * @param name the variable's name, encoded as {@link #env(String, String)} encodes it
     * @return a new command
     */
    public Command removeEnv(String name) {
        checkName(name);
        return removeEnv(OsString.of(name));
    }

    /**
     * Removes the variable named by these bytes from the child's environment (one whose name
     * is not text in the platform's charset, say).
     *
     * @param name the variable's name
     * @return a new command
     */
    public Command removeEnv(byte[] name) {
        return removeEnv(checkName(name));
    }

    private Command removeEnv(OsString name) {
        Command c = copy();
        Map<OsString, OsString> set = new LinkedHashMap<>(envSet);
        set.remove(name);
        c.envSet = Collections.unmodifiableMap(set);
        Set<OsString> remove = new LinkedHashSet<>(envRemove);
        remove.add(name);
        c.envRemove = Collections.unmodifiableSet(remove);
        return c;
    }

    /**
     * Gives the child exactly {@code env}, nothing inherited.
     *
     * @param env the whole environment of the child
     * @return a copy of this command with that set
     */
    public Command environment(Map<String, String> env) {
        Command c = clearEnvironment();
        for (Map.Entry<String, String> e : env.entrySet()) {
            c = c.env(e.getKey(), e.getValue());
        }
        return c;
    }

    /**
     * Starts the child with an empty environment (then {@link #env} adds to it).
     *
     * @return a copy of this command with that set
     */
    public Command clearEnvironment() {
        Command c = copy();
        c.clearEnvironment = true;
        c.envSet = Map.of();
        c.envRemove = Set.of();
        return c;
    }

    /**
     * The environment the child will get, computed from this process's, for display.
     *
     * @return name to value, sorted by name; variables given as bytes are decoded in the
     *         platform's charset (invalid bytes show as U+FFFD), the inherited ones as
     *         {@code System.getenv()} shows them
     */
    public Map<String, String> environment() {
        Map<String, String> env = new TreeMap<>();
        childEnvironment().forEach((name, value) -> env.put(name.text(), value.text()));
        return Collections.unmodifiableMap(env);
    }

    /** The variables the child gets, as bytes: the inherited ones first, in this process's order. */
    private Map<OsString, OsString> childEnvironment() {
        Map<OsString, OsString> env = new LinkedHashMap<>(
                clearEnvironment ? Map.of() : InheritedEnvironment.variables());
        for (OsString name : envRemove) {
            env.remove(name);
        }
        env.putAll(envSet);
        return env;
    }

    private static void checkName(String name) {
        Objects.requireNonNull(name, "environment variable name is null");
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("bad environment variable name \"" + name.replace("\0", "\\0")
                    + "\": it must be non-empty, without '=' or NUL");
        }
    }

    private static OsString checkName(byte[] name) {
        Objects.requireNonNull(name, "environment variable name is null");
        OsString n = OsString.of(name);
        if (name.length == 0 || n.indexOf((byte) '=') >= 0 || n.indexOf((byte) 0) >= 0) {
            throw new IllegalArgumentException("bad environment variable name \"" + n.text().replace("\0", "\\0")
                    + "\": it must be non-empty, without '=' or NUL");
        }
        return n;
    }

    // ---- stdio and fds

    /**
     * Where the child's stdin comes from (default: a pipe).
     *
     * @param s where stdin comes from
     * @return a copy of this command with that set
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
     * Where the child's stdout goes (default: a pipe).
     *
     * @param s where stdout goes
     * @return a copy of this command with that set
     */
    public Command stdout(Stdio s) {
        Objects.requireNonNull(s, "stdout");
        Command c = copy();
        c.stdout = s;
        return c;
    }

    /**
     * Where the child's stderr goes (default: a pipe).
     *
     * @param s where stderr goes
     * @return a copy of this command with that set
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
     * @return a copy of this command with that set
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
     * @return a copy of this command with that set
     */
    public Command inheritIO() {
        return stdin(Stdio.inherit()).stdout(Stdio.inherit()).stderr(Stdio.inherit());
    }

    /**
     * Gives the child the parent's fd {@code parentFd} as its fd {@code childFd} (any number;
     * mappings may cross, 3→4 and 4→3 work). Use {@link #stdin}/{@link #stdout}/{@link #stderr}
     * for 0-2.
     *
     * @param childFd  the fd number in the child, 3 or more
     * @param parentFd an fd open in this process
     * @return a copy of this command with that set
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
     * Whether fds other than 0-2 and those given with {@link #fd} are closed in the child (default true).
     *
     * @param close false to let the child inherit every fd not marked close-on-exec
     * @return a copy of this command with that set
     */
    public Command closeOtherFds(boolean close) {
        Command c = copy();
        c.closeOtherFds = close;
        return c;
    }

    // ---- session, group, limits, signals

    /**
     * Starts the child in a new session ({@code setsid}), so it has no controlling terminal.
     *
     * @return a copy of this command with that set
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
     * Starts the child as the leader of a new process group.
     *
     * @return a copy of this command with that set
     */
    public Command newProcessGroup() {
        return processGroup(0);
    }

    /**
     * Puts the child in process group {@code pgid} (0: a new group led by the child).
     *
     * @param pgid the group to join, or 0 for a new one
     * @return a copy of this command with that set
     */
    public Command processGroup(int pgid) {
        if (pgid < 0) {
            throw new IllegalArgumentException("processGroup(" + pgid + "): negative group");
        }
        if (newSession && pgid != 0) {
            throw new IllegalArgumentException("processGroup(" + pgid + ") conflicts with newSession()");
        }
        if (newCgroup && pgid != 0) {
            throw new IllegalArgumentException("processGroup(" + pgid + ") conflicts with inNewCgroup(): the child"
                    + " leads its own group, for when no cgroup can be had, and this group is shared");
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
     * The child's umask.
     *
     * @param mask the file mode creation mask, 0 to 0777
     * @return a copy of this command with that set
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
     * @return a copy of this command with that set
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
     *
     * @param reset false to keep the spawning thread's mask and ignored signals
     * @return a copy of this command with that set
     */
    public Command resetSignals(boolean reset) {
        Command c = copy();
        c.resetSignals = reset;
        return c;
    }

    /**
     * A signal the child gets when the spawning thread dies ({@code PR_SET_PDEATHSIG}).
     * spawnring clones such a child on one of its Spawner's long-lived loop threads (never on
     * the caller's thread, where a child without one is cloned), and a loop thread ends only
     * after its Spawner is closed and every child it cloned is reaped, so the signal fires
     * when the JVM ends.
     *
     * @param signal the signal the child gets when the loop thread that cloned it ends
     * @return a copy of this command with that set
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
     * <p>In a cgroup of its own ({@link #inNewCgroup()}) the SIGKILL reaches the whole tree:
     * the cgroup is killed at the end of the grace period, or when the child exits during it,
     * so a descendant that left the group (a daemon) dies too.
     *
     * @param timeout how long the child may run, more than 0
     * @param grace   between the SIGTERM and the SIGKILL, 0 or more
     * @return a copy of this command with that set
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
     * @return a copy of this command with that set
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
     * session are not reached, unless the child has a cgroup of its own ({@link #inNewCgroup()}):
     * then the whole cgroup is killed too, before the reap, daemons included.
     *
     * @return a copy of this command with that set
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

    /**
     * Starts the child in a new cgroup (v2) of its own, which then holds its whole process
     * tree: every descendant, including one that starts a new session or daemonizes. The
     * child is cloned into it ({@code clone3(CLONE_INTO_CGROUP)}), so it never runs outside
     * it. Then {@link Child#killTree()} kills the tree completely ({@code cgroup.kill}), the
     * timeout's final SIGKILL and {@link #killProcessGroupOnExit()} reach the whole tree, and
     * {@link ExitStatus#usage()} says what the tree used. The cgroup is removed once the child
     * and everything in it are gone.
     *
     * <pre>{@code
     * Child build = spawner.spawn(Command.of("make", "test").inNewCgroup().timeout(Duration.ofMinutes(10)));
     * ...
     * build.killTree();                                   // nothing it started survives
     * }</pre>
     *
     * <p>The cgroup is made under a parent found when the child is spawned: the one given to
     * {@link Spawner.Builder#cgroupParent} or by {@code -Dspawnring.cgroup.parent} (only that
     * one, if given); else this process's own cgroup when it may write there (delegated); else
     * the root of the cgroup v2 mount when it may write there. {@code spawnring probe} and
     * {@link Platform#CGROUP_TREES} say which. Where none can be had (no cgroup v2, a container
     * or a user without a delegated subtree, {@code clone3} refused) the child still starts,
     * in a process group of its own, and the tree calls fall back to that group:
     * {@link Child#cgroup()} is empty, {@link Child#cgroupFallback()} says why.
     *
     * <p>The child leads a process group of its own (unless it starts a new session, which
     * also makes one), as with {@link #newProcessGroup()}, so the fallback has a group to kill.
     *
     * @return a new command
     * @throws IllegalArgumentException when the child is to join a group that is not its own
     */
    public Command inNewCgroup() {
        if (processGroup != null && processGroup != 0) {
            throw new IllegalArgumentException("inNewCgroup() conflicts with processGroup(" + processGroup
                    + "): the child leads its own group, for when no cgroup can be had, and this group is shared");
        }
        Command c = copy();
        c.newCgroup = true;
        if (!newSession) {
            c.processGroup = 0;
        }
        return c;
    }

    /**
     * Starts the child in a cgroup of its own ({@link #inNewCgroup()}) with a limit written to
     * it before the clone: {@code file} is the controller's file, as the kernel names it, one of
     * {@code memory.max}, {@code memory.high}, {@code memory.swap.max}, {@code pids.max},
     * {@code cpu.max}, {@code cpu.weight}; {@code value} is what the kernel takes there
     * ({@code "512M"}, {@code "100"}, {@code "50000 100000"}, {@code "max"}).
     *
     * <p>A limit that cannot be set fails the spawn ({@link SpawnException}) with the reason,
     * e.g. {@code cgroup memory.max 512M (the memory controller is not enabled for the cgroups
     * under /sys/fs/cgroup/unified: its cgroup.subtree_control holds none, ...)}: where no
     * cgroup can be made, or where the controller is not enabled for the parent's children, a
     * limit is refused rather than silently not applied.
     *
     * <pre>{@code
     * Command.of("./server").cgroupLimit("memory.max", "1G").cgroupLimit("pids.max", "200");
     * }</pre>
     *
     * @param file  the limit's file, e.g. {@code "memory.max"}
     * @param value its value, as the kernel reads it
     * @return a new command
     * @throws IllegalArgumentException when {@code file} is not one of the files above, or
     *                                  {@code value} is empty or holds a newline
     */
    public Command cgroupLimit(String file, String value) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(value, "value");
        if (!dev.spawnring.internal.process.Cgroup.LIMIT_FILES.contains(file)) {
            throw new IllegalArgumentException("cgroupLimit(" + file + "): not a limit spawnring sets; one of "
                    + dev.spawnring.internal.process.Cgroup.LIMIT_FILES);
        }
        if (value.isBlank() || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("cgroupLimit(" + file + ", \"" + value + "\"): not a value");
        }
        Command c = inNewCgroup();
        Map<String, String> limits = new TreeMap<>(cgroupLimits);
        limits.put(file, value);
        c.cgroupLimits = Collections.unmodifiableMap(limits);
        return c;
    }

    /** Refuses a number that names no signal, e.g. {@code "signal(0): not a signal"}. */
    static void checkSignal(String call, int signal) {
        if (!Signal.isSignal(signal)) {
            throw new IllegalArgumentException(call + "(" + signal + "): not a signal");
        }
    }

    /**
     * The resolved command the internal layer spawns: argv, environment, PATH candidates and
     * directory encoded and laid out in native memory once, on the first spawn of this command
     * (a command that leaves the environment alone shares one envp with every other such
     * command).
     *
     * @throws IllegalArgumentException when the program name is empty, or a string holds a NUL
     */
    ProcessSpec spec() {
        ProcessSpec s = spec;
        if (s == null) {
            Map<OsString, OsString> env = childEnvironment();
            boolean inherited = !clearEnvironment && envSet.isEmpty() && envRemove.isEmpty();
            List<OsString> finalArgv = new ArrayList<>(argv);
            if (argv0 != null) {
                finalArgv.set(0, argv0);
            }
            NativeStrings nativeArgv = NativeStrings.of("argv", finalArgv);
            NativeStrings envp = inherited ? InheritedEnvironment.envp()
                    : NativeStrings.of("envp", InheritedEnvironment.entries(env));
            NativeStrings candidates = NativeStrings.of("program path",
                    ProcessSpec.pathCandidates(argv.get(0), env.get(PATH)));
            NativeStrings chdir = directory == null ? null
                    : NativeStrings.one("directory", OsString.of(directory.toString()));
            s = new ProcessSpec(argv.get(0).text(), nativeArgv, envp, candidates, directory, chdir, stdin, stdout,
                    stderr, redirectErrorStream, fds, closeOtherFds, newSession, processGroup, umask, rlimits,
                    resetSignals, parentDeathSignal, timeout, timeoutGrace, killProcessGroupOnExit, newCgroup,
                    cgroupLimits);
            spec = s;
        }
        return s;
    }

    @Override
    public String toString() {
        return "Command" + command() + (directory != null ? " in " + directory : "");
    }
}
