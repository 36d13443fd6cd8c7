package dev.spawnring.internal.process;

import dev.spawnring.SpawnException;
import dev.spawnring.Stdio;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One command, resolved once for every spawn of it: argv as the program sees it, the
 * environment as {@code KEY=VALUE} strings, the exec candidates of the PATH search, and the
 * options, all immutable and already checked against each other.
 *
 * @param program          the program as the command names it ({@code argv[0]}), for messages
 * @param argv             the arguments, {@code argv[0]} as the program will see it
 * @param envp             the environment, {@code KEY=VALUE}
 * @param candidates       the paths to exec in order: the program, or one per {@code $PATH} entry
 * @param directory        the working directory, or null for the parent's
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
 * @param jdk              for a {@code java.lang.ProcessBuilder}: what is done the JDK's way (bytes,
 *                         exec, signals; see {@link JdkExec}), which then takes the place of
 *                         {@code argv}, {@code envp}, {@code candidates}, {@code directory} and
 *                         {@code resetSignals}; null for a {@code Command}
 */
public record ProcessSpec(String program, List<String> argv, List<String> envp, List<String> candidates,
        Path directory, Stdio stdin, Stdio stdout, Stdio stderr, boolean redirectErrorStream,
        Map<Integer, Integer> fds, boolean closeOtherFds, boolean newSession, Integer processGroup, Integer umask,
        Map<Integer, long[]> rlimits, boolean resetSignals, int parentDeathSignal, Duration timeout, Duration grace,
        boolean killProcessGroupOnExit, JdkExec jdk) {
    /** A {@code Command}'s spec: {@code jdk} null. */
    public ProcessSpec(String program, List<String> argv, List<String> envp, List<String> candidates,
            Path directory, Stdio stdin, Stdio stdout, Stdio stderr, boolean redirectErrorStream,
            Map<Integer, Integer> fds, boolean closeOtherFds, boolean newSession, Integer processGroup, Integer umask,
            Map<Integer, long[]> rlimits, boolean resetSignals, int parentDeathSignal, Duration timeout,
            Duration grace, boolean killProcessGroupOnExit) {
        this(program, argv, envp, candidates, directory, stdin, stdout, stderr, redirectErrorStream, fds,
                closeOtherFds, newSession, processGroup, umask, rlimits, resetSignals, parentDeathSignal, timeout,
                grace, killProcessGroupOnExit, null);
    }

    /** Copies the lists and maps (the rlimit pairs are the caller's, which never changes them). */
    public ProcessSpec {
        Objects.requireNonNull(program, "program");
        argv = List.copyOf(argv);
        envp = List.copyOf(envp);
        candidates = List.copyOf(candidates);
        fds = Map.copyOf(fds);
        rlimits = Map.copyOf(rlimits);
    }

    /** @return whether the child leads a process group of its own (a new group or session) */
    public boolean leadsOwnGroup() {
        return newSession || (processGroup != null && processGroup == 0);
    }

    /**
     * The paths to try: {@code program} itself if it has a '/', else one per {@code $PATH}
     * entry (an empty entry is the working directory; a directory listed twice is tried once).
     *
     * @param program the program's name or path
     * @param path    the child's {@code $PATH}, or null for {@code /usr/local/bin:/usr/bin:/bin}
     * @return the candidates in order
     * @throws IllegalArgumentException when {@code program} is empty
     */
    public static List<String> pathCandidates(String program, String path) {
        if (program.isEmpty()) {
            throw new IllegalArgumentException("the program name is empty");
        }
        if (program.contains("/")) {
            return List.of(program);
        }
        // A directory listed twice is tried once: the second try could only fail the same way.
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String dir : (path != null ? path : "/usr/local/bin:/usr/bin:/bin").split(":", -1)) {
            out.add((dir.isEmpty() ? "." : dir) + "/" + program);
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
