package dev.spawnring.internal.process;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.SpawnException;
import dev.spawnring.Stdio;
import dev.spawnring.internal.spawn.ChildProgram;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Sqe;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * One {@link ProcessSpec} compiled for one spawn: the parent's side (pipes, files, memfds,
 * fds moved out of the way) prepared on the caller's thread, then the CLONE chain submitted
 * on the loop thread. argv, envp, the exec candidates and the directory are the spec's
 * {@link NativeStrings}, made once for every spawn of the command; the chain refers to them,
 * and this launch holds the spec until the chain has completed.
 *
 * <pre>
 * CLONE(pidfd, CLONE_FILES) → CLOSE_RANGE(maxFd+1.., UNSHARE) → [CLOSE_RANGE(3.., CLOEXEC)] → DUP2 per fd
 *   → CHDIR → SETSID | SETPGID → UMASK → SETRLIMIT... → SIGDEFAULT → SIGMASK → PDEATHSIG
 *   → EXEC per PATH candidate (hardlinked)
 * </pre>
 *
 * When the command closes other fds (the default) the child starts on the parent's fd
 * table and its first step gives it a copy of only the fds up to the highest one the
 * chain uses: copying the whole table (a pidfd per live child among them) and closing
 * it again at exec is what made spawning slow with many children alive. When it keeps
 * them, the CLONE copies the whole table as {@code fork} does, and the two CLOSE_RANGEs
 * are left out. Every step's completion is kept, so a failure names its step.
 */
final class Launch {
    private static final int LINK = IOSQE_IO_LINK;

    private final int devNull;
    private final ProcessSpec spec;
    private final List<ChainStep> steps = new ArrayList<>();
    private final List<String> candidates = new ArrayList<>();
    /** Parent fds that exist only to be given to the child: closed once it is cloned. */
    private final List<Integer> childSideFds = new ArrayList<>();
    private final MemorySegment pidfd = NativeMemory.calloc(4);
    /** The parent's pipe ends for stdin, stdout, stderr (-1: none). */
    private final int[] pipes = {-1, -1, -1};
    /** The memfds stdout and stderr go to (-1: none); index 0 is never used. */
    private final int[] memfds = {-1, -1, -1};
    /** When {@code >= 0}, {@code Spawner.run}'s capture limit: its pipes are read to their end on the loop. */
    private final int captureLimit;
    /** {@code CLONE_FILES} when the first step unshares the fd table, else 0. */
    private long cloneFlags;
    /** Where the child's cgroup is made (null when it asks for none). */
    private final CgroupPlace cgroupPlace;
    /** The child's cgroup, cloned into; null without one. */
    private Cgroup cgroup;
    /** Why a child that asked for a cgroup has none, or null. */
    private String cgroupFallback;

    private Launch(int devNull, ProcessSpec spec, int captureLimit, CgroupPlace cgroupPlace) {
        this.devNull = devNull;
        this.spec = spec;
        this.captureLimit = captureLimit;
        this.cgroupPlace = cgroupPlace;
    }

    /**
     * Prepares {@code spec} on the calling thread: opens pipes, files and memfds.
     *
     * @param devNull      the fd every {@code Stdio.discard()} gets
     * @param captureLimit {@code Spawner.run}'s capture limit, or -1 for a spawn
     * @param cgroupPlace  where the child's cgroup is made, when {@code spec.newCgroup()}; else ignored
     * @throws SpawnException when a file cannot be opened or a pipe made, or a cgroup limit set
     */
    static Launch compile(int devNull, ProcessSpec spec, int captureLimit, CgroupPlace cgroupPlace)
            throws SpawnException {
        Launch l = new Launch(devNull, spec, captureLimit, spec.newCgroup() ? cgroupPlace : null);
        try {
            l.compile();
            return l;
        } catch (SpawnException | RuntimeException e) {
            l.discard();
            throw e;
        }
    }

