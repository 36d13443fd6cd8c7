package dev.spawnring.internal.spawn;

import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The steps a child runs between clone and exec, and the call that runs them: the
 * Java side of {@code libspawnring.so}'s {@code sr_spawn} (see
 * {@code src/main/c/spawnring.h}).
 *
 * <p>Each request linked after a CLONE becomes one step, added in chain order by
 * the method named after it ({@link #openat}, {@link #dup2}, {@link #exec}, ...),
 * which returns the step's index. {@link #run} clones a child that shares this
 * JVM's memory, vfork style: the calling thread is suspended while the child runs
 * the steps in order and resumes once the child has exec'd or died. Then
 * {@link #result(int)} holds each step's result, as an io_uring completion would:
 * a value {@code >= 0}, or {@code -errno}.
 *
 * <ul>
 *   <li>A step that fails without {@code hardlink} cancels the rest of the chain:
 *       their result is {@code -ECANCELED}. A hardlinked failure goes on.</li>
 *   <li>The first {@link #exec} that succeeds ends the chain: its result is 0 and
 *       every later step's is {@code -ECANCELED}. A run of hardlinked EXECs is a
 *       {@code $PATH} search done in the child.</li>
 *   <li>If no EXEC succeeds (or there is none) the child dies by {@code SIGKILL},
 *       and its waiter sees that exit.</li>
 * </ul>
 *
 * <p><b>Whoever spawns reaps its own children.</b> {@link #run} returns the pid
 * (and, where asked, stores a pidfd); nothing in spawnring waits for the child on
 * the caller's behalf. Reap it with {@code waitid}, e.g.
 * {@code Sys.waitid(Linux.P_PIDFD, pidfd, siginfo, Linux.WEXITED)}, and close the
 * pidfd.
 *
 * <p>Memory: the steps live in native memory from {@link NativeMemory#calloc},
 * freed by {@link #close()}. The pointer arguments (paths, buffers, argv, envp) are
 * native {@link MemorySegment}s that the caller owns and keeps alive until
 * {@link #run} returns; {@link #cStringArray} builds an argv or envp. A program can
 * be run any number of times. Instances are not thread-safe.
 *
 * <pre>{@code
 * try (ChildProgram p = new ChildProgram();
 *      Arena arena = Arena.ofConfined()) {
 *     MemorySegment argv = ChildProgram.cStringArray("argv", "/bin/true");
 *     MemorySegment envp = ChildProgram.cStringArray("envp", "LANG=C");
 *     try {
 *         MemorySegment path = arena.allocateFrom("/bin/true");
 *         int exec = p.exec(Linux.AT_FDCWD, path, argv, envp, 0, false);
 *         MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
 *         int pid = p.run(pidfd);          // > 0, or -errno when the clone failed
 *         int res = p.result(exec);        // 0: /bin/true is running
 *         // ... waitid(P_PIDFD, pidfd.get(JAVA_INT, 0), ...), then close the pidfd
 *     } finally {
 *         NativeMemory.free(argv);
 *         NativeMemory.free(envp);
 *     }
 * }
 * }</pre>
 */
public final class ChildProgram implements AutoCloseable {
    /** {@code sizeof(struct sr_step)}. */
    public static final int STEP_SIZE = Steps.STEP_SIZE;

    // enum sr_op (spawnring.h). Do not change.
    /** {@code SR_OP_NOP}: posts a given result. */
    public static final int OP_NOP = 0;
    /** {@code SR_OP_OPENAT}. */
    public static final int OP_OPENAT = 1;
    /** {@code SR_OP_CLOSE}. */
    public static final int OP_CLOSE = 2;
    /** {@code SR_OP_READ}. */
    public static final int OP_READ = 3;
    /** {@code SR_OP_WRITE}. */
    public static final int OP_WRITE = 4;
    /** {@code SR_OP_DUP2}. */
    public static final int OP_DUP2 = 5;
    /** {@code SR_OP_CLOSE_RANGE}. */
    public static final int OP_CLOSE_RANGE = 6;
    /** {@code SR_OP_CHDIR}. */
    public static final int OP_CHDIR = 7;
    /** {@code SR_OP_FCHDIR}. */
    public static final int OP_FCHDIR = 8;
    /** {@code SR_OP_SETSID}. */
    public static final int OP_SETSID = 9;
    /** {@code SR_OP_SETPGID}. */
    public static final int OP_SETPGID = 10;
    /** {@code SR_OP_UMASK}. */
    public static final int OP_UMASK = 11;
    /** {@code SR_OP_SETRLIMIT}. */
    public static final int OP_SETRLIMIT = 12;
    /** {@code SR_OP_SIGDEFAULT}. */
    public static final int OP_SIGDEFAULT = 13;
    /** {@code SR_OP_SIGMASK}. */
    public static final int OP_SIGMASK = 14;
    /** {@code SR_OP_PDEATHSIG}. */
    public static final int OP_PDEATHSIG = 15;
    /** {@code SR_OP_EXEC}. */
    public static final int OP_EXEC = 16;
    /** {@code SR_OP_FAIL}: posts an error the request got when it was issued. */
    public static final int OP_FAIL = 17;

    /** {@code SR_F_HARDLINK}: a failure of the step does not cancel the rest. */
    public static final int F_HARDLINK = Steps.F_HARDLINK;
    /**
     * {@code SR_F_PATH_SEARCH}: with {@link #F_HARDLINK}, only the errors a {@code $PATH}
     * search skips let the chain go on ({@link #EXEC_PATH_SEARCH}).
     */
    public static final int F_PATH_SEARCH = Steps.F_PATH_SEARCH;
    /**
     * {@code SR_F_IF_ENOEXEC}: an EXEC that runs only after the step before it failed with
     * {@code ENOEXEC} ({@link #EXEC_IF_ENOEXEC}).
     */
    public static final int F_IF_ENOEXEC = Steps.F_IF_ENOEXEC;

    /**
     * An EXEC's flag (above every {@code AT_*} flag of {@code execveat}) that becomes the step's
     * {@link #F_PATH_SEARCH}; the ring API calls it {@code IoUring.IORING_EXEC_PATH_SEARCH}.
     */
    public static final int EXEC_PATH_SEARCH = 1 << 30;
    /** An EXEC's flag that becomes the step's {@link #F_IF_ENOEXEC} ({@code IoUring.IORING_EXEC_IF_ENOEXEC}). */
    public static final int EXEC_IF_ENOEXEC = 1 << 29;

    /** {@code SR_SPAWN_NO_CLONE3}: take the {@code clone()} fallback as if clone3 were refused. */
    static final int SPAWN_NO_CLONE3 = 1;
    /** {@code SR_SPAWN_CLONE_FILES}: clone with {@code CLONE_FILES}, step 0 unshares the fd table. */
    static final int SPAWN_CLONE_FILES = 2;
    /** {@code SR_SPAWN_INTO_CGROUP}: clone3 with {@code CLONE_INTO_CGROUP}. */
    static final int SPAWN_INTO_CGROUP = 4;

    private static final int NO_OPTIONS = 0;

    private final Steps steps;
    private boolean ran;

    /** An empty program with room for 16 steps (it grows as needed). */
    public ChildProgram() {
        this(16);
    }

    /**
     * An empty program.
     *
     * @param initialCapacity the number of steps to make room for at once (it grows as needed)
     * @throws IllegalArgumentException when {@code initialCapacity < 1}
     */
    public ChildProgram(int initialCapacity) {
        this.steps = new Steps(initialCapacity);
    }

    // ---- steps, one per op; each returns the index of the step it added

    /**
     * NOP: posts {@code res} ({@code IORING_NOP_INJECT_RESULT}); a negative value makes
     * the step fail with it.
     *
     * @param res the result to post
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int nop(int res, boolean hardlink) {
        return steps.add(OP_NOP, hardlink, res, 0, 0, 0, 0, 0);
    }

    /**
     * OPENAT: {@code openat(dirfd, path, flags, mode)}; the result is the new fd.
     *
     * @param path a NUL-terminated path in native memory
     * @param dirfd the directory fd relative paths start from, or {@code AT_FDCWD}
     * @param flags {@code O_*} flags
     * @param mode the mode of a file {@code O_CREAT} makes
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int openat(int dirfd, MemorySegment path, int flags, int mode, boolean hardlink) {
        return steps.add(OP_OPENAT, hardlink, dirfd, Steps.address("openat path", path), flags, mode, 0, 0);
    }

    /**
     * CLOSE: {@code close(fd)} in the child.
     *
     * @param fd the file descriptor, as numbered in the child
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int closeFd(int fd, boolean hardlink) {
        return steps.add(OP_CLOSE, hardlink, fd, 0, 0, 0, 0, 0);
    }

    /**
     * READ: reads up to {@code len} bytes from {@code fd} into {@code buf} (the
     * parent sees them after {@link #run}, the memory being shared); the result is
     * the byte count.
     *
     * @param offset the file offset for {@code pread}, or -1 to {@code read} at the current position
     * @param fd the file descriptor, as numbered in the child
     * @param buf the buffer, native memory
     * @param len the byte count
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     * @throws IndexOutOfBoundsException when {@code len} does not fit {@code buf} (a
     *                                   zero-length segment, a raw address, is not checked)
     */
    public int read(int fd, MemorySegment buf, long len, long offset, boolean hardlink) {
        return steps.add(OP_READ, hardlink, fd, Steps.buffer("read", buf, len), len, Steps.offset("read", offset),
                0, 0);
    }

    /**
     * WRITE: writes {@code len} bytes of {@code buf} to {@code fd}; the result is the
     * byte count written.
     *
     * @param offset the file offset for {@code pwrite}, or -1 to {@code write} at the current position
     * @param fd the file descriptor, as numbered in the child
     * @param buf the buffer, native memory
     * @param len the byte count
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     * @throws IndexOutOfBoundsException when {@code len} does not fit {@code buf} (a
     *                                   zero-length segment, a raw address, is not checked)
     */
    public int write(int fd, MemorySegment buf, long len, long offset, boolean hardlink) {
        return steps.add(OP_WRITE, hardlink, fd, Steps.buffer("write", buf, len), len, Steps.offset("write", offset),
                0, 0);
    }

    /**
     * DUP2: {@code dup3(oldfd, newfd, flags)}; the result is {@code newfd}. When
     * {@code oldfd == newfd} the fd is kept and its close-on-exec flag set as
     * {@code flags} say (cleared for 0, so that it survives the exec), as
     * {@code posix_spawn_file_actions_adddup2} does.
     *
     * @param flags 0 or {@code O_CLOEXEC}
     * @param oldfd the fd to copy
     * @param newfd the fd number to give it
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int dup2(int oldfd, int newfd, int flags, boolean hardlink) {
        return steps.add(OP_DUP2, hardlink, oldfd, newfd, flags, 0, 0, 0);
    }

    /**
     * CLOSE_RANGE: {@code close_range(first, last, flags)}, the three taken as
     * unsigned ({@code -1} for {@code last} is {@code ~0U}: every fd from {@code first} on).
     *
     * @param first the first fd to close
     * @param last the last fd to close
     * @param flags {@code CLOSE_RANGE_*} flags
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int closeRange(int first, int last, int flags, boolean hardlink) {
        return steps.add(OP_CLOSE_RANGE, hardlink, Integer.toUnsignedLong(first), Integer.toUnsignedLong(last),
                Integer.toUnsignedLong(flags), 0, 0, 0);
    }

    /**
     * CHDIR: {@code chdir(path)}.
     *
     * @param path a NUL-terminated path in native memory
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int chdir(MemorySegment path, boolean hardlink) {
        return steps.add(OP_CHDIR, hardlink, Steps.address("chdir path", path), 0, 0, 0, 0, 0);
    }

    /**
     * FCHDIR: {@code fchdir(fd)}.
     *
     * @param fd the file descriptor, as numbered in the child
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int fchdir(int fd, boolean hardlink) {
        return steps.add(OP_FCHDIR, hardlink, fd, 0, 0, 0, 0, 0);
    }

    /**
     * SETSID: {@code setsid()}; the result is the new session id (the child's pid).
     *
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int setsid(boolean hardlink) {
        return steps.add(OP_SETSID, hardlink, 0, 0, 0, 0, 0, 0);
    }

    /**
     * SETPGID: {@code setpgid(0, pgid)}; 0 makes the child the leader of a new group.
     *
     * @param pgid the process group to join, 0 for a new one led by the child
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int setpgid(int pgid, boolean hardlink) {
        return steps.add(OP_SETPGID, hardlink, pgid, 0, 0, 0, 0, 0);
    }

    /**
     * UMASK: {@code umask(mask)}; the result is the previous mask.
     *
     * @param mask the new file mode creation mask
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int umask(int mask, boolean hardlink) {
        return steps.add(OP_UMASK, hardlink, mask, 0, 0, 0, 0, 0);
    }

    /**
     * SETRLIMIT: {@code prlimit64(0, resource, {soft, hard}, NULL)}.
     *
     * @param soft the soft limit ({@code RLIM_INFINITY} is -1)
     * @param hard the hard limit ({@code RLIM_INFINITY} is -1)
     * @param resource an {@code RLIMIT_*} value
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int setrlimit(int resource, long soft, long hard, boolean hardlink) {
        return steps.add(OP_SETRLIMIT, hardlink, resource, soft, hard, 0, 0, 0);
    }

    /**
     * SIGDEFAULT: every signal but {@code SIGKILL} and {@code SIGSTOP} back to
     * {@code SIG_DFL}, ignored ones included (handled ones are reset anyway).
     *
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int sigDefault(boolean hardlink) {
        return steps.add(OP_SIGDEFAULT, hardlink, 0, 0, 0, 0, 0, 0);
    }

    /**
     * SIGMASK: changes the signal mask the exec'd program starts with (at first the
     * mask of the thread calling {@link #run}); the steps themselves always run with
     * every signal blocked.
     *
     * @param how  {@code SIG_BLOCK}, {@code SIG_UNBLOCK} or {@code SIG_SETMASK} (else the step fails {@code -EINVAL})
     * @param mask bit {@code n-1} stands for signal {@code n}
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int sigMask(int how, long mask, boolean hardlink) {
        return steps.add(OP_SIGMASK, hardlink, how, mask, 0, 0, 0, 0);
    }

    /**
     * PDEATHSIG: {@code prctl(PR_SET_PDEATHSIG, sig)}. The kernel sends it when the
     * <em>thread</em> that called {@link #run} exits, not the JVM.
     *
     * @param sig the signal, 0 for none
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int pdeathsig(int sig, boolean hardlink) {
        return steps.add(OP_PDEATHSIG, hardlink, sig, 0, 0, 0, 0, 0);
    }

    /**
     * EXEC: {@code execveat(dirfd, path, argv, envp, flags)}. On success the result
     * is 0 and every later step is cancelled; a run of hardlinked EXECs tries one
     * candidate after another.
     *
     * @param path  a NUL-terminated path in native memory
     * @param argv  a NULL-terminated {@code char *[]} in native memory (see {@link #cStringArray})
     * @param envp  a NULL-terminated {@code char *[]} in native memory
     * @param flags {@code AT_EMPTY_PATH}, {@code AT_SYMLINK_NOFOLLOW}, or 0; and spawnring's
     *              {@link #EXEC_PATH_SEARCH} and {@link #EXEC_IF_ENOEXEC},
     *              which become the step's {@link #F_PATH_SEARCH} and {@link #F_IF_ENOEXEC} and
     *              are not passed to {@code execveat}
     * @param dirfd the directory fd relative paths start from, or {@code AT_FDCWD}
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     */
    public int exec(int dirfd, MemorySegment path, MemorySegment argv, MemorySegment envp, int flags,
            boolean hardlink) {
        int stepFlags = (hardlink ? F_HARDLINK : 0)
                | ((flags & EXEC_PATH_SEARCH) != 0 ? F_PATH_SEARCH : 0)
                | ((flags & EXEC_IF_ENOEXEC) != 0 ? F_IF_ENOEXEC : 0);
        int execveFlags = flags & ~(EXEC_PATH_SEARCH | EXEC_IF_ENOEXEC);
        return steps.addWithFlags(OP_EXEC, stepFlags, dirfd, Steps.address("exec path", path),
                Steps.address("exec argv", argv), Steps.address("exec envp", envp), execveFlags, 0);
    }

    /**
     * FAIL: a step that fails with {@code negErrno}, for a request that failed when it
     * was issued (e.g. {@code -EOPNOTSUPP} for an opcode the child cannot run).
     *
     * @param negErrno a negative errno value
     * @param hardlink whether a failure of this step lets the chain go on ({@code IOSQE_IO_HARDLINK})
     * @return the step's index
     * @throws IllegalArgumentException when {@code negErrno >= 0}
     */
    public int fail(int negErrno, boolean hardlink) {
        if (negErrno >= 0) {
            throw new IllegalArgumentException("fail needs a negative errno, got " + negErrno);
        }
        return steps.add(OP_FAIL, hardlink, negErrno, 0, 0, 0, 0, 0);
    }

    // ---- running

    /**
     * Clones a child that runs the steps, and returns once it has exec'd or died.
     * The calling thread blocks meanwhile (a virtual thread pins its carrier); the
     * rest of the JVM runs on. The steps' pointer arguments must stay alive until
     * this returns.
     *
     * <p>Whoever spawns reaps: the child is the caller's to wait for.
     *
     * @param pidfdOut where to store the child's pidfd (a 4-byte native segment; the
     *                 pidfd is close-on-exec and the caller closes it), or
     *                 {@code null}/{@link MemorySegment#NULL} for none
     * @return the child's pid ({@code > 0}), or {@code -errno} when the clone itself
     *         failed (then no step ran and every result is {@code -ECANCELED})
     * @throws IllegalStateException when this program is closed
     * @throws UnsatisfiedLinkError when spawnring's native library cannot be loaded
     */
    public int run(MemorySegment pidfdOut) {
        return runWithOptions(pidfdOut, NO_OPTIONS);
    }

    /**
     * {@link #run(MemorySegment)} with {@code clone(2)} flags added to the ones spawnring
     * always uses. The only one accepted is {@link Linux#CLONE_FILES}: the child starts on
     * this process's own fd table rather than a copy of it, which saves copying (and at
     * exec, closing) every open fd. Step 0 must then be a {@link #closeRange CLOSE_RANGE}
     * with {@code CLOSE_RANGE_UNSHARE}, which gives the child a table of its own:
     * {@code closeRange(n, -1, CLOSE_RANGE_UNSHARE, ...)} copies only the fds below
     * {@code n}. Otherwise nothing is cloned and the result is {@code -EINVAL}. If that
     * step fails the child dies by {@code SIGKILL} before any other step, hardlink or not.
     *
     * @param pidfdOut as for {@link #run(MemorySegment)}
     * @param cloneFlags 0 or {@link Linux#CLONE_FILES}
     * @return as for {@link #run(MemorySegment)}; {@code -EINVAL} for {@code CLONE_FILES}
     *         without the unsharing first step
     * @throws IllegalArgumentException when {@code cloneFlags} holds another flag
     */
    public int run(MemorySegment pidfdOut, long cloneFlags) {
        if ((cloneFlags & ~Linux.CLONE_FILES) != 0) {
            throw new IllegalArgumentException("clone flags other than CLONE_FILES are not supported: 0x"
                    + Long.toHexString(cloneFlags));
        }
        return runWithOptions(pidfdOut, cloneFlags == 0 ? NO_OPTIONS : SPAWN_CLONE_FILES);
    }

    /**
     * {@link #run(MemorySegment, long)} that may also start the child in a cgroup:
     * {@link Linux#CLONE_INTO_CGROUP} in {@code cloneFlags} clones with
     * {@code clone3(CLONE_INTO_CGROUP)} into the cgroup whose directory {@code cgroupFd} holds
     * open, so the child never runs outside it. Where {@code clone3} is refused nothing is
     * cloned and the result is {@code -ENOSYS} ({@code clone()} cannot place a child in a
     * cgroup).
     *
     * @param pidfdOut   as for {@link #run(MemorySegment)}
     * @param cloneFlags 0, {@link Linux#CLONE_FILES}, {@link Linux#CLONE_INTO_CGROUP} or both
     * @param cgroupFd   an fd of the cgroup's directory with {@code CLONE_INTO_CGROUP}, else ignored
     * @return as for {@link #run(MemorySegment)}; the kernel's error when it refuses the cgroup
     *         (e.g. {@code -EBUSY}, {@code -EOPNOTSUPP})
     * @throws IllegalArgumentException when {@code cloneFlags} holds another flag, or
     *                                  {@code CLONE_INTO_CGROUP} comes with a negative fd
     */
    public int run(MemorySegment pidfdOut, long cloneFlags, int cgroupFd) {
        long intoCgroup = cloneFlags & Linux.CLONE_INTO_CGROUP;
        if (intoCgroup == 0) {
            return run(pidfdOut, cloneFlags);
        }
        if (cgroupFd < 0) {
            throw new IllegalArgumentException("CLONE_INTO_CGROUP needs the cgroup's fd, not " + cgroupFd);
        }
        long rest = cloneFlags & ~Linux.CLONE_INTO_CGROUP;
        if ((rest & ~Linux.CLONE_FILES) != 0) {
            throw new IllegalArgumentException("clone flags other than CLONE_FILES and CLONE_INTO_CGROUP are not"
                    + " supported: 0x" + Long.toHexString(cloneFlags));
        }
        return runWithOptions(pidfdOut, (rest == 0 ? NO_OPTIONS : SPAWN_CLONE_FILES) | SPAWN_INTO_CGROUP, cgroupFd);
    }

    /** {@link #run(MemorySegment)} with {@code SR_SPAWN_*} options (tests take the clone() fallback). */
    int runWithOptions(MemorySegment pidfdOut, int options) {
        return runWithOptions(pidfdOut, options, -1);
    }

    private int runWithOptions(MemorySegment pidfdOut, int options, int cgroupFd) {
        MemorySegment stepArray = steps.segment();
        MemorySegment out = MemorySegment.NULL;
        if (pidfdOut != null && !pidfdOut.equals(MemorySegment.NULL)) {
            if (!pidfdOut.isNative() || pidfdOut.byteSize() < Integer.BYTES) {
                throw new IllegalArgumentException("pidfdOut must be at least 4 bytes of native memory, got "
                        + pidfdOut);
            }
            out = pidfdOut;
        }
        int pid = SrSpawn.spawn(stepArray, steps.count(), out, options, cgroupFd);
        ran = true;
        return pid;
    }

    /**
     * The result the last {@link #run} posted for step {@code i}: {@code >= 0} on
     * success, {@code -errno} on failure, {@code -ECANCELED} for a step never reached.
     *
     * @param i the step's index, as its adding method returned it
     * @return the step's result
     * @throws IndexOutOfBoundsException when there is no step {@code i}
     * @throws IllegalStateException when the program has not run yet, or is closed
     */
    public int result(int i) {
        steps.segment(); // closed: IllegalStateException first
        Objects.checkIndex(i, steps.count());
        if (!ran) {
            throw new IllegalStateException("step " + i + " has no result: the program has not run yet");
        }
        return steps.result(i);
    }

    /**
     * The number of steps added so far.
     *
     * @return the step count
     */
    public int size() {
        return steps.count();
    }

    /**
     * The opcode of step {@code i} ({@link #OP_NOP} ... {@link #OP_FAIL}).
     *
     * @param i the step's index
     * @return its {@code OP_*} value
     * @throws IndexOutOfBoundsException when there is no step {@code i}
     */
    public int op(int i) {
        return steps.op(i);
    }

    /** Frees the steps. The memory the steps point to stays the caller's. Idempotent. */
    @Override
    public void close() {
        steps.close();
    }

    // ---- argv and envp

    /**
     * A NULL-terminated {@code char *[]} holding {@code values} as UTF-8 C strings,
     * in one block of {@link NativeMemory#calloc} memory (the pointer array followed
     * by the strings), for {@link #exec}'s {@code argv} and {@code envp}. The caller
     * frees it with {@link NativeMemory#free}. It is {@link NativeMemory#cStringArray}
     * with varargs.
     *
     * @param what   names the array in error messages, e.g. {@code "argv"}
     * @param values the strings, in order
     * @return the block, {@code (values.length + 1) * 8} bytes of pointers then the strings
     * @throws IllegalArgumentException naming the element (e.g. {@code "argv[3] contains
     *                                  a NUL character at index 2: ..."}) when one holds a NUL
     * @throws NullPointerException     when {@code values} or one of its elements is null
     */
    public static MemorySegment cStringArray(String what, String... values) {
        return NativeMemory.cStringArray(what, values);
    }
}
