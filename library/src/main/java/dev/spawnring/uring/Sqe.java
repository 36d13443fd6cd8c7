package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.spawnring.internal.ring.Layouts;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;

/**
 * One submission queue entry, as {@link Ring#getSqe()} hands it out: zeroed, to be
 * filled by one {@code prepXxx} call and the setters, then submitted with
 * {@link Ring#submit()}. Do not keep an {@code Sqe} after submitting it: the ring
 * reuses it (and may move what it holds to another entry before submitting).
 *
 * <p>As in liburing, every {@code prepXxx} goes through {@link #prepRw} and sets
 * only the fields its op owns. Memory a prep copies (a path, a timespec, argv)
 * belongs to the entry until the request has been submitted, as the kernel copies
 * what it needs at submission; memory the caller passes as a {@link MemorySegment}
 * stays the caller's and must outlive the request.
 *
 * <pre>{@code
 * Sqe sqe = ring.getSqe();
 * sqe.prepRead(fd, buffer, 4096, -1).userData(7).flags(IoUring.IOSQE_IO_LINK);
 * }</pre>
 */
public final class Sqe {
    final MemorySegment seg;
    /** Where a WAITID without a siginfo of its own writes (the ring's). */
    private final MemorySegment scratchSiginfo;
    /** What this entry's preps copied; swapped with another entry's when the entry moves. */
    private SqeMemory owned = new SqeMemory();

    Sqe(MemorySegment seg, MemorySegment scratchSiginfo) {
        this.seg = seg;
        this.scratchSiginfo = scratchSiginfo;
    }

    /** Zeroes the entry (what a previous use owned was freed when it was consumed). */
    void reset() {
        seg.fill((byte) 0);
    }

    /** Frees what this entry's preps copied: it has been consumed, or given up. */
    void freeOwned() {
        owned.free();
    }

    /** Moves this entry, with the memory it owns, to {@code to} (whose own memory was freed). */
    void moveTo(Sqe to) {
        MemorySegment.copy(seg, 0, to.seg, 0, Layouts.SQE_SIZE);
        SqeMemory spare = to.owned;
        to.owned = owned;
        owned = spare;
    }

    // ---- raw fields, kernel names

    /** Sets {@code opcode}. */
    public Sqe opcode(int opcode) {
        seg.set(JAVA_BYTE, Layouts.SQE_opcode, (byte) opcode);
        return this;
    }

    /** @return {@code opcode} */
    public int opcode() {
        return Layouts.opcode(seg);
    }

    /** Sets {@code flags} ({@code IOSQE_*}). */
    public Sqe flags(int flags) {
        seg.set(JAVA_BYTE, Layouts.SQE_flags, (byte) flags);
        return this;
    }

    /** @return {@code flags} */
    public int flags() {
        return Layouts.flags(seg);
    }

    /** Sets {@code ioprio}. */
    public Sqe ioprio(int ioprio) {
        seg.set(JAVA_SHORT, Layouts.SQE_ioprio, (short) ioprio);
        return this;
    }

    /** @return {@code ioprio} */
    public int ioprio() {
        return Layouts.ioprio(seg);
    }

    /** Sets {@code fd}. */
    public Sqe fd(int fd) {
        seg.set(JAVA_INT, Layouts.SQE_fd, fd);
        return this;
    }

    /** @return {@code fd} */
    public int fd() {
        return Layouts.fd(seg);
    }

    /** Sets {@code off}. */
    public Sqe off(long off) {
        seg.set(JAVA_LONG, Layouts.SQE_off, off);
        return this;
    }

    /** @return {@code off} (the same field as {@code addr2}) */
    public long off() {
        return Layouts.off(seg);
    }

    /** Sets {@code addr2} (the same field as {@code off}). */
    public Sqe addr2(long addr2) {
        seg.set(JAVA_LONG, Layouts.SQE_addr2, addr2);
        return this;
    }