    private void compile() throws SpawnException {
        if (cgroupPlace != null) {
            makeCgroup();
        }
        // argv, envp, the candidates and the directory were made once, for every spawn of the command
        // (a ProcessBuilder's by its JdkExec, from the bytes the JDK would pass).
        JdkExec jdk = spec.jdk();
        MemorySegment argv = spec.argv().array();
        MemorySegment envp = spec.envp().array();

        // The fds the child gets: target -> parent fd.
        Map<Integer, Integer> give = new TreeMap<>();
        stdio(0, spec.stdin(), give);
        stdio(1, spec.stdout(), give);
        if (spec.redirectErrorStream()) {
            Integer out = give.get(1);
            give.put(2, out != null ? out : 1);
        } else {
            stdio(2, spec.stderr(), give);
        }
        give.putAll(spec.fds());
        moveSourcesOutOfTheWay(give);

        if (spec.closeOtherFds()) {
            // The child shares the parent's fd table until this step gives it a copy of the fds
            // up to the highest one a step uses (the DUP2 sources; 0-2 stay for inherited stdio).
            int maxFd = 2;
            for (Integer source : give.values()) {
                maxFd = Math.max(maxFd, source);
            }
            cloneFlags = Linux.CLONE_FILES;
            steps.add(ChainStep.closeRange(maxFd + 1, Linux.CLOSE_RANGE_UNSHARE));
            if (maxFd > 2) {
                // Marks the fds from 3 to maxFd close-on-exec (the step above closed the rest);
                // the DUP2s below then make the targets survive.
                steps.add(ChainStep.closeRange(3, Linux.CLOSE_RANGE_CLOEXEC));
            }
        }
        for (Map.Entry<Integer, Integer> e : give.entrySet()) {
            steps.add(ChainStep.dup2(e.getValue(), e.getKey()));
        }
        Path dir = spec.directory();
        if (dir != null) {
            steps.add(ChainStep.chdir(spec.chdir().string(0), dir));
        }
        if (jdk != null && jdk.directory() != null) { // ProcessBuilder: the directory's bytes as the JDK passes them
            steps.add(ChainStep.chdir(jdk.directory().string(0), null));
        }
        if (spec.newSession()) {
            steps.add(ChainStep.setsid());
        }
        Integer pgid = spec.processGroup();
        if (pgid != null && !spec.newSession()) {
            steps.add(ChainStep.setpgid(pgid));
        }
        Integer umask = spec.umask();
        if (umask != null) {
            steps.add(ChainStep.umask(umask));
        }
        if (!spec.rlimits().isEmpty()) {
            for (Map.Entry<Integer, long[]> e : new TreeMap<>(spec.rlimits()).entrySet()) {
                steps.add(ChainStep.setrlimit(e.getKey(), e.getValue()[0], e.getValue()[1]));
            }
        }
        if (spec.resetSignals()) {
            steps.add(ChainStep.signalDefaults());
            steps.add(ChainStep.clearSignalMask());
        } else if (jdk != null) { // ProcessBuilder: the JDK's child clears the mask, keeps ignored signals ignored
            steps.add(ChainStep.clearSignalMask());
        }
        int pdeath = spec.parentDeathSignal();
        if (pdeath != 0) {
            steps.add(ChainStep.pdeathsig(pdeath));
        }
        if (jdk != null) {
            jdkExecSteps(jdk, argv, envp);
            return;
        }
        NativeStrings paths = spec.candidates();
        for (int i = 0; i < paths.size(); i++) {
            candidates.add(paths.strings().get(i).text());
            steps.add(ChainStep.exec(paths.string(i), argv, envp, 0));
        }
    }

    /**
     * Makes the child's cgroup under the place found; where none can be had the child starts
     * all the same, in its own process group, with the reason kept; a limit that cannot be
     * set fails the spawn.
     */
    private void makeCgroup() throws SpawnException {
        Map<String, String> limits = spec.cgroupLimits();
        if (cgroupPlace.parent() == null) {
            cgroupFallback = "no cgroup: " + cgroupPlace.reason();
        } else {
            try {
                cgroup = Cgroup.create(cgroupPlace.parent(), limits);
                return;
            } catch (Cgroup.LimitRefused e) {
                throw fail(e.step(), e.errno(), List.of());
            } catch (Cgroup.Refused e) {
                cgroupFallback = "no cgroup: " + e.step() + ": " + Errno.name(e.errno());
            }
        }
        if (!limits.isEmpty()) {
            String first = limits.keySet().iterator().next();
            throw fail("cgroup " + first + " " + limits.get(first) + " (" + cgroupFallback + ")", Errno.EOPNOTSUPP,
                    List.of());
        }
    }

