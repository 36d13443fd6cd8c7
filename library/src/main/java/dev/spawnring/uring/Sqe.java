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

    /**
     * Sets the {@code opcode} field: the op the request runs.
     *
     * @param opcode an {@code IORING_OP_*} value ({@link IoUring})
     * @return this SQE
     */
    public Sqe opcode(int opcode) {
        seg.set(JAVA_BYTE, Layouts.SQE_opcode, (byte) opcode);
        return this;
    }

    /**
     * Returns the {@code opcode} field.
     *
     * @return an {@code IORING_OP_*} value
     */
    public int opcode() {
        return Layouts.opcode(seg);
    }

    /**
     * Sets the {@code flags} field, replacing the flags set before.
     *
     * @param flags {@code IOSQE_*} bits, e.g. {@link IoUring#IOSQE_IO_LINK}
     * @return this SQE
     */
    public Sqe flags(int flags) {
        seg.set(JAVA_BYTE, Layouts.SQE_flags, (byte) flags);
        return this;
    }

    /**
     * Returns the {@code flags} field.
     *
     * @return the {@code IOSQE_*} bits
     */
    public int flags() {
        return Layouts.flags(seg);
    }

    /**
     * Sets the {@code ioprio} field: the I/O priority, or op-specific flags.
     *
     * @param ioprio the value, of which the low 16 bits are kept
     * @return this SQE
     */
    public Sqe ioprio(int ioprio) {
        seg.set(JAVA_SHORT, Layouts.SQE_ioprio, (short) ioprio);
        return this;
    }

    /**
     * Returns the {@code ioprio} field.
     *
     * @return the value
     */
    public int ioprio() {
        return Layouts.ioprio(seg);
    }

    /**
     * Sets the {@code fd} field: the file the op works on.
     *
     * @param fd a file descriptor, or a registered file index with {@link IoUring#IOSQE_FIXED_FILE}
     * @return this SQE
     */
    public Sqe fd(int fd) {
        seg.set(JAVA_INT, Layouts.SQE_fd, fd);
        return this;
    }

    /**
     * Returns the {@code fd} field.
     *
     * @return the value
     */
    public int fd() {
        return Layouts.fd(seg);
    }

    /**
     * Sets the {@code off} field: the file offset, or an op's count (the same field as {@code addr2}).
     *
     * @param off the value
     * @return this SQE
     */
    public Sqe off(long off) {
        seg.set(JAVA_LONG, Layouts.SQE_off, off);
        return this;
    }

    /**
     * Returns the {@code off} field (the same field as {@code addr2}).
     *
     * @return the value
     */
    public long off() {
        return Layouts.off(seg);
    }

    /**
     * Sets the {@code addr2} field (the same field as {@code off}).
     *
     * @param addr2 the value, often an address
     * @return this SQE
     */
    public Sqe addr2(long addr2) {
        seg.set(JAVA_LONG, Layouts.SQE_addr2, addr2);
        return this;
    }

    /**
     * Returns the {@code addr2} field (the same field as {@code off}).
     *
     * @return the value
     */
    public long addr2() {
        return Layouts.off(seg);
    }

    /**
     * Sets the {@code addr} field: a buffer's address, or the {@code user_data} an op targets.
     *
     * @param addr the value
     * @return this SQE
     */
    public Sqe addr(long addr) {
        seg.set(JAVA_LONG, Layouts.SQE_addr, addr);
        return this;
    }

    /**
     * Returns the {@code addr} field.
     *
     * @return the value
     */
    public long addr() {
        return Layouts.addr(seg);
    }

    /**
     * Sets the {@code len} field: a buffer's length, or an op's count.
     *
     * @param len the value
     * @return this SQE
     */
    public Sqe len(int len) {
        seg.set(JAVA_INT, Layouts.SQE_len, len);
        return this;
    }

    /**
     * Returns the {@code len} field.
     *
     * @return the value
     */
    public int len() {
        return Layouts.len(seg);
    }

    /**
     * Sets the op-flags union: {@code rw_flags}, {@code open_flags}, {@code timeout_flags}, {@code execve_flags}, ...
     *
     * @param flags the op's flags
     * @return this SQE
     */
    public Sqe rwFlags(int flags) {
        seg.set(JAVA_INT, Layouts.SQE_op_flags, flags);
        return this;
    }

    /**
     * Returns the op-flags union ({@code rw_flags}, {@code open_flags}, {@code execve_flags}, ...).
     *
     * @return the value
     */
    public int rwFlags() {
        return Layouts.opFlags(seg);
    }

    /**
     * Sets {@code nop_flags}, a NOP's view of the op-flags union.
     *
     * @param flags {@code IORING_NOP_*} bits
     * @return this SQE
     */
    public Sqe nopFlags(int flags) {
        return rwFlags(flags);
    }

    /**
     * Sets {@code execve_flags}, an EXEC's view of the op-flags union.
     *
     * @param flags 0, {@link IoUring#AT_EMPTY_PATH}, {@link IoUring#AT_SYMLINK_NOFOLLOW}
     * @return this SQE
     */
    public Sqe execveFlags(int flags) {
        return rwFlags(flags);
    }

    /**
     * Sets the {@code user_data} field, returned unchanged in the request's completions.
     *
     * @param userData any value; cancels and removes name their target by it
     * @return this SQE
     */
    public Sqe userData(long userData) {
        seg.set(JAVA_LONG, Layouts.SQE_user_data, userData);
        return this;
    }

    /**
     * Returns the {@code user_data} field.
     *
     * @return the value
     */
    public long userData() {
        return Layouts.userData(seg);
    }

    /**
     * Sets the {@code buf_index} field: a registered buffer's index (also {@code buf_group}).
     *
     * @param bufIndex the value, of which the low 16 bits are kept
     * @return this SQE
     */
    public Sqe bufIndex(int bufIndex) {
        seg.set(JAVA_SHORT, Layouts.SQE_buf_index, (short) bufIndex);
        return this;
    }

    /**
     * Returns the {@code buf_index} field.
     *
     * @return the value
     */
    public int bufIndex() {
        return Layouts.bufIndex(seg);
    }

    /**
     * Sets the {@code personality} field: the registered credentials the request runs with.
     *
     * @param personality a personality id, or 0 for the submitter's own
     * @return this SQE
     */
    public Sqe personality(int personality) {
        seg.set(JAVA_SHORT, Layouts.SQE_personality, (short) personality);
        return this;
    }

    /**
     * Sets the {@code file_index} field (also {@code splice_fd_in}, {@code optlen}; WAITID's options).
     *
     * @param fileIndex the value
     * @return this SQE
     */
    public Sqe fileIndex(int fileIndex) {
        seg.set(JAVA_INT, Layouts.SQE_file_index, fileIndex);
        return this;
    }

    /**
     * Returns the {@code file_index} field (also {@code splice_fd_in}, {@code optlen}).
     *
     * @return the value
     */
    public int fileIndex() {
        return Layouts.fileIndex(seg);
    }

    /**
     * Sets the {@code addr3} field.
     *
     * @param addr3 the value, often an address
     * @return this SQE
     */
    public Sqe addr3(long addr3) {
        seg.set(JAVA_LONG, Layouts.SQE_addr3, addr3);
        return this;
    }

    /**
     * Returns the {@code addr3} field.
     *
     * @return the value
     */
    public long addr3() {
        return Layouts.addr3(seg);
    }

    // ---- kernel ops

    /**
     * Sets the fields every op uses, as liburing's {@code io_uring_prep_rw}; every
     * {@code prepXxx} starts here. Other fields are left as they are.
     *
     * @param op   an {@code IORING_OP_*} value
     * @param fd   the {@code fd} field
     * @param addr the {@code addr} field
     * @param len  the {@code len} field
     * @param off  the {@code off} field
     * @return this SQE
     */
    public Sqe prepRw(int op, int fd, long addr, int len, long off) {
        return opcode(op).fd(fd).addr(addr).len(len).off(off);
    }

    /**
     * Prepares an {@code IORING_OP_NOP}, which does nothing and completes with 0.
     *
     * @return this SQE
     */
    public Sqe prepNop() {
        return prepRw(IORING_OP_NOP, -1, 0, 0, 0);
    }

    /**
     * Prepares an {@code IORING_OP_NOP} with {@code IORING_NOP_INJECT_RESULT}, which completes
     * with {@code res}. On io_uring, older kernels refuse the flag with {@code -EINVAL}, or
     * ignore it.
     *
     * @param res the result to complete with, e.g. {@code -22} for {@code -EINVAL}
     * @return this SQE
     */
    public Sqe prepNopInject(int res) {
        return prepRw(IORING_OP_NOP, -1, 0, res, 0).nopFlags(IORING_NOP_INJECT_RESULT);
    }

    /**
     * Prepares an {@code IORING_OP_READ} of up to {@code nbytes} into {@code buf}; it completes
     * with the number of bytes read, 0 at end of file.
     *
     * @param fd     the file to read
     * @param buf    native memory of at least {@code nbytes} bytes, which must outlive the request
     * @param nbytes how many bytes to read at most
     * @param offset the file offset, or {@code -1} for the current position (pipes, sockets)
     * @return this SQE
     * @throws IllegalArgumentException when {@code fd} is negative, or {@code buf} is not
     *                                  native or is shorter than {@code nbytes}
     */
    public Sqe prepRead(int fd, MemorySegment buf, int nbytes, long offset) {
        SqeArgs.fd("READ", fd);
        return prepRw(IORING_OP_READ, fd, SqeArgs.buffer("READ", buf, nbytes).address(), nbytes, offset);
    }

    /**
     * Prepares an {@code IORING_OP_WRITE} of {@code nbytes} from {@code buf}; it completes with
     * the number of bytes written, which may be fewer.
     *
     * @param fd     the file to write
     * @param buf    native memory of at least {@code nbytes} bytes, which must outlive the request
     * @param nbytes how many bytes to write
     * @param offset the file offset, or {@code -1} for the current position
     * @return this SQE
     * @throws IllegalArgumentException when {@code fd} is negative, or {@code buf} is not
     *                                  native or is shorter than {@code nbytes}
     */
    public Sqe prepWrite(int fd, MemorySegment buf, int nbytes, long offset) {
        SqeArgs.fd("WRITE", fd);
        return prepRw(IORING_OP_WRITE, fd, SqeArgs.buffer("WRITE", buf, nbytes).address(), nbytes, offset);
    }

    /**
     * Prepares an {@code IORING_OP_OPENAT}: {@code openat(dfd, path, flags, mode)}. The path is
     * copied. It completes with the new fd.
     *
     * @param dfd   the directory a relative path starts from, or {@link IoUring#AT_FDCWD}
     * @param path  the file
     * @param flags {@code O_*} flags ({@link IoUring#O_RDONLY}, {@link IoUring#O_CLOEXEC}, ...)
     * @param mode  the mode of a file {@link IoUring#O_CREAT} creates, e.g. {@code 0644}
     * @return this SQE
     * @throws IllegalArgumentException when {@code path} contains a NUL character
     */
    public Sqe prepOpenat(int dfd, String path, int flags, int mode) {
        return prepRw(IORING_OP_OPENAT, dfd, owned.string("OPENAT path", path), mode, 0).rwFlags(flags);
    }

    /**
     * Prepares an {@code IORING_OP_CLOSE} of {@code fd}.
     *
     * @param fd the fd to close
     * @return this SQE
     * @throws IllegalArgumentException when {@code fd} is negative
     */
    public Sqe prepClose(int fd) {
        return prepRw(IORING_OP_CLOSE, SqeArgs.fd("CLOSE", fd), 0, 0, 0);
    }

    /**
     * Prepares a one-shot {@code IORING_OP_POLL_ADD}, which completes with the ready events
     * ({@code POLLIN}, ...) once {@code fd} has one of {@code pollMask}.
     *
     * @param fd       the fd to watch
     * @param pollMask the {@code poll(2)} events to wait for
     * @return this SQE
     * @throws IllegalArgumentException when {@code fd} is negative
     */
    public Sqe prepPollAdd(int fd, int pollMask) {
        return prepRw(IORING_OP_POLL_ADD, SqeArgs.fd("POLL_ADD", fd), 0, 0, 0).rwFlags(pollMask);
    }

    /**
     * Prepares an {@code IORING_OP_POLL_REMOVE} of the poll submitted with
     * {@code targetUserData}.
     *
     * @param targetUserData the {@code user_data} of the POLL_ADD to remove
     * @return this SQE
     */
    public Sqe prepPollRemove(long targetUserData) {
        return prepRw(IORING_OP_POLL_REMOVE, -1, targetUserData, 0, 0);
    }

    /**
     * Prepares an {@code IORING_OP_TIMEOUT}, which completes with {@code -ETIME} after
     * {@code timeout}, or with 0 once {@code count} other completions have been posted. The
     * timespec is copied.
     *
     * @param timeout how long, 0 or more (a point in time with {@link IoUring#IORING_TIMEOUT_ABS})
     * @param count   the completions that end it early, or 0 for time only
     * @param flags   {@code IORING_TIMEOUT_*} bits, or 0
     * @return this SQE
     * @throws IllegalArgumentException when {@code timeout} is negative
     */
    public Sqe prepTimeout(Duration timeout, int count, int flags) {
        return prepRw(IORING_OP_TIMEOUT, -1, owned.timespec(timeout), 1, count).rwFlags(flags);
    }

    /**
     * Prepares an {@code IORING_OP_TIMEOUT_REMOVE} of the timeout submitted with
     * {@code targetUserData}.
     *
     * @param targetUserData the {@code user_data} of the TIMEOUT to remove
     * @param flags          {@code IORING_TIMEOUT_*} bits, or 0
     * @return this SQE
     */
    public Sqe prepTimeoutRemove(long targetUserData, int flags) {
        return prepRw(IORING_OP_TIMEOUT_REMOVE, -1, targetUserData, 0, 0).rwFlags(flags);
    }

    /**
     * Prepares an {@code IORING_OP_LINK_TIMEOUT}: linked after a request (which carries
     * {@code IOSQE_IO_LINK}), it cancels that request if it has not completed within
     * {@code timeout}. The request then completes with {@code -ECANCELED} and this one with
     * {@code -ETIME}; otherwise this one completes with {@code -ECANCELED}. The timespec is
     * copied.
     *
     * @param timeout how long the request may take, 0 or more
     * @param flags   {@code IORING_TIMEOUT_*} bits, or 0
     * @return this SQE
     * @throws IllegalArgumentException when {@code timeout} is negative
     */
    public Sqe prepLinkTimeout(Duration timeout, int flags) {
        return prepRw(IORING_OP_LINK_TIMEOUT, -1, owned.timespec(timeout), 1, 0).rwFlags(flags);
    }

    /**
     * Prepares an {@code IORING_OP_ASYNC_CANCEL} of the request submitted with
     * {@code targetUserData}. It completes with 0 when the request was found and cancelled,
     * {@code -ENOENT} when no such request is in flight, {@code -EALREADY} when it is already
     * running and could not be stopped.
     *
     * @param targetUserData the {@code user_data} of the request to cancel
     * @param flags          {@code IORING_ASYNC_CANCEL_*} bits, or 0
     * @return this SQE
     */
    public Sqe prepCancel(long targetUserData, int flags) {
        return prepRw(IORING_OP_ASYNC_CANCEL, -1, targetUserData, 0, 0).rwFlags(flags);
    }

    /**
     * Prepares an {@code IORING_OP_WAITID}, which waits for a child's state change as
     * {@code waitid(2)} does and completes with 0.
     * {@link dev.spawnring.ExitStatus#fromSiginfo} reads how the child ended from {@code infop}.
     *
     * @param idtype  {@link IoUring#P_PID}, {@link IoUring#P_PIDFD} (or {@link IoUring#P_ALL},
     *                {@link IoUring#P_PGID})
     * @param id      the pid, pidfd or process group
     * @param infop   native memory of at least {@link IoUring#SIGINFO_SIZE} bytes the kernel
     *                fills as a {@code siginfo_t}, which must outlive the request; or
     *                {@code null} for one the ring owns (then only the result is seen)
     * @param options {@link IoUring#WEXITED}, {@link IoUring#WNOWAIT}, ...
     * @param flags   the op's flags: 0, as any other value completes with {@code -EINVAL}
     * @return this SQE
     * @throws IllegalArgumentException when {@code infop} is not native or is too short
     */
    public Sqe prepWaitid(int idtype, long id, MemorySegment infop, int options, int flags) {
        MemorySegment info = infop == null ? scratchSiginfo
                : SqeArgs.buffer("WAITID siginfo", infop, Linux.SIGINFO_SIZE);
        return prepRw(IORING_OP_WAITID, (int) id, 0, idtype, 0).rwFlags(flags).fileIndex(options).addr2(info.address());
    }

    // ---- the spawn contract (spawnring's private opcodes, run in user space)

    /**
     * Prepares an {@code IORING_OP_CLONE}, which starts a child process that runs the requests
     * linked after this one, in order, then ends with an EXEC. Must carry {@code IOSQE_IO_LINK} or
     * {@code IOSQE_IO_HARDLINK} and be the head of its chain, else it completes
     * {@code -EINVAL}. Completes with the child's pid. The child is the submitter's to reap
     * (with {@link #prepWaitid WAITID}); spawnring never waits on "any child". If no EXEC of
     * the chain succeeds, the child dies by {@code SIGKILL}.
     *
     * <p>Fields: {@code addr} is where the pidfd goes (0: none), {@code addr2} holds extra
     * {@code clone(2)} flags ({@link #prepClone(MemorySegment, long)}); every other field
     * must be 0.
     *
     * @return this SQE
     */
    public Sqe prepClone() {
        return prepRw(IORING_OP_CLONE, 0, 0, 0, 0);
    }

    /**
     * Prepares a CLONE, as {@link #prepClone()}, that also stores the child's pidfd (an
     * {@code int}, close-on-exec) at {@code pidfdOut}, as {@code clone3(CLONE_PIDFD)} does. The
     * pidfd is the caller's to close.
     *
     * @param pidfdOut native memory of at least 4 bytes, which must outlive the request
     * @return this SQE
     * @throws NullPointerException when {@code pidfdOut} is null (use {@link #prepClone()})
     * @throws IllegalArgumentException when {@code pidfdOut} is not native or is too short
     */
    public Sqe prepClone(MemorySegment pidfdOut) {
        return prepClone(SqeArgs.buffer("CLONE pidfd", pidfdOut, 4), 0);
    }

    /**
     * Prepares a CLONE, as {@link #prepClone(MemorySegment)}, with {@code clone(2)} flags
     * carried in {@code addr2}: 0 or {@link IoUring#CLONE_FILES CLONE_FILES}; any other bit
     * makes the CLONE complete {@code -EINVAL}.
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
     * ring.getSqe().prepClone(pidfd, IoUring.CLONE_FILES).flags(IoUring.IOSQE_IO_LINK);
     * ring.getSqe().prepCloseRange(logFd + 1, ~0, IoUring.CLOSE_RANGE_UNSHARE).flags(IoUring.IOSQE_IO_LINK);
     * ring.getSqe().prepDup2(logFd, 1).flags(IoUring.IOSQE_IO_LINK);
     * ring.getSqe().prepExec("/usr/bin/env", new String[] {"env"}, null);
     * }</pre>
     *
     * @param pidfdOut   native memory of at least 4 bytes for the child's pidfd, which must
     *                   outlive the request; or {@code null} for none
     * @param cloneFlags 0 or {@link IoUring#CLONE_FILES}
     * @return this SQE
     * @throws IllegalArgumentException when {@code pidfdOut} is not native or is too short
     */
    public Sqe prepClone(MemorySegment pidfdOut, long cloneFlags) {
        long pidfdAddr = pidfdOut == null ? 0 : SqeArgs.buffer("CLONE pidfd", pidfdOut, 4).address();
        return prepRw(IORING_OP_CLONE, 0, pidfdAddr, 0, 0).addr2(cloneFlags);
    }

    /**
     * Prepares a CLONE, as {@link #prepClone(MemorySegment, long)}, whose child starts in a
     * cgroup: {@link IoUring#CLONE_INTO_CGROUP CLONE_INTO_CGROUP} is added to
     * {@code cloneFlags} and {@code fd} holds {@code cgroupFd}, an fd of the cgroup's
     * directory (e.g. {@code open("/sys/fs/cgroup/job", O_RDONLY | O_DIRECTORY)}), as
     * {@code clone3}'s {@code clone_args.cgroup} does (Linux 5.7). The child runs in that
     * cgroup from its first instruction. The CLONE completes with the kernel's error when the
     * cgroup is refused ({@code -EBUSY} for a cgroup with controllers enabled for its
     * children, {@code -EOPNOTSUPP} for a threaded one, {@code -EACCES}), and {@code -ENOSYS}
     * where {@code clone3} is refused (seccomp): nothing is cloned then.
     *
     * <pre>{@code
     * ring.getSqe().prepClone(pidfd, 0, cgroupFd).flags(IoUring.IOSQE_IO_LINK);
     * ring.getSqe().prepExec("/usr/bin/make", new String[] {"make"}, null);
     * }</pre>
     *
     * @param pidfdOut   as for {@link #prepClone(MemorySegment, long)}
     * @param cloneFlags 0 or {@link IoUring#CLONE_FILES}
     * @param cgroupFd   an fd of the cgroup's directory, 0 or more
     * @return this SQE
     * @throws IllegalArgumentException when {@code cgroupFd} is negative, or {@code pidfdOut}
     *                                  is not native or is too short
     */
    public Sqe prepClone(MemorySegment pidfdOut, long cloneFlags, int cgroupFd) {
        if (cgroupFd < 0) {
            throw new IllegalArgumentException("CLONE into a cgroup: the cgroup's fd must be 0 or more, not "
                    + cgroupFd);
        }
        return prepClone(pidfdOut, cloneFlags | IoUring.CLONE_INTO_CGROUP).fd(cgroupFd);
    }

    /**
     * Prepares an {@code IORING_OP_EXEC}: {@code execveat(dfd, path, argv, envp, flags)} in the
     * child of the CLONE this is linked after; outside a CLONE chain it completes
     * {@code -EINVAL}. On
     * success it completes with 0 and every later request of the chain {@code -ECANCELED}. A
     * run of EXECs linked with {@code IOSQE_IO_HARDLINK} is a {@code $PATH} search done in the
     * child: each failed candidate posts its error. The strings are copied.
     *
     * @param dfd   the directory a relative path starts from, or {@link IoUring#AT_FDCWD}
     * @param path  the program
     * @param argv  its arguments, {@code argv[0]} first
     * @param envp  the environment, {@code "NAME=value"} strings, or {@code null} for an empty one
     * @param flags 0, {@link IoUring#AT_EMPTY_PATH} or {@link IoUring#AT_SYMLINK_NOFOLLOW}; with
     *              {@link IoUring#IORING_EXEC_PATH_SEARCH} and {@link IoUring#IORING_EXEC_IF_ENOEXEC}
     *              a run of EXECs behaves as {@code execvp(3)} (see docs/spawn-contract.md)
     * @return this SQE
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
     * Prepares an EXEC, as {@link #prepExecveat(int, String, String[], String[], int)}, over
     * native memory the caller owns and keeps until the chain has run: nothing is copied. Lets
     * the candidates of a PATH search share one argv and envp.
     *
     * @param dfd   the directory a relative path starts from, or {@link IoUring#AT_FDCWD}
     * @param path  a NUL-terminated path
     * @param argv  a NULL-terminated array of pointers to NUL-terminated strings
     * @param envp  a NULL-terminated array of pointers to NUL-terminated {@code "NAME=value"}
     *              strings; not null (an empty environment is an array holding only NULL)
     * @param flags 0, {@link IoUring#AT_EMPTY_PATH} or {@link IoUring#AT_SYMLINK_NOFOLLOW}
     * @return this SQE
     */
    public Sqe prepExecveat(int dfd, MemorySegment path, MemorySegment argv, MemorySegment envp, int flags) {
        Objects.requireNonNull(path, "EXEC path");
        Objects.requireNonNull(argv, "EXEC argv");
        Objects.requireNonNull(envp, "EXEC envp");
        return prepRw(IORING_OP_EXEC, dfd, path.address(), 0, 0)
                .addr2(argv.address()).addr3(envp.address()).execveFlags(flags);
    }

    /**
     * Prepares an EXEC, as {@link #prepExecveat(int, String, String[], String[], int)}, of a
     * path relative to the working directory, with no flags. The strings are copied.
     *
     * @param path the program; no {@code $PATH} search is done
     * @param argv its arguments, {@code argv[0]} first
     * @param envp the environment, or {@code null} for an empty one
     * @return this SQE
     * @throws IllegalArgumentException when a string contains a NUL character
     */
    public Sqe prepExec(String path, String[] argv, String[] envp) {
        return prepExecveat(AT_FDCWD, path, argv, envp, 0);
    }

    /**
     * Prepares an {@code IORING_OP_DUP2} (child only): {@code dup2(oldfd, newfd)}; when they
     * are equal it clears {@code FD_CLOEXEC} so the fd survives the exec, as posix_spawn's
     * adddup2 does. It completes with {@code newfd}.
     *
     * @param oldfd the fd to copy
     * @param newfd the number it gets in the child
     * @return this SQE
     * @throws IllegalArgumentException when an fd is negative
     */
    public Sqe prepDup2(int oldfd, int newfd) {
        return prepDup3(oldfd, newfd, 0);
    }

    /**
     * Prepares an {@code IORING_OP_DUP2} (child only) with {@code dup3} flags:
     * {@code dup3(oldfd, newfd, flags)}; when the fds are equal, it sets the fd's close-on-exec
     * flag as {@code flags} say. It completes with {@code newfd}.
     *
     * @param oldfd the fd to copy
     * @param newfd the number it gets in the child
     * @param flags 0 or {@link IoUring#O_CLOEXEC}
     * @return this SQE
     * @throws IllegalArgumentException when an fd is negative
     */
    public Sqe prepDup3(int oldfd, int newfd, int flags) {
        SqeArgs.fd("DUP2 oldfd", oldfd);
        return prepRw(IORING_OP_DUP2, oldfd, 0, SqeArgs.fd("DUP2 newfd", newfd), 0).rwFlags(flags);
    }

    /**
     * Prepares an {@code IORING_OP_CLOSE_RANGE} (child only): {@code close_range(first, last,
     * flags)}. It completes with 0.
     *
     * @param first the lowest fd, 0 or more
     * @param last  the highest fd, unsigned: {@code ~0} for every fd from {@code first} up
     * @param flags 0, {@link IoUring#CLOSE_RANGE_UNSHARE} or {@link IoUring#CLOSE_RANGE_CLOEXEC}
     * @return this SQE
     * @throws IllegalArgumentException when {@code first} is negative or {@code last} is below it
     */
    public Sqe prepCloseRange(int first, int last, int flags) {
        return prepRw(IORING_OP_CLOSE_RANGE, first, 0, SqeArgs.closeRangeLast(first, last), 0).rwFlags(flags);
    }

    /**
     * Prepares an {@code IORING_OP_CHDIR} (child only): {@code chdir(path)}. The path is
     * copied. It completes with 0.
     *
     * @param path the directory, relative to the child's working directory at that step
     * @return this SQE
     * @throws IllegalArgumentException when {@code path} contains a NUL character
     */
    public Sqe prepChdir(String path) {
        return prepRw(IORING_OP_CHDIR, 0, owned.string("CHDIR path", path), 0, 0);
    }

    /**
     * Prepares an {@code IORING_OP_FCHDIR} (child only): {@code fchdir(fd)}. It completes
     * with 0.
     *
     * @param fd an fd of the directory, open in the child
     * @return this SQE
     * @throws IllegalArgumentException when {@code fd} is negative
     */
    public Sqe prepFchdir(int fd) {
        return prepRw(IORING_OP_FCHDIR, SqeArgs.fd("FCHDIR", fd), 0, 0, 0);
    }

    /**
     * Prepares an {@code IORING_OP_SETSID} (child only): {@code setsid()}, a new session and
     * process group led by the child. It completes with the session id, the child's pid.
     *
     * @return this SQE
     */
    public Sqe prepSetsid() {
        return prepRw(IORING_OP_SETSID, 0, 0, 0, 0);
    }

    /**
     * Prepares an {@code IORING_OP_SETPGID} (child only): {@code setpgid(0, pgid)}. It
     * completes with 0.
     *
     * @param pgid an existing process group, or 0 for a new group led by the child
     * @return this SQE
     * @throws IllegalArgumentException when {@code pgid} is negative
     */
    public Sqe prepSetpgid(int pgid) {
        return prepRw(IORING_OP_SETPGID, 0, 0, SqeArgs.pgid(pgid), 0);
    }

    /**
     * Prepares an {@code IORING_OP_UMASK} (child only): {@code umask(mask)}. It completes with
     * the previous mask.
     *
     * @param mask the file mode creation mask, within {@code 0777}
     * @return this SQE
     * @throws IllegalArgumentException when {@code mask} has bits outside {@code 0777}
     */
    public Sqe prepUmask(int mask) {
        return prepRw(IORING_OP_UMASK, 0, 0, SqeArgs.umask(mask), 0);
    }

    /**
     * Prepares an {@code IORING_OP_SETRLIMIT} (child only):
     * {@code prlimit(0, resource, {soft, hard})}. It completes with 0.
     *
     * @param resource an {@code RLIMIT_*} number ({@link dev.spawnring.Rlimit})
     * @param soft     the soft limit, at most {@code hard} (unsigned)
     * @param hard     the hard limit; {@link dev.spawnring.Rlimit#RLIM_INFINITY} for none
     * @return this SQE
     * @throws IllegalArgumentException when {@code resource} is negative
     */
    public Sqe prepSetrlimit(int resource, long soft, long hard) {
        return prepRw(IORING_OP_SETRLIMIT, 0, soft, SqeArgs.rlimitResource(resource), 0).addr2(hard);
    }

    /**
     * Prepares an {@code IORING_OP_SIGDEFAULT} (child only): every signal's disposition back
     * to default, ignored ones too. It completes with 0.
     *
     * @return this SQE
     */
    public Sqe prepSignalDefaults() {
        return prepRw(IORING_OP_SIGDEFAULT, 0, 0, 0, 0);
    }

    /**
     * Prepares an {@code IORING_OP_SIGMASK} (child only), which changes the signal mask the
     * exec'd program starts with. Without it the program starts with the submitting thread's
     * mask. It completes with 0.
     *
     * @param how  {@link IoUring#SIG_BLOCK}, {@link IoUring#SIG_UNBLOCK} or
     *             {@link IoUring#SIG_SETMASK}
     * @param mask the signals, bit n-1 for signal n
     * @return this SQE
     * @throws IllegalArgumentException when {@code how} is none of the three
     */
    public Sqe prepSigmask(int how, long mask) {
        return prepRw(IORING_OP_SIGMASK, 0, mask, SqeArgs.sigmaskHow(how), 0);
    }

    /**
     * Prepares an {@code IORING_OP_PDEATHSIG} (child only):
     * {@code prctl(PR_SET_PDEATHSIG, signal)}. The signal fires when the thread that submitted
     * the CLONE ends, as prctl(2) says. It completes with 0.
     *
     * @param signal a signal number ({@link dev.spawnring.Signal}), or 0 for none
     * @return this SQE
     * @throws IllegalArgumentException when {@code signal} is outside 0 to
     *                                  {@link dev.spawnring.Signal#SIGRTMAX}
     */
    public Sqe prepPdeathsig(int signal) {
        return prepRw(IORING_OP_PDEATHSIG, 0, 0, SqeArgs.signal(signal), 0);
    }

    @Override
    public String toString() {
        return "Sqe[" + opName(opcode()) + ", flags=" + flags() + ", user_data=" + userData() + "]";
    }
}