    /** @return {@code addr2} (the same field as {@code off}) */
    public long addr2() {
        return Layouts.off(seg);
    }

    /** Sets {@code addr}. */
    public Sqe addr(long addr) {
        seg.set(JAVA_LONG, Layouts.SQE_addr, addr);
        return this;
    }

    /** @return {@code addr} */
    public long addr() {
        return Layouts.addr(seg);
    }

    /** Sets {@code len}. */
    public Sqe len(int len) {
        seg.set(JAVA_INT, Layouts.SQE_len, len);
        return this;
    }

    /** @return {@code len} */
    public int len() {
        return Layouts.len(seg);
    }

    /** Sets the op-flags union ({@code rw_flags}, {@code timeout_flags}, {@code execve_flags}, ...). */
    public Sqe rwFlags(int flags) {
        seg.set(JAVA_INT, Layouts.SQE_op_flags, flags);
        return this;
    }

    /** @return the op-flags union ({@code rw_flags}, {@code open_flags}, {@code execve_flags}, ...) */
    public int rwFlags() {
        return Layouts.opFlags(seg);
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
        return Layouts.userData(seg);
    }

    /** Sets {@code buf_index}. */
    public Sqe bufIndex(int bufIndex) {
        seg.set(JAVA_SHORT, Layouts.SQE_buf_index, (short) bufIndex);
        return this;
    }