    /**
     * ProcessBuilder's exec, as the JDK's launcher does it: per candidate, the file, then (only
     * after ENOEXEC) {@code /bin/sh file args...}; the search goes on only past the errors a PATH
     * search skips. Both steps count as exec candidates (hardlinked but the very last).
     */
    private void jdkExecSteps(JdkExec jdk, MemorySegment argv, MemorySegment cEnvp) {
        MemorySegment sh = JdkExec.SHELL.string(0);
        NativeStrings paths = jdk.candidates();
        int shFlags = IORING_EXEC_IF_ENOEXEC | IORING_EXEC_PATH_SEARCH;
        for (int i = 0; i < paths.size(); i++) {
            candidates.add(paths.strings().get(i).text());
            steps.add(ChainStep.exec(paths.string(i), argv, cEnvp, 0));
            candidates.add("/bin/sh " + candidates.getLast());
            steps.add(ChainStep.exec(sh, jdk.shellArgv(i).array(), cEnvp, shFlags));
        }
    }

    /**
     * Whether this launch may clone on the caller's thread ({@link #startHere}): no parent-death
     * signal is asked (Linux sends it when the <em>thread</em> that cloned ends, so such a child
     * is cloned on a long-lived loop thread) and the streams are not read to their end on the
     * loop ({@code Spawner.run}'s capture, whose collectors are armed there), and no cgroup is
     * asked (the CLONE into it is made by the ring).
     */
    boolean clonesOnCaller() {
        return spec.parentDeathSignal() == 0 && captureLimit < 0 && !spec.newCgroup();
    }

    private void stdio(int target, Stdio how, Map<Integer, Integer> give) throws SpawnException {
        String name = target == 0 ? "stdin" : target == 1 ? "stdout" : "stderr";
        // instanceof, not a pattern switch: a cold JVM spins a class for each such switch.
        if (how instanceof Stdio.Fd f) {
            give.put(target, f.fd());
        } else if (how instanceof Stdio.Discard) {
            give.put(target, devNull);
        } else if (how instanceof Stdio.Memfd) {
            int fd = Memfd.create(name);
            if (fd < 0) {
                throw fail("memfd_create for " + name, -fd, List.of());
            }
            memfds[target] = fd;
            give.put(target, fd);
        } else if (how instanceof Stdio.File f) {
            int flags = target == 0 ? Linux.O_RDONLY
                    : Linux.O_WRONLY | Linux.O_CREAT | (f.append() ? Linux.O_APPEND : Linux.O_TRUNC);
            int fd = open(f.path(), flags | Linux.O_CLOEXEC | Linux.O_NOCTTY);
            if (fd < 0) {
                throw fail("open " + name + " " + f.path(), -fd, List.of());
            }
            childSideFds.add(fd);
            give.put(target, fd);
        } else if (how instanceof Stdio.Pipe) {
            int[] fds = new int[2];
            int r = Sys.pipe2(fds, Linux.O_CLOEXEC);
            if (r < 0) {
                throw fail("pipe for " + name, -r, List.of());
            }
            int childEnd = target == 0 ? fds[0] : fds[1];
            int parentEnd = target == 0 ? fds[1] : fds[0];
            childSideFds.add(childEnd);
            give.put(target, childEnd);
            pipes[target] = parentEnd;
        }
    }

