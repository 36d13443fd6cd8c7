package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.spawnring.internal.sys.NativeMemory;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * One submission queue entry, as {@link Ring#getSqe()} hands it out: zeroed, to be
 * filled by one {@code prepXxx} call and the setters, then submitted with
 * {@link Ring#submit()}. Do not keep an {@code Sqe} after submitting it: the ring
 * reuses it.
 *
 * <p>As in liburing, every {@code prepXxx} goes through {@link #prepRw} and sets
 * only the fields its op owns. Memory a prep copies (a path, a timespec, argv)
 * belongs to the ring until the request's completion has been seen; memory the
 * caller passes as a {@link MemorySegment} stays the caller's and must outlive
 * the request.
 *
 * <pre>{@code
 * Sqe sqe = ring.getSqe();
 * sqe.prepRead(fd, buffer, 4096, -1).userData(7).flags(IoUring.IOSQE_IO_LINK);
 * }</pre>
 */
public final class Sqe {
    final MemorySegment seg;
    private MemorySegment[] owned = new MemorySegment[2];
    private int ownedCount;

    Sqe(MemorySegment seg) {
        this.seg = seg;
    }

    // ---- life cycle, used by the ring

    /** Zeroes the entry and forgets what a previous use owned (already handed to the ring). */
    void reset() {
        seg.fill((byte) 0);
        ownedCount = 0;
    }

    /** Gives the memory this entry's preps copied to the caller (the ring's request table). */
    MemorySegment[] takeOwned() {
        if (ownedCount == 0) {
            return null;
        }
        MemorySegment[] out = Arrays.copyOf(owned, ownedCount);
        Arrays.fill(owned, 0, ownedCount, null);
        ownedCount = 0;
        return out;
    }

    /** Frees what this entry owns (an entry handed out but given up). */
    void freeOwned() {
        for (int i = 0; i < ownedCount; i++) {
            NativeMemory.free(owned[i]);
            owned[i] = null;
        }
        ownedCount = 0;
    }

    /** Keeps {@code m} (from {@link NativeMemory#calloc}) alive until the completion is seen. */
    MemorySegment own(MemorySegment m) {
        if (ownedCount == owned.length) {
            owned = Arrays.copyOf(owned, owned.length * 2);
        }
        owned[ownedCount++] = m;
        return m;
    }

    MemorySegment ownString(String what, String s) {
        return own(NativeMemory.cString(NativeMemory.CALLOC_ALLOCATOR, what, s));
    }

    // ---- raw fields, kernel names

    /** Sets {@code opcode}. */
    public Sqe opcode(int opcode) {
        seg.set(JAVA_BYTE, Layouts.SQE_opcode, (byte) opcode);
        return this;
    }

    /** @return {@code opcode} */
    public int opcode() {
        return Byte.toUnsignedInt(seg.get(JAVA_BYTE, Layouts.SQE_opcode));
    }

    /** Sets {@code flags} ({@code IOSQE_*}). */
    public Sqe flags(int flags) {
        seg.set(JAVA_BYTE, Layouts.SQE_flags, (byte) flags);
        return this;
    }

    /** @return {@code flags} */
    public int flags() {
        return Byte.toUnsignedInt(seg.get(JAVA_BYTE, Layouts.SQE_flags));
    }

    /** Sets {@code ioprio}. */
    public Sqe ioprio(int ioprio) {
        seg.set(JAVA_SHORT, Layouts.SQE_ioprio, (short) ioprio);
        return this;
    }

    /** Sets {@code fd}. */
    public Sqe fd(int fd) {
        seg.set(JAVA_INT, Layouts.SQE_fd, fd);
        return this;
    }

    /** Sets {@code off}. */
    public Sqe off(long off) {
        seg.set(JAVA_LONG, Layouts.SQE_off, off);
        return this;
    }

    /** Sets {@code addr2} (the same field as {@code off}). */
    public Sqe addr2(long addr2) {
        seg.set(JAVA_LONG, Layouts.SQE_addr2, addr2);
        return this;
    }

    /** Sets {@code addr}. */
    public Sqe addr(long addr) {
        seg.set(JAVA_LONG, Layouts.SQE_addr, addr);
        return this;
    }

    /** Sets {@code len}. */
    public Sqe len(int len) {
        seg.set(JAVA_INT, Layouts.SQE_len, len);
        return this;
    }

    /** Sets the op-flags union ({@code rw_flags}, {@code timeout_flags}, {@code execve_flags}, ...). */
    public Sqe rwFlags(int flags) {
        seg.set(JAVA_INT, Layouts.SQE_op_flags, flags);
        return this;
    }

    /** Sets {@code nop_flags} ({@code IORING_NOP_*}). */
    public Sqe nopFlags(int flags) {
        return rwFlags(flags);
    }

    /** Sets {@code execve_flags} ({@code AT_EMPTY_PATH}, {@code AT_SYMLINK_NOFOLLOW}). */
    public Sqe execveFlags(int flags) {
        return rwFlags(flags);
    }

    /** Sets {@code user_data}, returned unchanged in the completion. */
    public Sqe userData(long userData) {
        seg.set(JAVA_LONG, Layouts.SQE_user_data, userData);
        return this;
    }

    /** @return {@code user_data} */
    public long userData() {
        return seg.get(JAVA_LONG, Layouts.SQE_user_data);
    }

    /** Sets {@code buf_index}. */
    public Sqe bufIndex(int bufIndex) {
        seg.set(JAVA_SHORT, Layouts.SQE_buf_index, (short) bufIndex);
        return this;
    }

    /** Sets {@code personality}. */
    public Sqe personality(int personality) {
        seg.set(JAVA_SHORT, Layouts.SQE_personality, (short) personality);
        return this;
    }

    /** Sets {@code file_index} (also {@code splice_fd_in}, {@code optlen}). */
    public Sqe fileIndex(int fileIndex) {
        seg.set(JAVA_INT, Layouts.SQE_file_index, fileIndex);
        return this;
    }

    /** Sets {@code addr3}. */
    public Sqe addr3(long addr3) {
        seg.set(JAVA_LONG, Layouts.SQE_addr3, addr3);
        return this;
    }

    // ---- field reads, kernel names (what the spawn layer and tests look at)

    /** @return {@code fd} */
    public int fd() {
        return seg.get(JAVA_INT, Layouts.SQE_fd);
    }

    /** @return {@code ioprio} */
    public int ioprio() {
        return Short.toUnsignedInt(seg.get(JAVA_SHORT, Layouts.SQE_ioprio));
    }

    /** @return {@code off} (the same field as {@code addr2}) */
    public long off() {
        return seg.get(JAVA_LONG, Layouts.SQE_off);
    }

    /** @return {@code addr2} (the same field as {@code off}) */
    public long addr2() {
        return seg.get(JAVA_LONG, Layouts.SQE_addr2);
    }

    /** @return {@code addr} */
    public long addr() {
        return seg.get(JAVA_LONG, Layouts.SQE_addr);
    }

    /** @return {@code len} */
    public int len() {
        return seg.get(JAVA_INT, Layouts.SQE_len);
    }

    /** @return the op-flags union ({@code rw_flags}, {@code open_flags}, {@code execve_flags}, ...) */
    public int rwFlags() {
        return seg.get(JAVA_INT, Layouts.SQE_op_flags);
    }

    /** @return {@code buf_index} */
    public int bufIndex() {
        return Short.toUnsignedInt(seg.get(JAVA_SHORT, Layouts.SQE_buf_index));
    }

    /** @return {@code file_index} (also {@code optlen}) */
    public int fileIndex() {
        return seg.get(JAVA_INT, Layouts.SQE_file_index);
    }

    /** @return {@code addr3} */
    public long addr3() {
        return seg.get(JAVA_LONG, Layouts.SQE_addr3);
    }

    // ---- kernel ops

    /** liburing's {@code io_uring_prep_rw}: opcode, fd, addr, len and off; every prep starts here. */
    public Sqe prepRw(int op, int fd, long addr, int len, long off) {
        opcode(op);
        fd(fd);
        addr(addr);
        len(len);
        off(off);
        return this;
    }

    /** {@code IORING_OP_NOP}: completes with 0. */
    public Sqe prepNop() {
        return prepRw(IORING_OP_NOP, -1, 0, 0, 0);
    }

    /** {@code IORING_OP_NOP} with {@code IORING_NOP_INJECT_RESULT}: completes with {@code res}. */
    public Sqe prepNopInject(int res) {
        return prepRw(IORING_OP_NOP, -1, 0, res, 0).nopFlags(IORING_NOP_INJECT_RESULT);
    }

    /**
     * {@code IORING_OP_READ} of up to {@code nbytes} into {@code buf}.
     *
     * @param offset the file offset, or {@code -1} for the current position (pipes, sockets)
     */
    public Sqe prepRead(int fd, MemorySegment buf, int nbytes, long offset) {
        checkFd("READ", fd);
        checkBuffer("READ", buf, nbytes);
        return prepRw(IORING_OP_READ, fd, buf.address(), nbytes, offset);
    }

    /**
     * {@code IORING_OP_WRITE} of {@code nbytes} from {@code buf}.
     *
     * @param offset the file offset, or {@code -1} for the current position
     */
    public Sqe prepWrite(int fd, MemorySegment buf, int nbytes, long offset) {
        checkFd("WRITE", fd);
        checkBuffer("WRITE", buf, nbytes);
        return prepRw(IORING_OP_WRITE, fd, buf.address(), nbytes, offset);
    }

    /** {@code IORING_OP_OPENAT}; the path is copied and owned by the ring. Completes with the fd. */
    public Sqe prepOpenat(int dfd, String path, int flags, int mode) {
        MemorySegment p = ownString("OPENAT path", path);
        return prepRw(IORING_OP_OPENAT, dfd, p.address(), mode, 0).rwFlags(flags);
    }

    /** {@code IORING_OP_CLOSE}. */
    public Sqe prepClose(int fd) {
        checkFd("CLOSE", fd);
        return prepRw(IORING_OP_CLOSE, fd, 0, 0, 0);
    }

    /** {@code IORING_OP_POLL_ADD} (one shot): completes with the ready events ({@code POLLIN}, ...). */
    public Sqe prepPollAdd(int fd, int pollMask) {
        checkFd("POLL_ADD", fd);
        return prepRw(IORING_OP_POLL_ADD, fd, 0, 0, 0).rwFlags(pollMask);
    }

    /** {@code IORING_OP_POLL_REMOVE} of the poll submitted with {@code targetUserData}. */
    public Sqe prepPollRemove(long targetUserData) {
        return prepRw(IORING_OP_POLL_REMOVE, -1, targetUserData, 0, 0);
    }

    /**
     * {@code IORING_OP_TIMEOUT}: completes with {@code -ETIME} after {@code timeout}, or with 0
     * once {@code count} other completions have been posted ({@code count} 0: time only).
     */
    public Sqe prepTimeout(Duration timeout, int count, int flags) {
        return prepRw(IORING_OP_TIMEOUT, -1, timespec(timeout).address(), 1, count).rwFlags(flags);
    }

    /** {@code IORING_OP_TIMEOUT_REMOVE} of the timeout submitted with {@code targetUserData}. */
    public Sqe prepTimeoutRemove(long targetUserData, int flags) {
        return prepRw(IORING_OP_TIMEOUT_REMOVE, -1, targetUserData, 0, 0).rwFlags(flags);
    }

    /**
     * {@code IORING_OP_LINK_TIMEOUT}: linked after a request (which carries {@code IOSQE_IO_LINK}),
     * cancels it if it has not completed within {@code timeout}. The request then completes with
     * {@code -ECANCELED} and this one with {@code -ETIME}; otherwise this one completes with
     * {@code -ECANCELED}.
     */
    public Sqe prepLinkTimeout(Duration timeout, int flags) {
        return prepRw(IORING_OP_LINK_TIMEOUT, -1, timespec(timeout).address(), 1, 0).rwFlags(flags);
    }

    /**
     * {@code IORING_OP_ASYNC_CANCEL} of the request submitted with {@code targetUserData}: completes
     * with 0 when it was found and cancelled, {@code -ENOENT} when no such request is in flight,
     * {@code -EALREADY} when it is already running and could not be stopped.
     */
    public Sqe prepCancel(long targetUserData, int flags) {
        return prepRw(IORING_OP_ASYNC_CANCEL, -1, targetUserData, 0, 0).rwFlags(flags);
    }

    /**
     * {@code IORING_OP_WAITID}: waits for a child's state change like {@code waitid(2)}.
     *
     * @param idtype  {@code P_PID}, {@code P_PIDFD} (or {@code P_ALL}, {@code P_PGID})
     * @param id      the pid or pidfd
     * @param infop   a {@code siginfo_t} (128 bytes) the kernel fills, or {@code null} for one the
     *                ring owns (then only the result is seen)
     * @param options {@code WEXITED}, {@code WNOWAIT}, ...
     */
    public Sqe prepWaitid(int idtype, long id, MemorySegment infop, int options, int flags) {
        if (infop == null) {
            infop = own(NativeMemory.calloc(dev.spawnring.internal.sys.Linux.SIGINFO_SIZE));
        } else {
            checkBuffer("WAITID siginfo", infop, dev.spawnring.internal.sys.Linux.SIGINFO_SIZE);
        }
        prepRw(IORING_OP_WAITID, (int) id, 0, idtype, 0).rwFlags(flags).fileIndex(options);
        return addr2(infop.address());
    }

    // ---- the spawn contract (spawnring's private opcodes, run in user space)

    /**
     * {@code IORING_OP_CLONE}: starts a child process that runs the requests linked after
     * this one, in order, then ends with an EXEC. Must carry {@code IOSQE_IO_LINK} or
     * {@code IOSQE_IO_HARDLINK} and be the head of its chain, else it completes
     * {@code -EINVAL}. Completes with the child's pid. The child is the submitter's to reap
     * (with {@link #prepWaitid WAITID}); spawnring never waits on "any child". If no EXEC of
     * the chain succeeds, the child dies by {@code SIGKILL}.
     *
     * <p>Fields: {@code addr} is where the pidfd goes (0: none), {@code addr2} holds extra
     * {@code clone(2)} flags ({@link #prepClone(MemorySegment, long)}); every other field
     * must be 0.
     */
    public Sqe prepClone() {
        return prepRw(IORING_OP_CLONE, 0, 0, 0, 0);
    }

    /**
     * {@link #prepClone()} that also stores the child's pidfd (an {@code int}, close-on-exec)
     * at {@code pidfdOut}, as {@code clone3(CLONE_PIDFD)} does. The pidfd is the caller's to close.
     */
    public Sqe prepClone(MemorySegment pidfdOut) {
        checkBuffer("CLONE pidfd", pidfdOut, 4);
        return prepClone(pidfdOut, 0);
    }

    /**
     * {@link #prepClone(MemorySegment)} with {@code clone(2)} flags, carried in {@code addr2}.
     * The only flag accepted is {@link dev.spawnring.internal.sys.Linux#CLONE_FILES CLONE_FILES}; any
     * other bit makes the CLONE complete {@code -EINVAL}.
     *
     * <p>{@code CLONE_FILES}: the child starts on the submitter's own fd table instead of a
     * copy of it. A copy costs one entry per open fd and the exec then closes every
     * close-on-exec one, which with thousands of fds open (a pidfd per live child) is most
     * of a spawn's time. <b>The first request linked after the CLONE must be a
     * {@link #prepCloseRange CLOSE_RANGE} with {@code CLOSE_RANGE_UNSHARE}</b>, which gives
     * the child a table of its own; {@code prepCloseRange(n, ~0, CLOSE_RANGE_UNSHARE)} copies
     * only the fds below {@code n}, so {@code n} must be above every fd the chain uses. Else
     * the CLONE completes {@code -EINVAL}, the rest of the chain {@code -ECANCELED}, and
     * nothing is cloned: a DUP2 or CLOSE in the child would change the submitter's fds.
     * Nothing in the child touches an fd before that step, and if it fails the child dies
     * by {@code SIGKILL} at once (its CQE carries the error, every later one
     * {@code -ECANCELED}), hardlink or not.
     *
     * <pre>{@code
     * ring.getSqe().prepClone(pidfd, Linux.CLONE_FILES).flags(IOSQE_IO_LINK);
     * ring.getSqe().prepCloseRange(logFd + 1, ~0, Linux.CLOSE_RANGE_UNSHARE).flags(IOSQE_IO_LINK);
     * ring.getSqe().prepDup2(logFd, 1).flags(IOSQE_IO_LINK);
     * ring.getSqe().prepExec("/usr/bin/env", new String[] {"env"}, null);
     * }</pre>
     *
     * @param pidfdOut where the child's pidfd goes (as {@link #prepClone(MemorySegment)}), or
     *                 {@code null} for none
     * @param cloneFlags 0 or {@code CLONE_FILES}
     */
    public Sqe prepClone(MemorySegment pidfdOut, long cloneFlags) {
        long pidfdAddr = 0;
        if (pidfdOut != null) {
            checkBuffer("CLONE pidfd", pidfdOut, 4);
            pidfdAddr = pidfdOut.address();
        }
        return prepRw(IORING_OP_CLONE, 0, pidfdAddr, 0, 0).addr2(cloneFlags);
    }

    /**
     * {@code IORING_OP_EXEC}: {@code execveat(dfd, path, argv, envp, flags)} in the child of
     * the CLONE this is linked after; outside a CLONE chain it completes {@code -EINVAL}. On
     * success it completes with 0 and every later request of the chain {@code -ECANCELED}. A
     * run of EXECs linked with {@code IOSQE_IO_HARDLINK} is a {@code $PATH} search done in the
     * child: each failed candidate posts its error. The strings are copied.
     *
     * @param envp the environment, or {@code null} for an empty one
     * @throws IllegalArgumentException when a string contains a NUL character
     */
    public Sqe prepExecveat(int dfd, String path, String[] argv, String[] envp, int flags) {
        java.util.Objects.requireNonNull(argv, "EXEC argv");
        MemorySegment p = ownString("EXEC path", path);
        MemorySegment a = own(NativeMemory.cStringArray("argv", argv));
        MemorySegment e = own(NativeMemory.cStringArray("envp", envp == null ? new String[0] : envp));
        return prepExecveat(dfd, p, a, e, flags);
    }

    /**
     * {@link #prepExecveat(int, String, String[], String[], int)} over memory the caller
     * owns: a NUL-terminated path and NULL-terminated {@code char *} arrays (see
     * {@link NativeMemory#cStringArray}). Lets the candidates of a PATH search share one argv.
     */
    public Sqe prepExecveat(int dfd, MemorySegment path, MemorySegment argv, MemorySegment envp, int flags) {
        java.util.Objects.requireNonNull(path, "EXEC path");
        java.util.Objects.requireNonNull(argv, "EXEC argv");
        java.util.Objects.requireNonNull(envp, "EXEC envp");
        return prepRw(IORING_OP_EXEC, dfd, path.address(), 0, 0)
                .addr2(argv.address()).addr3(envp.address()).execveFlags(flags);
    }

    /** {@link #prepExecveat(int, String, String[], String[], int)} relative to the working directory. */
    public Sqe prepExec(String path, String[] argv, String[] envp) {
        return prepExecveat(AT_FDCWD, path, argv, envp, 0);
    }

    /**
     * {@code IORING_OP_DUP2} (child only): {@code dup2(oldfd, newfd)}; when they are equal it
     * clears {@code FD_CLOEXEC} so the fd survives the exec, as posix_spawn's adddup2 does.
     */
    public Sqe prepDup2(int oldfd, int newfd) {
        return prepDup3(oldfd, newfd, 0);
    }

    /** {@code IORING_OP_DUP2} (child only) with {@code dup3} flags ({@code O_CLOEXEC}). */
    public Sqe prepDup3(int oldfd, int newfd, int flags) {
        checkFd("DUP2 oldfd", oldfd);
        checkFd("DUP2 newfd", newfd);
        return prepRw(IORING_OP_DUP2, oldfd, 0, newfd, 0).rwFlags(flags);
    }

    /** {@code IORING_OP_CLOSE_RANGE} (child only): {@code close_range(first, last, flags)}. */
    public Sqe prepCloseRange(int first, int last, int flags) {
        checkFd("CLOSE_RANGE first", first);
        if (Integer.compareUnsigned(last, first) < 0) {
            throw new IllegalArgumentException("CLOSE_RANGE: last " + Integer.toUnsignedString(last)
                    + " is below first " + first);
        }
        return prepRw(IORING_OP_CLOSE_RANGE, first, 0, last, 0).rwFlags(flags);
    }

    /** {@code IORING_OP_CHDIR} (child only); the path is copied. */
    public Sqe prepChdir(String path) {
        return prepRw(IORING_OP_CHDIR, 0, ownString("CHDIR path", path).address(), 0, 0);
    }

    /** {@code IORING_OP_FCHDIR} (child only). */
    public Sqe prepFchdir(int fd) {
        checkFd("FCHDIR", fd);
        return prepRw(IORING_OP_FCHDIR, fd, 0, 0, 0);
    }

    /** {@code IORING_OP_SETSID} (child only): a new session; completes with its id. */
    public Sqe prepSetsid() {
        return prepRw(IORING_OP_SETSID, 0, 0, 0, 0);
    }

    /** {@code IORING_OP_SETPGID} (child only): {@code setpgid(0, pgid)}; 0 makes a new group. */
    public Sqe prepSetpgid(int pgid) {
        if (pgid < 0) {
            throw new IllegalArgumentException("SETPGID: negative process group " + pgid);
        }
        return prepRw(IORING_OP_SETPGID, 0, 0, pgid, 0);
    }

    /** {@code IORING_OP_UMASK} (child only); completes with the previous mask. */
    public Sqe prepUmask(int mask) {
        if ((mask & ~0777) != 0) {
            throw new IllegalArgumentException("UMASK: mask " + Integer.toOctalString(mask) + " is not within 0777");
        }
        return prepRw(IORING_OP_UMASK, 0, 0, mask, 0);
    }

    /** {@code IORING_OP_SETRLIMIT} (child only): {@code prlimit(0, resource, {soft, hard})}. */
    public Sqe prepSetrlimit(int resource, long soft, long hard) {
        if (resource < 0) {
            throw new IllegalArgumentException("SETRLIMIT: bad resource " + resource);
        }
        return prepRw(IORING_OP_SETRLIMIT, 0, soft, resource, 0).addr2(hard);
    }

    /** {@code IORING_OP_SIGDEFAULT} (child only): every signal's disposition back to default, ignored ones too. */
    public Sqe prepSignalDefaults() {
        return prepRw(IORING_OP_SIGDEFAULT, 0, 0, 0, 0);
    }

    /**
     * {@code IORING_OP_SIGMASK} (child only): changes the signal mask the exec'd program
     * starts with ({@code SIG_BLOCK}, {@code SIG_UNBLOCK}, {@code SIG_SETMASK}; bit n-1 is
     * signal n). Without it the program starts with the submitting thread's mask.
     */
    public Sqe prepSigmask(int how, long mask) {
        if (how != dev.spawnring.internal.sys.Linux.SIG_BLOCK && how != dev.spawnring.internal.sys.Linux.SIG_UNBLOCK
                && how != dev.spawnring.internal.sys.Linux.SIG_SETMASK) {
            throw new IllegalArgumentException("SIGMASK: how must be SIG_BLOCK, SIG_UNBLOCK or SIG_SETMASK, got " + how);
        }
        return prepRw(IORING_OP_SIGMASK, 0, mask, how, 0);
    }

    /**
     * {@code IORING_OP_PDEATHSIG} (child only): {@code prctl(PR_SET_PDEATHSIG, signal)}. The
     * signal fires when the thread that submitted the CLONE ends, as prctl(2) says.
     */
    public Sqe prepPdeathsig(int signal) {
        if (signal < 0 || signal > dev.spawnring.internal.sys.Linux.NSIG_MAX) {
            throw new IllegalArgumentException("PDEATHSIG: bad signal " + signal);
        }
        return prepRw(IORING_OP_PDEATHSIG, 0, 0, signal, 0);
    }

    // ---- checks

    private MemorySegment timespec(Duration d) {
        Objects.requireNonNull(d, "timeout");
        if (d.isNegative()) {
            throw new IllegalArgumentException("timeout is negative: " + d);
        }
        MemorySegment ts = own(NativeMemory.calloc(Layouts.TIMESPEC.byteSize()));
        ts.set(JAVA_LONG, 0, d.getSeconds());
        ts.set(JAVA_LONG, 8, d.getNano());
        return ts;
    }

    static void checkFd(String op, int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException(op + ": bad file descriptor " + fd);
        }
    }

    static void checkBuffer(String op, MemorySegment buf, long nbytes) {
        if (buf == null) {
            throw new NullPointerException(op + ": buffer is null");
        }
        if (nbytes < 0 || nbytes > buf.byteSize()) {
            throw new IllegalArgumentException(op + ": " + nbytes + " bytes do not fit a buffer of "
                    + buf.byteSize() + " bytes");
        }
        if (buf.isNative() == false) {
            throw new IllegalArgumentException(op + ": buffer must be native memory (a heap segment moves)");
        }
    }

    @Override
    public String toString() {
        return "Sqe[" + opName(opcode()) + ", flags=" + flags() + ", user_data=" + userData() + "]";
    }
}
