package dev.spawnring.internal.process;

import dev.spawnring.SpawnException;
import dev.spawnring.Stdio;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One command, resolved once for every spawn of it: argv as the program sees it, the
 * environment and the exec candidates of the PATH search as native-ready strings (made once,
 * passed to every spawn as they are), and the options, all immutable and already checked
 * against each other.
 *
 * @param program          the program as the command names it ({@code argv[0]}), for messages
 * @param argv             the arguments, {@code argv[0]} as the program will see it
 * @param envp             the environment, {@code NAME=VALUE}
 * @param candidates       the paths to exec in order: the program, or one per {@code $PATH} entry
 * @param directory        the working directory, or null for the parent's
 * @param chdir            {@code directory} as the child's CHDIR takes it, or null
 * @param stdin            where stdin comes from
 * @param stdout           where stdout goes
 * @param stderr           where stderr goes (ignored when {@code redirectErrorStream})
 * @param redirectErrorStream whether stderr goes where stdout goes
 * @param fds              extra fds: child fd to parent fd
 * @param closeOtherFds    whether other fds are closed in the child
 * @param newSession       whether the child starts a session
 * @param processGroup     the group to join (0: a new one), or null to stay in the parent's
 * @param umask            the umask, or null to inherit it
 * @param rlimits          resource to {soft, hard}
 * @param resetSignals     whether the mask is cleared and dispositions reset
 * @param parentDeathSignal the parent-death signal, or 0
 * @param timeout          the timeout, or null
 * @param grace            between the timeout's SIGTERM and its SIGKILL
 * @param killProcessGroupOnExit whether the child's group is sent SIGKILL when it exits, before it is reaped
 *                         (and its cgroup killed, when it has one)
 * @param newCgroup        whether the child starts in a cgroup of its own
 * @param cgroupLimits     limits written to that cgroup: file (e.g. {@code memory.max}) to value
 * @param jdk              for a {@code java.lang.ProcessBuilder}: what is done the JDK's way (bytes,
 *                         exec, signals; see {@link JdkExec}): {@code argv}, {@code envp} and
 *                         {@code candidates} are then its strings, its directory and exec steps
 *                         take the place of {@code directory} and {@code candidates}, its
 *                         signal handling that of {@code resetSignals}; null for a {@code Command}
 */
public record ProcessSpec(String program, NativeStrings argv, NativeStrings envp, NativeStrings candidates,
        Path directory, NativeStrings chdir, Stdio stdin, Stdio stdout, Stdio stderr, boolean redirectErrorStream,
        Map<Integer, Integer> fds, boolean closeOtherFds, boolean newSession, Integer processGroup, Integer umask,
        Map<Integer, long[]> rlimits, boolean resetSignals, int parentDeathSignal, Duration timeout, Duration grace,
        boolean killProcessGroupOnExit, boolean newCgroup, Map<String, String> cgroupLimits, JdkExec jdk) {
    /** A {@code Command}'s spec: {@code jdk} null. */
    public ProcessSpec(String program, NativeStrings argv, NativeStrings envp, NativeStrings candidates,
            Path directory, NativeStrings chdir, Stdio stdin, Stdio stdout, Stdio stderr,
            boolean redirectErrorStream, Map<Integer, Integer> fds, boolean closeOtherFds, boolean newSession,
            Integer processGroup, Integer umask, Map<Integer, long[]> rlimits, boolean resetSignals,
            int parentDeathSignal, Duration timeout, Duration grace, boolean killProcessGroupOnExit,
            boolean newCgroup, Map<String, String> cgroupLimits) {
        this(program, argv, envp, candidates, directory, chdir, stdin, stdout, stderr, redirectErrorStream, fds,
                closeOtherFds, newSession, processGroup, umask, rlimits, resetSignals, parentDeathSignal, timeout,
                grace, killProcessGroupOnExit, newCgroup, cgroupLimits, null);
    }

    /** Copies the maps (the rlimit pairs are the caller's, which never changes them). */
    public ProcessSpec {
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(argv, "argv");
        Objects.requireNonNull(envp, "envp");
        Objects.requireNonNull(candidates, "candidates");
        fds = Map.copyOf(fds);
        rlimits = Map.copyOf(rlimits);
        cgroupLimits = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(cgroupLimits));
    }

    /** @return whether the child leads a process group of its own (a new group or session) */
    public boolean leadsOwnGroup() {
        return newSession || (processGroup != null && processGroup == 0);
    }

    /**
     * The paths to try: {@code program} itself if it has a '/', else one per {@code $PATH}
     * entry (an empty entry is the working directory; a directory listed twice is tried once).
     * Bytes, as the kernel sees them: '/' and ':' are the only bytes that count.
     *
     * @param program the program's name or path
     * @param path    the child's {@code $PATH}, or null for {@code /usr/local/bin:/usr/bin:/bin}
     * @return the candidates in order
     * @throws IllegalArgumentException when {@code program} is empty
     */
    public static List<OsString> pathCandidates(OsString program, OsString path) {
        byte[] name = program.bytes();
        if (name.length == 0) {
            throw new IllegalArgumentException("the program name is empty");
        }
        if (program.indexOf((byte) '/') >= 0) {
            return List.of(program);
        }
        byte[] dirs = path != null ? path.bytes() : "/usr/local/bin:/usr/bin:/bin".getBytes(StandardCharsets.US_ASCII);
        // A directory listed twice is tried once: the second try could only fail the same way.
        LinkedHashSet<OsString> out = new LinkedHashSet<>();
        for (int from = 0; from <= dirs.length; ) {
            int to = from;
            while (to < dirs.length && dirs[to] != ':') {
                to++;
            }
            byte[] dir = to == from ? new byte[] {'.'} : Arrays.copyOfRange(dirs, from, to);
            byte[] candidate = Arrays.copyOf(dir, dir.length + 1 + name.length);
            candidate[dir.length] = '/';
            System.arraycopy(name, 0, candidate, dir.length + 1, name.length);
            out.add(OsString.of(candidate));
            from = to + 1;
        }
        return List.copyOf(out);
    }

    /**
     * @param step  the step that failed
     * @param errno its errno
     * @param tried the exec candidates tried, or empty
     * @return the exception that names this command, its directory and the step
     */
    SpawnException failure(String step, int errno, List<String> tried) {
        return new SpawnException(program, directory, step, errno, tried);
    }
}