    /** Opens {@code path} with its name encoded as the JDK encodes file names ({@code sun.jnu.encoding}). */
    private static int open(Path path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            byte[] name = path.toString().getBytes(OsString.CHARSET);
            MemorySegment c = arena.allocate(name.length + 1L);
            MemorySegment.copy(name, 0, c, ValueLayout.JAVA_BYTE, 0, name.length);
            return Sys.openat(Linux.AT_FDCWD, c, flags, 0666);
        }
    }

    /**
     * dup2 in any order is only safe when no source is another mapping's target: move every
     * source at or below the highest target above it first (as Go's forkAndExecInChild does,
     * but in the parent, where fcntl can be called).
     */
    private void moveSourcesOutOfTheWay(Map<Integer, Integer> give) throws SpawnException {
        if (give.isEmpty()) {
            return;
        }
        int maxTarget = ((TreeMap<Integer, Integer>) give).lastKey();
        for (Map.Entry<Integer, Integer> e : give.entrySet()) {
            int source = e.getValue();
            if (source != e.getKey() && source <= maxTarget && give.containsKey(source)) {
                int moved = Sys.fcntl(source, 1030 /* F_DUPFD_CLOEXEC */, maxTarget + 1L);
                if (moved < 0) {
                    throw fail("fcntl F_DUPFD_CLOEXEC " + source, -moved, List.of());
                }
                childSideFds.add(moved);
                e.setValue(moved);
            }
        }
    }

    private SpawnException fail(String step, int errno, List<String> tried) {
        return spec.failure(step, errno, tried);
    }

    // ---- on the loop thread

    /**
     * Queues the chain on the ring; {@code result} completes with the child, or a SpawnException.
     * The caller submits (so several launches can go in one submission).
     */
    void start(EventLoop loop, CompletableFuture<ChildState> result) {
        try {
            prepareChain(loop, result);
        } catch (RuntimeException e) {
            // Nothing was submitted (reserve() refuses a chain that does not fit): give it all back.
            discard();
            result.completeExceptionally(e);
        }
    }

    private void prepareChain(EventLoop loop, CompletableFuture<ChildState> result) {
        int n = steps.size() + 1;
        int[] res = new int[n];
        int[] seen = {0};
        loop.reserve(n);
        for (int i = 0; i < n; i++) {
            int index = i;
            long userData = loop.register(cqe -> {
                res[index] = cqe.res();
                if (++seen[0] == n) {
                    finish(loop, res, result);
                }
            });
            Sqe sqe = loop.sqe();
            if (i == 0 && cgroup != null) {
                sqe.prepClone(pidfd, cloneFlags, cgroup.dirFd());
            } else if (i == 0) {
                sqe.prepClone(pidfd, cloneFlags);
            } else {
                steps.get(i - 1).prep(sqe);
            }
            // The EXEC candidates are hardlinked: a missing one lets the search go on.
            boolean last = i == n - 1;
            boolean candidate = i >= n - candidates.size();
            sqe.flags(last ? 0 : candidate ? IOSQE_IO_HARDLINK : LINK).userData(userData);
        }
    }

    private void finish(EventLoop loop, int[] res, CompletableFuture<ChildState> result) {
        int pid = res[0];
        if (cgroup != null && pid == -Errno.ENOSYS && spec.cgroupLimits().isEmpty()) {
            // clone3 refused (seccomp): clone() cannot place a child in a cgroup; nothing was
            // cloned, so the chain goes again without one and the child has its group only.
            cgroup.cloneFailed();
            cgroup = null;
            cgroupFallback = "no cgroup: clone3 refused (ENOSYS), and only clone3 has CLONE_INTO_CGROUP";
            try {
                prepareChain(loop, result);
                return;
            } catch (RuntimeException e) {
                discard();
                result.completeExceptionally(e);
                return;
            }
        }
        closeChildSide();
        if (pid < 0) {
            closeParentSide();
            NativeMemory.free(pidfd);
            String step = cgroup != null ? "clone into cgroup " + cgroup.path() : "clone";
            if (cgroup != null) {
                cgroup.cloneFailed();
            }
            result.completeExceptionally(pid == -Errno.ECANCELED && loop.failure() != null ? loop.refused()
                    : fail(step, -pid, List.of()));
            return;
        }
        if (cgroup != null) {
            cgroup.cloned();
        }
        int fd = pidfd.get(ValueLayout.JAVA_INT, 0);
        NativeMemory.free(pidfd);
        int firstExec = res.length - candidates.size();
        boolean execed = false;
        for (int i = firstExec; i < res.length; i++) {
            execed |= res[i] == 0;
        }
        if (execed) {
            ChildState child = new ChildState(loop, pid, fd, spec,
                    new ChildStreams(loop, pid, pipes.clone(), memfds.clone(), captureLimit), true,
                    cgroup, cgroupFallback);
            loop.childStarted();
            child.started();
            if (spec.jdk() != null) {
                spec.jdk().started(pid); // the JDK's handle, taken before this loop can reap the child
            }
            result.complete(child);
            return;
        }
        // The child is dying by SIGKILL: say which step failed once it is reaped, so a failed
        // spawn leaves nothing behind by the time the caller hears of it.
        closeParentSide();
        ChildState dying = new ChildState(loop, pid, fd, spec, ChildStreams.none(loop, pid), false,
                cgroup, cgroupFallback);
        loop.childStarted();
        dying.started();
        SpawnException failure = failure(res, firstExec);
        dying.onExit().whenComplete((status, e) -> result.completeExceptionally(failure));
    }

    // ---- on the caller's thread

    /**
     * Clones on the calling thread, vfork style: the same steps as the chain, run by a
     * {@link ChildProgram} with no ring and no hand-off; returns once the child has exec'd.
     * The child then goes to {@code loop}, which watches its exit, its pipes and its timeout
     * as for a child it cloned itself ({@link ChildState#started} runs there); a child its
     * waiter may reap is only left for the loop to watch later ({@link ChildState#startLater}). The child
     * starts with this thread's signal mask (a loop thread's is the JVM's default), as a
     * {@code ProcessBuilder} child does.
     *
     * @throws SpawnException        naming the failed step, once the child is reaped
     * @throws IllegalStateException when the loop has ended (the child, if cloned, is killed and reaped)
     */
    ChildState startHere(EventLoop loop) throws SpawnException {
        int n = steps.size() + 1;
        int[] res = new int[n];
        try (ChildProgram program = new ChildProgram(Math.max(1, steps.size()))) {
            int firstCandidate = n - 1 - candidates.size();
            for (int i = 0; i < steps.size(); i++) {
                // The EXEC candidates are hardlinked (but the last): a missing one lets the search go on.
                steps.get(i).addTo(program, i >= firstCandidate && i < steps.size() - 1);
            }
            res[0] = program.run(pidfd, cloneFlags);
            for (int i = 1; i < n; i++) {
                res[i] = program.result(i - 1);
            }
        } catch (RuntimeException | Error e) {
            discard();
            throw e;
        }
        closeChildSide();
        int pid = res[0];
        if (pid < 0) {
            closeParentSide();
            NativeMemory.free(pidfd);
            throw fail("clone", -pid, List.of());
        }
        int fd = pidfd.get(ValueLayout.JAVA_INT, 0);
        NativeMemory.free(pidfd);
        int firstExec = res.length - candidates.size();
        boolean execed = false;
        for (int i = firstExec; i < res.length; i++) {
            execed |= res[i] == 0;
        }
        if (!execed) {
            closeParentSide();
        }
        ChildState child = new ChildState(loop, pid, fd, spec, execed
                ? new ChildStreams(loop, pid, pipes.clone(), memfds.clone(), captureLimit)
                : ChildStreams.none(loop, pid), execed, cgroup, cgroupFallback);
        loop.childStarted(); // counted now, so the next spawn's choice of loop sees it
        if (execed && spec.jdk() != null) {
            spec.jdk().started(pid); // the JDK's handle, taken before the loop can reap the child
        }
        try {
            if (child.startsLater()) {
                child.startLater(); // no hand-off: the loop watches it later, if it must
            } else {
                loop.execute(new Started(child));
            }
        } catch (IllegalStateException ended) {
            child.abandon(); // SIGKILL and reap here: nobody else would
            throw ended;
        }
        if (execed) {
            return child;
        }
        // The child is dying by SIGKILL: say which step failed once it is reaped, so a failed
        // spawn leaves nothing behind by the time the caller hears of it.
        child.awaitReap();
        throw failure(res, firstExec);
    }

    /** {@link ChildState#started} on the loop: a class, not a method reference (see {@link ChainStep}). */
    private static final class Started implements Runnable {
        private final ChildState child;

        Started(ChildState child) {
            this.child = child;
        }

        @Override
        public void run() {
            child.started();
        }
    }

    private SpawnException failure(int[] res, int firstExec) {
        for (int i = 1; i < firstExec; i++) {
            if (res[i] < 0 && res[i] != -Errno.ECANCELED) {
                return fail(steps.get(i - 1).label(), -res[i], List.of());
            }
        }
        if (spec.jdk() != null) { // ProcessBuilder: the JDK's errno, from each candidate's fallback step
            int[] fallbacks = new int[(res.length - firstExec) / 2];
            for (int k = 0; k < fallbacks.length; k++) {
                fallbacks[k] = res[firstExec + 2 * k + 1];
            }
            return fail("exec", spec.jdk().errno(fallbacks), List.of());
        }
        // Every candidate failed: EACCES if one was found but not runnable, as execvp says,
        // else the first error that is not "not there", else ENOENT.
        int errno = 0;
        for (int i = firstExec; i < res.length; i++) {
            int e = -res[i];
            if (e == Errno.EACCES) {
                errno = e;
                break;
            }
            if (errno == 0 || (errno == Errno.ENOENT || errno == Errno.ENOTDIR)) {
                errno = e;
            }
        }
        return fail("exec", errno, candidates.size() > 1 ? candidates : List.of());
    }

    /** Gives back everything compile() took, for a launch that will not start. */
    void discard() {
        closeChildSide();
        closeParentSide();
        NativeMemory.free(pidfd);
        if (cgroup != null) {
            cgroup.cloneFailed();
            cgroup = null;
        }
    }

    private void closeChildSide() {
        for (int fd : childSideFds) {
            Sys.close(fd);
        }
        childSideFds.clear();
    }

    private void closeParentSide() {
        for (int[] fds : new int[][] {pipes, memfds}) {
            for (int fd : fds) {
                if (fd >= 0) {
                    Sys.close(fd);
                }
            }
            Arrays.fill(fds, -1);
        }
    }
}