    /** @return {@code buf_index} */
    public int bufIndex() {
        return Layouts.bufIndex(seg);
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

    /** @return {@code file_index} (also {@code optlen}) */
    public int fileIndex() {
        return Layouts.fileIndex(seg);
    }

    /** Sets {@code addr3}. */
    public Sqe addr3(long addr3) {
        seg.set(JAVA_LONG, Layouts.SQE_addr3, addr3);
        return this;
    }

    /** @return {@code addr3} */
    public long addr3() {
        return Layouts.addr3(seg);
    }

    // ---- kernel ops

    /** liburing's {@code io_uring_prep_rw}: opcode, fd, addr, len and off; every prep starts here. */
    public Sqe prepRw(int op, int fd, long addr, int len, long off) {
        return opcode(op).fd(fd).addr(addr).len(len).off(off);
    }

    /** {@code IORING_OP_NOP}: completes with 0. */
    public Sqe prepNop() {
        return prepRw(IORING_OP_NOP, -1, 0, 0, 0);
    }

    /**
     * {@code IORING_OP_NOP} with {@code IORING_NOP_INJECT_RESULT}: completes with {@code res}
     * (on io_uring, older kernels refuse the flag with {@code -EINVAL}, or ignore it).
     */
    public Sqe prepNopInject(int res) {
        return prepRw(IORING_OP_NOP, -1, 0, res, 0).nopFlags(IORING_NOP_INJECT_RESULT);
    }

    /**
     * {@code IORING_OP_READ} of up to {@code nbytes} into {@code buf}.
     *
     * @param offset the file offset, or {@code -1} for the current position (pipes, sockets)
     */
    public Sqe prepRead(int fd, MemorySegment buf, int nbytes, long offset) {
        SqeArgs.fd("READ", fd);
        return prepRw(IORING_OP_READ, fd, SqeArgs.buffer("READ", buf, nbytes).address(), nbytes, offset);
    }

    /**
     * {@code IORING_OP_WRITE} of {@code nbytes} from {@code buf}.
     *
     * @param offset the file offset, or {@code -1} for the current position
     */
    public Sqe prepWrite(int fd, MemorySegment buf, int nbytes, long offset) {
        SqeArgs.fd("WRITE", fd);
        return prepRw(IORING_OP_WRITE, fd, SqeArgs.buffer("WRITE", buf, nbytes).address(), nbytes, offset);
    }

    /** {@code IORING_OP_OPENAT}; the path is copied. Completes with the fd. */
    public Sqe prepOpenat(int dfd, String path, int flags, int mode) {
        return prepRw(IORING_OP_OPENAT, dfd, owned.string("OPENAT path", path), mode, 0).rwFlags(flags);
    }

    /** {@code IORING_OP_CLOSE}. */
    public Sqe prepClose(int fd) {
        return prepRw(IORING_OP_CLOSE, SqeArgs.fd("CLOSE", fd), 0, 0, 0);
    }

    /** {@code IORING_OP_POLL_ADD} (one shot): completes with the ready events ({@code POLLIN}, ...). */
    public Sqe prepPollAdd(int fd, int pollMask) {
        return prepRw(IORING_OP_POLL_ADD, SqeArgs.fd("POLL_ADD", fd), 0, 0, 0).rwFlags(pollMask);
    }

    /** {@code IORING_OP_POLL_REMOVE} of the poll submitted with {@code targetUserData}. */
    public Sqe prepPollRemove(long targetUserData) {
        return prepRw(IORING_OP_POLL_REMOVE, -1, targetUserData, 0, 0);
    }

    /**
     * {@code IORING_OP_TIMEOUT}: completes with {@code -ETIME} after {@code timeout}, or with 0
     * once {@code count} other completions have been posted ({@code count} 0: time only).
     * The timespec is copied.
     */
    public Sqe prepTimeout(Duration timeout, int count, int flags) {
        return prepRw(IORING_OP_TIMEOUT, -1, owned.timespec(timeout), 1, count).rwFlags(flags);
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
        return prepRw(IORING_OP_LINK_TIMEOUT, -1, owned.timespec(timeout), 1, 0).rwFlags(flags);
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
        MemorySegment info = infop == null ? scratchSiginfo
                : SqeArgs.buffer("WAITID siginfo", infop, Linux.SIGINFO_SIZE);
        return prepRw(IORING_OP_WAITID, (int) id, 0, idtype, 0).rwFlags(flags).fileIndex(options).addr2(info.address());
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
        return prepClone(SqeArgs.buffer("CLONE pidfd", pidfdOut, 4), 0);
    }

    /**
     * {@link #prepClone(MemorySegment)} with {@code clone(2)} flags, carried in {@code addr2}:
     * 0 or {@link Linux#CLONE_FILES CLONE_FILES}; any other bit makes the CLONE complete
     * {@code -EINVAL}.
     *
     * <p>{@code CLONE_FILES}: the child starts on the submitter's own fd table instead of a
     * copy of it, which saves copying (and at exec, closing) every open fd. <b>The first
     * request linked after the CLONE must be a {@link #prepCloseRange CLOSE_RANGE} with
     * {@code CLOSE_RANGE_UNSHARE}</b>: {@code prepCloseRange(n, ~0, CLOSE_RANGE_UNSHARE)} gives
     * the child a table of its own holding the fds below {@code n}, so {@code n} must be above
     * every fd the chain uses. Else the CLONE completes {@code -EINVAL}, the rest
     * {@code -ECANCELED}, and nothing is cloned. If that step fails, the child dies by
     * {@code SIGKILL} before any other step, hardlink or not.
     *
     * <pre>{@code
     * ring.getSqe().prepClone(pidfd, Linux.CLONE_FILES).flags(IOSQE_IO_LINK);
     * ring.getSqe().prepCloseRange(logFd + 1, ~0, Linux.CLOSE_RANGE_UNSHARE).flags(IOSQE_IO_LINK);
     * ring.getSqe().prepDup2(logFd, 1).flags(IOSQE_IO_LINK);
     * ring.getSqe().prepExec("/usr/bin/env", new String[] {"env"}, null);
     * }</pre>
     *
     * @param pidfdOut where the child's pidfd goes, or {@code null} for none
     * @param cloneFlags 0 or {@code CLONE_FILES}
     */
    public Sqe prepClone(MemorySegment pidfdOut, long cloneFlags) {
        long pidfdAddr = pidfdOut == null ? 0 : SqeArgs.buffer("CLONE pidfd", pidfdOut, 4).address();
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
        Objects.requireNonNull(argv, "EXEC argv");
        long p = owned.string("EXEC path", path);
        long a = owned.stringArray("argv", argv);
        long e = owned.stringArray("envp", envp == null ? new String[0] : envp);
        return prepRw(IORING_OP_EXEC, dfd, p, 0, 0).addr2(a).addr3(e).execveFlags(flags);
    }

    /**
     * {@link #prepExecveat(int, String, String[], String[], int)} over memory the caller
     * owns: a NUL-terminated path and NULL-terminated {@code char *} arrays (see
     * {@link NativeMemory#cStringArray}). Lets the candidates of a PATH search share one argv.
     */
    public Sqe prepExecveat(int dfd, MemorySegment path, MemorySegment argv, MemorySegment envp, int flags) {
        Objects.requireNonNull(path, "EXEC path");
        Objects.requireNonNull(argv, "EXEC argv");
        Objects.requireNonNull(envp, "EXEC envp");
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
        SqeArgs.fd("DUP2 oldfd", oldfd);
        return prepRw(IORING_OP_DUP2, oldfd, 0, SqeArgs.fd("DUP2 newfd", newfd), 0).rwFlags(flags);
    }

    /** {@code IORING_OP_CLOSE_RANGE} (child only): {@code close_range(first, last, flags)}. */
    public Sqe prepCloseRange(int first, int last, int flags) {
        return prepRw(IORING_OP_CLOSE_RANGE, first, 0, SqeArgs.closeRangeLast(first, last), 0).rwFlags(flags);
    }

    /** {@code IORING_OP_CHDIR} (child only); the path is copied. */
    public Sqe prepChdir(String path) {
        return prepRw(IORING_OP_CHDIR, 0, owned.string("CHDIR path", path), 0, 0);
    }

    /** {@code IORING_OP_FCHDIR} (child only). */
    public Sqe prepFchdir(int fd) {
        return prepRw(IORING_OP_FCHDIR, SqeArgs.fd("FCHDIR", fd), 0, 0, 0);
    }

    /** {@code IORING_OP_SETSID} (child only): a new session; completes with its id. */
    public Sqe prepSetsid() {
        return prepRw(IORING_OP_SETSID, 0, 0, 0, 0);
    }

    /** {@code IORING_OP_SETPGID} (child only): {@code setpgid(0, pgid)}; 0 makes a new group. */
    public Sqe prepSetpgid(int pgid) {
        return prepRw(IORING_OP_SETPGID, 0, 0, SqeArgs.pgid(pgid), 0);
    }

    /** {@code IORING_OP_UMASK} (child only); completes with the previous mask. */
    public Sqe prepUmask(int mask) {
        return prepRw(IORING_OP_UMASK, 0, 0, SqeArgs.umask(mask), 0);
    }

    /** {@code IORING_OP_SETRLIMIT} (child only): {@code prlimit(0, resource, {soft, hard})}. */
    public Sqe prepSetrlimit(int resource, long soft, long hard) {
        return prepRw(IORING_OP_SETRLIMIT, 0, soft, SqeArgs.rlimitResource(resource), 0).addr2(hard);
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
        return prepRw(IORING_OP_SIGMASK, 0, mask, SqeArgs.sigmaskHow(how), 0);
    }

    /**
     * {@code IORING_OP_PDEATHSIG} (child only): {@code prctl(PR_SET_PDEATHSIG, signal)}. The
     * signal fires when the thread that submitted the CLONE ends, as prctl(2) says.
     */
    public Sqe prepPdeathsig(int signal) {
        return prepRw(IORING_OP_PDEATHSIG, 0, 0, SqeArgs.signal(signal), 0);
    }

    @Override
    public String toString() {
        return "Sqe[" + opName(opcode()) + ", flags=" + flags() + ", user_data=" + userData() + "]";
    }
}
