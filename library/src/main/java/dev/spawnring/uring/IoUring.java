package dev.spawnring.uring;

import dev.spawnring.internal.sys.Linux;

/**
 * io_uring constants under their kernel names ({@code include/uapi/linux/io_uring.h},
 * Linux 6.18), plus spawnring's private opcodes for the CLONE/EXEC contract.
 * Do not change a value: each one is what the kernel expects.
 */
public final class IoUring {
    private IoUring() {
    }

    // ---- enum io_uring_op
    /**
     * Does nothing and completes with 0 (or the result {@link #IORING_NOP_INJECT_RESULT} injects);
     * see {@link Sqe#prepNop()}.
     */
    public static final int IORING_OP_NOP = 0;
    /** A vectored read, as {@code preadv2(2)}. */
    public static final int IORING_OP_READV = 1;
    /** A vectored write, as {@code pwritev2(2)}. */
    public static final int IORING_OP_WRITEV = 2;
    /** {@code fsync(2)}. */
    public static final int IORING_OP_FSYNC = 3;
    /** Waits for poll events on an fd; see {@link Sqe#prepPollAdd}. */
    public static final int IORING_OP_POLL_ADD = 6;
    /** Removes (or updates) the POLL_ADD named by its {@code user_data}; see {@link Sqe#prepPollRemove}. */
    public static final int IORING_OP_POLL_REMOVE = 7;
    /** {@code sendmsg(2)}. */
    public static final int IORING_OP_SENDMSG = 9;
    /** {@code recvmsg(2)}. */
    public static final int IORING_OP_RECVMSG = 10;
    /**
     * Completes after a time, or once a number of other completions have been posted; see
     * {@link Sqe#prepTimeout}.
     */
    public static final int IORING_OP_TIMEOUT = 11;
    /** Removes (or updates) the TIMEOUT named by its {@code user_data}; see {@link Sqe#prepTimeoutRemove}. */
    public static final int IORING_OP_TIMEOUT_REMOVE = 12;
    /** Cancels the request in flight named by its {@code user_data}; see {@link Sqe#prepCancel}. */
    public static final int IORING_OP_ASYNC_CANCEL = 14;
    /**
     * Cancels the request it is linked after if that has not completed in time; see
     * {@link Sqe#prepLinkTimeout}.
     */
    public static final int IORING_OP_LINK_TIMEOUT = 15;
    /** {@code openat(2)}; see {@link Sqe#prepOpenat}. */
    public static final int IORING_OP_OPENAT = 18;
    /** {@code close(2)}; see {@link Sqe#prepClose}. */
    public static final int IORING_OP_CLOSE = 19;
    /** {@code statx(2)}. */
    public static final int IORING_OP_STATX = 21;
    /**
     * A read into one buffer, as {@code pread(2)}, or {@code read(2)} at offset -1; see
     * {@link Sqe#prepRead}.
     */
    public static final int IORING_OP_READ = 22;
    /**
     * A write from one buffer, as {@code pwrite(2)}, or {@code write(2)} at offset -1; see
     * {@link Sqe#prepWrite}.
     */
    public static final int IORING_OP_WRITE = 23;
    /** {@code send(2)}. */
    public static final int IORING_OP_SEND = 26;
    /** {@code recv(2)}. */
    public static final int IORING_OP_RECV = 27;
    /** {@code splice(2)}. */
    public static final int IORING_OP_SPLICE = 30;
    /** {@code tee(2)}. */
    public static final int IORING_OP_TEE = 33;
    /**
     * Reads repeatedly into provided buffers, one completion per read ({@link #IORING_CQE_F_MORE}
     * while it goes on).
     */
    public static final int IORING_OP_READ_MULTISHOT = 49;
    /** {@code waitid(2)}: a child's state change as a completion; see {@link Sqe#prepWaitid}. */
    public static final int IORING_OP_WAITID = 50;
    /** Waits on a futex, as {@code futex(2)}'s {@code FUTEX_WAIT}. */
    public static final int IORING_OP_FUTEX_WAIT = 51;
    /** Creates a pipe, as {@code pipe2(2)}: the last opcode of Linux 6.18 ({@code IORING_OP_LAST - 1}). */
    public static final int IORING_OP_PIPE = 62;

    // ---- spawnring's private opcodes: the CLONE/EXEC contract of the io_uring spawn
    // proposal, run in user space. Never sent to the kernel.
    /** First private opcode; everything from here up belongs to spawnring. */
    public static final int IORING_OP_SPAWN_FIRST = 0xC0;
    /** Starts a child process that runs the requests linked after it; see {@link Sqe#prepClone()}. */
    public static final int IORING_OP_CLONE = 0xC0;
    /**
     * {@code execveat(2)} in the child of a CLONE chain; see
     * {@link Sqe#prepExecveat(int, String, String[], String[], int)}.
     */
    public static final int IORING_OP_EXEC = 0xC1;
    /** {@code dup2(2)} or {@code dup3(2)} in the child of a CLONE chain; see {@link Sqe#prepDup2}. */
    public static final int IORING_OP_DUP2 = 0xC2;
    /** {@code close_range(2)} in the child of a CLONE chain; see {@link Sqe#prepCloseRange}. */
    public static final int IORING_OP_CLOSE_RANGE = 0xC3;
    /** {@code chdir(2)} in the child of a CLONE chain; see {@link Sqe#prepChdir}. */
    public static final int IORING_OP_CHDIR = 0xC4;
    /** {@code fchdir(2)} in the child of a CLONE chain; see {@link Sqe#prepFchdir}. */
    public static final int IORING_OP_FCHDIR = 0xC5;
    /** {@code setsid(2)} in the child of a CLONE chain; see {@link Sqe#prepSetsid}. */
    public static final int IORING_OP_SETSID = 0xC6;
    /** {@code setpgid(2)} in the child of a CLONE chain; see {@link Sqe#prepSetpgid}. */
    public static final int IORING_OP_SETPGID = 0xC7;
    /** {@code umask(2)} in the child of a CLONE chain; see {@link Sqe#prepUmask}. */
    public static final int IORING_OP_UMASK = 0xC8;
    /** {@code prlimit(2)} on itself in the child of a CLONE chain; see {@link Sqe#prepSetrlimit}. */
    public static final int IORING_OP_SETRLIMIT = 0xC9;
    /**
     * Every signal back to its default disposition, in the child of a CLONE chain; see
     * {@link Sqe#prepSignalDefaults}.
     */
    public static final int IORING_OP_SIGDEFAULT = 0xCA;
    /**
     * The signal mask the exec'd program starts with, set in the child of a CLONE chain; see
     * {@link Sqe#prepSigmask}.
     */
    public static final int IORING_OP_SIGMASK = 0xCB;
    /** {@code prctl(PR_SET_PDEATHSIG)} in the child of a CLONE chain; see {@link Sqe#prepPdeathsig}. */
    public static final int IORING_OP_PDEATHSIG = 0xCC;
    /** One past the last private opcode. */
    public static final int IORING_OP_SPAWN_LAST = 0xCD;

    // ---- sqe->flags
    /** SQE flag: {@code fd} is an index into the registered files, not an fd. */
    public static final int IOSQE_FIXED_FILE = 1 << 0;
    /** SQE flag: the request starts only once every request submitted before it has completed. */
    public static final int IOSQE_IO_DRAIN = 1 << 1;
    /**
     * SQE flag: links the next request to this one; it starts when this one succeeds, and is
     * cancelled ({@code -ECANCELED}) when it fails.
     */
    public static final int IOSQE_IO_LINK = 1 << 2;
    /**
     * SQE flag: links the next request to this one; it starts when this one completes, whether it
     * succeeded or not.
     */
    public static final int IOSQE_IO_HARDLINK = 1 << 3;
    /** SQE flag: the request goes to an async worker at once, without a non-blocking try first. */
    public static final int IOSQE_ASYNC = 1 << 4;
    /** SQE flag: the buffer is picked from the provided buffer group {@code buf_group}. */
    public static final int IOSQE_BUFFER_SELECT = 1 << 5;
    /** SQE flag: no completion is posted when the request succeeds. */
    public static final int IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

    // ---- nop_flags
    /** NOP flag: the NOP completes with its {@code len} field as result; see {@link Sqe#prepNopInject}. */
    public static final int IORING_NOP_INJECT_RESULT = 1 << 0;
    /** NOP flag: the NOP looks up its {@code fd}, and fails with {@code -EBADF} when it is not open. */
    public static final int IORING_NOP_FILE = 1 << 1;
    /** NOP flag: with {@link #IORING_NOP_FILE}, {@code fd} is a registered file index. */
    public static final int IORING_NOP_FIXED_FILE = 1 << 2;
    /** NOP flag: the NOP looks up the registered buffer {@code buf_index}. */
    public static final int IORING_NOP_FIXED_BUFFER = 1 << 3;
    /** NOP flag: the NOP completes through task work. */
    public static final int IORING_NOP_TW = 1 << 4;

    // ---- execve_flags of an EXEC: spawnring's own bits, above every AT_* flag execveat takes;
    // the child strips them before execveat. They give a run of EXECs execvp(3)'s behaviour.
    /**
     * EXEC flag: with {@link #IOSQE_IO_HARDLINK}, the chain goes on after this EXEC fails only
     * for the errors a {@code $PATH} search skips, as {@code execvp(3)} and the JDK's launcher do
     * ({@code ENOENT}, {@code ENOTDIR}, {@code EACCES}, {@code ELOOP}, {@code ESTALE},
     * {@code ENODEV}, {@code ETIMEDOUT}); any other error ends the chain there (the rest
     * {@code -ECANCELED}), as a failure without {@code HARDLINK} does. See
     * {@link Sqe#prepExecveat(int, String, String[], String[], int)}.
     */
    public static final int IORING_EXEC_PATH_SEARCH = dev.spawnring.internal.spawn.ChildProgram.EXEC_PATH_SEARCH;
    /**
     * EXEC flag: this EXEC runs only when the request linked before it (an EXEC) failed with
     * {@code -ENOEXEC}: it is {@code execvp(3)}'s fallback that runs a file without {@code #!}
     * as a shell script ({@code /bin/sh file args...}). Otherwise it runs nothing and completes
     * with the result of the request before it, and its own link flags decide whether the chain
     * goes on.
     */
    public static final int IORING_EXEC_IF_ENOEXEC = dev.spawnring.internal.spawn.ChildProgram.EXEC_IF_ENOEXEC;

    // ---- timeout_flags
    /** Timeout flag: the timespec is an absolute time, not a delay. */
    public static final int IORING_TIMEOUT_ABS = 1 << 0;
    /** Timeout flag: the TIMEOUT_REMOVE updates the TIMEOUT's time instead of removing it. */
    public static final int IORING_TIMEOUT_UPDATE = 1 << 1;
    /** Timeout flag: the time is on {@code CLOCK_BOOTTIME} (the default is {@code CLOCK_MONOTONIC}). */
    public static final int IORING_TIMEOUT_BOOTTIME = 1 << 2;
    /** Timeout flag: the time is on {@code CLOCK_REALTIME} (the default is {@code CLOCK_MONOTONIC}). */
    public static final int IORING_TIMEOUT_REALTIME = 1 << 3;
    /** Timeout flag: the TIMEOUT_REMOVE updates a LINK_TIMEOUT's time. */
    public static final int IORING_LINK_TIMEOUT_UPDATE = 1 << 4;
    /**
     * Timeout flag: a TIMEOUT that expires ({@code -ETIME}) counts as a success for the requests
     * linked after it.
     */
    public static final int IORING_TIMEOUT_ETIME_SUCCESS = 1 << 5;
    /** Timeout flag: the TIMEOUT fires repeatedly, {@code count} times (0: until cancelled). */
    public static final int IORING_TIMEOUT_MULTISHOT = 1 << 6;
    /** The clock bits of the timeout flags. */
    public static final int IORING_TIMEOUT_CLOCK_MASK = IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME;
    /** The update bits of the timeout flags. */
    public static final int IORING_TIMEOUT_UPDATE_MASK = IORING_TIMEOUT_UPDATE | IORING_LINK_TIMEOUT_UPDATE;

    // ---- cancel_flags
    /** Cancel flag: cancels every matching request, not only the first. */
    public static final int IORING_ASYNC_CANCEL_ALL = 1 << 0;
    /** Cancel flag: matches requests on the fd in {@code fd} rather than on {@code user_data}. */
    public static final int IORING_ASYNC_CANCEL_FD = 1 << 1;
    /** Cancel flag: matches any request. */
    public static final int IORING_ASYNC_CANCEL_ANY = 1 << 2;
    /** Cancel flag: with {@link #IORING_ASYNC_CANCEL_FD}, {@code fd} is a registered file index. */
    public static final int IORING_ASYNC_CANCEL_FD_FIXED = 1 << 3;
    /**
     * Cancel flag: matches on {@code user_data} too, combined with {@link #IORING_ASYNC_CANCEL_FD}
     * or {@link #IORING_ASYNC_CANCEL_OP}.
     */
    public static final int IORING_ASYNC_CANCEL_USERDATA = 1 << 4;
    /** Cancel flag: matches requests on the opcode in {@code len}. */
    public static final int IORING_ASYNC_CANCEL_OP = 1 << 5;

    // ---- poll (len field of POLL_ADD and POLL_REMOVE)
    /**
     * POLL_ADD flag: the poll stays armed, one completion per event ({@link #IORING_CQE_F_MORE}
     * while it goes on).
     */
    public static final int IORING_POLL_ADD_MULTI = 1 << 0;
    /** POLL_REMOVE flag: updates the poll's events instead of removing it. */
    public static final int IORING_POLL_UPDATE_EVENTS = 1 << 1;
    /** POLL_REMOVE flag: updates the poll's {@code user_data} instead of removing it. */
    public static final int IORING_POLL_UPDATE_USER_DATA = 1 << 2;

    // ---- cqe->flags
    /** CQE flag: the upper 16 bits of the flags hold the id of the provided buffer used. */
    public static final int IORING_CQE_F_BUFFER = 1 << 0;
    /** CQE flag: more completions of the same request follow; it is still in flight. */
    public static final int IORING_CQE_F_MORE = 1 << 1;
    /** CQE flag: the socket still had data to read after this receive. */
    public static final int IORING_CQE_F_SOCK_NONEMPTY = 1 << 2;
    /** CQE flag: a zero-copy send's notification that its buffer may be reused. */
    public static final int IORING_CQE_F_NOTIF = 1 << 3;

    // ---- io_uring_setup flags
    /** Setup flag: completions are busy-polled for rather than interrupt-driven. */
    public static final int IORING_SETUP_IOPOLL = 1 << 0;
    /** Setup flag: a kernel thread polls the SQ; {@link Ring#open(int, Backend, int)} refuses it. */
    public static final int IORING_SETUP_SQPOLL = 1 << 1;
    /** Setup flag: the SQPOLL thread is bound to the CPU {@code sq_thread_cpu}. */
    public static final int IORING_SETUP_SQ_AFF = 1 << 2;
    /** Setup flag: the CQ has {@code cq_entries} entries rather than twice the SQ's. */
    public static final int IORING_SETUP_CQSIZE = 1 << 3;
    /** Setup flag: entry counts above the maximum are clamped rather than refused. */
    public static final int IORING_SETUP_CLAMP = 1 << 4;
    /** Setup flag: the ring shares the async workers of the ring {@code wq_fd}. */
    public static final int IORING_SETUP_ATTACH_WQ = 1 << 5;
    /** Setup flag: the ring starts disabled, until {@code IORING_REGISTER_ENABLE_RINGS}. */
    public static final int IORING_SETUP_R_DISABLED = 1 << 6;
    /** Setup flag: a submit goes on past a request that fails at submission. */
    public static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    /**
     * Setup flag: completion work waits for the submitter's next kernel entry rather than
     * interrupting it.
     */
    public static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    /** Setup flag: {@link #IORING_SQ_TASKRUN} tells when completion work is waiting. */
    public static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    /** Setup flag: SQEs are 128 bytes. */
    public static final int IORING_SETUP_SQE128 = 1 << 10;
    /** Setup flag: CQEs are 32 bytes. */
    public static final int IORING_SETUP_CQE32 = 1 << 11;
    /** Setup flag: one task only submits to the ring; see {@link Ring#open(int, Backend, int)}. */
    public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    /**
     * Setup flag: completion work is deferred until the submitter waits with
     * {@link #IORING_ENTER_GETEVENTS}.
     */
    public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;
    /** Setup flag: the application provides the rings' memory instead of mapping the kernel's. */
    public static final int IORING_SETUP_NO_MMAP = 1 << 14;
    /** Setup flag: setup returns a registered ring index instead of an fd. */
    public static final int IORING_SETUP_REGISTERED_FD_ONLY = 1 << 15;
    /** Setup flag: no SQ index array; SQEs are taken in ring order. */
    public static final int IORING_SETUP_NO_SQARRAY = 1 << 16;

    // ---- io_uring_params->features
    /** Feature: the SQ and CQ rings are mapped with one {@code mmap}. */
    public static final int IORING_FEAT_SINGLE_MMAP = 1 << 0;
    /** Feature: completions are not dropped when the CQ is full; they wait in an overflow list. */
    public static final int IORING_FEAT_NODROP = 1 << 1;
    /** Feature: what a request points to need only stay valid until it is submitted. */
    public static final int IORING_FEAT_SUBMIT_STABLE = 1 << 2;
    /** Feature: a read or write at offset -1 uses the file's current position. */
    public static final int IORING_FEAT_RW_CUR_POS = 1 << 3;
    /** Feature: requests run with the credentials of the task that submitted them. */
    public static final int IORING_FEAT_CUR_PERSONALITY = 1 << 4;
    /** Feature: requests on pollable fds wait by internal poll rather than in a worker thread. */
    public static final int IORING_FEAT_FAST_POLL = 1 << 5;
    /** Feature: POLL_ADD takes 32-bit event masks. */
    public static final int IORING_FEAT_POLL_32BITS = 1 << 6;
    /** Feature: SQPOLL works with files that are not registered. */
    public static final int IORING_FEAT_SQPOLL_NONFIXED = 1 << 7;
    /** Feature: {@code io_uring_enter} takes {@link #IORING_ENTER_EXT_ARG}. */
    public static final int IORING_FEAT_EXT_ARG = 1 << 8;
    /** Feature: async workers are threads of the submitting process. */
    public static final int IORING_FEAT_NATIVE_WORKERS = 1 << 9;
    /** Feature: registered resources may carry tags. */
    public static final int IORING_FEAT_RSRC_TAGS = 1 << 10;
    /** Feature: {@link #IOSQE_CQE_SKIP_SUCCESS} is supported. */
    public static final int IORING_FEAT_CQE_SKIP = 1 << 11;
    /** Feature: a linked request's file is looked up when the request starts, not at submission. */
    public static final int IORING_FEAT_LINKED_FILE = 1 << 12;

    // ---- sq_ring->flags
    /** SQ ring flag: the SQPOLL thread sleeps; {@link #IORING_ENTER_SQ_WAKEUP} wakes it. */
    public static final int IORING_SQ_NEED_WAKEUP = 1 << 0;
    /** SQ ring flag: completions wait in the overflow list. */
    public static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;
    /** SQ ring flag: completion work is waiting for a kernel entry ({@link #IORING_SETUP_TASKRUN_FLAG}). */
    public static final int IORING_SQ_TASKRUN = 1 << 2;

    // ---- io_uring_enter flags
    /** {@code io_uring_enter} flag: waits for {@code min_complete} completions. */
    public static final int IORING_ENTER_GETEVENTS = 1 << 0;
    /** {@code io_uring_enter} flag: wakes the SQPOLL thread. */
    public static final int IORING_ENTER_SQ_WAKEUP = 1 << 1;
    /** {@code io_uring_enter} flag: waits for room in the SQ (SQPOLL). */
    public static final int IORING_ENTER_SQ_WAIT = 1 << 2;
    /**
     * {@code io_uring_enter} flag: the argument is a {@code struct io_uring_getevents_arg} (signal
     * mask and timeout).
     */
    public static final int IORING_ENTER_EXT_ARG = 1 << 3;

    // ---- mmap offsets
    /** The {@code mmap} offset of the SQ ring. */
    public static final long IORING_OFF_SQ_RING = 0L;
    /** The {@code mmap} offset of the CQ ring. */
    public static final long IORING_OFF_CQ_RING = 0x8000000L;
    /** The {@code mmap} offset of the SQE array. */
    public static final long IORING_OFF_SQES = 0x10000000L;

    // ---- io_uring_register opcodes
    /** {@code io_uring_register} opcode: fills a {@code struct io_uring_probe}; see {@link Ring#probe()}. */
    public static final int IORING_REGISTER_PROBE = 8;
    /** {@code struct io_uring_probe_op} flag: the opcode is supported. */
    public static final int IO_URING_OP_SUPPORTED = 1 << 0;

    // ---- for convenience, the constants ops take
    /**
     * A {@code dfd} that stands for the working directory ({@link Sqe#prepOpenat},
     * {@link Sqe#prepExecveat(int, String, String[], String[], int) prepExecveat}).
     */
    public static final int AT_FDCWD = Linux.AT_FDCWD;
    /** EXEC flag: an empty path runs the file {@code dfd} refers to. */
    public static final int AT_EMPTY_PATH = Linux.AT_EMPTY_PATH;
    /** EXEC flag: a path that is a symbolic link fails ({@code -ELOOP}). */
    public static final int AT_SYMLINK_NOFOLLOW = Linux.AT_SYMLINK_NOFOLLOW;
    /** WAITID {@code idtype}: {@code id} is a pid. */
    public static final int P_PID = Linux.P_PID;
    /** WAITID {@code idtype}: {@code id} is a pidfd. */
    public static final int P_PIDFD = Linux.P_PIDFD;
    /** WAITID {@code idtype}: any child ({@code id} is ignored). */
    public static final int P_ALL = Linux.P_ALL;
    /** WAITID {@code idtype}: any child in the process group {@code id}. */
    public static final int P_PGID = Linux.P_PGID;
    /** WAITID option: waits for children that have ended. */
    public static final int WEXITED = Linux.WEXITED;
    /** WAITID option: does not wait when no child has changed state. */
    public static final int WNOHANG = Linux.WNOHANG;
    /** WAITID option: leaves the child waitable (not reaped). */
    public static final int WNOWAIT = Linux.WNOWAIT;
    /** {@code sizeof(siginfo_t)}: the least a WAITID's {@code infop} must hold. */
    public static final int SIGINFO_SIZE = Linux.SIGINFO_SIZE;
    /** CLONE's {@code addr2}: the child starts on the submitter's fd table (see {@link Sqe#prepClone}). */
    public static final long CLONE_FILES = Linux.CLONE_FILES;
    /**
     * CLONE flag ({@code addr2}): the child starts in the cgroup whose directory the CLONE's
     * {@code fd} holds open, as {@code clone3(CLONE_INTO_CGROUP)} (Linux 5.7) does; see
     * {@link Sqe#prepClone(java.lang.foreign.MemorySegment, long, int)}.
     */
    public static final long CLONE_INTO_CGROUP = Linux.CLONE_INTO_CGROUP;
    /** CLOSE_RANGE flag: unshares the fd table first; the step a CLONE with {@link #CLONE_FILES} requires. */
    public static final int CLOSE_RANGE_UNSHARE = Linux.CLOSE_RANGE_UNSHARE;
    /** CLOSE_RANGE flag: marks the fds close-on-exec instead of closing them. */
    public static final int CLOSE_RANGE_CLOEXEC = Linux.CLOSE_RANGE_CLOEXEC;
    /** Open flag: read only. */
    public static final int O_RDONLY = Linux.O_RDONLY;
    /** Open flag: write only. */
    public static final int O_WRONLY = Linux.O_WRONLY;
    /** Open flag: read and write. */
    public static final int O_RDWR = Linux.O_RDWR;
    /** Open flag: creates the file when it does not exist. */
    public static final int O_CREAT = Linux.O_CREAT;
    /** Open flag: with {@link #O_CREAT}, fails when the file exists. */
    public static final int O_EXCL = Linux.O_EXCL;
    /** Open flag: a terminal opened does not become the controlling terminal. */
    public static final int O_NOCTTY = Linux.O_NOCTTY;
    /** Open flag: truncates the file. */
    public static final int O_TRUNC = Linux.O_TRUNC;
    /** Open flag: every write appends. */
    public static final int O_APPEND = Linux.O_APPEND;
    /** Open flag: non-blocking I/O. */
    public static final int O_NONBLOCK = Linux.O_NONBLOCK;
    /** Open flag: fails unless the path is a directory. */
    public static final int O_DIRECTORY = Linux.O_DIRECTORY;
    /** Open flag: the fd is closed on exec (also DUP2's flag, as {@code dup3}). */
    public static final int O_CLOEXEC = Linux.O_CLOEXEC;
    /** SIGMASK {@code how}: adds the mask's signals to the blocked ones. */
    public static final int SIG_BLOCK = Linux.SIG_BLOCK;
    /** SIGMASK {@code how}: removes the mask's signals from the blocked ones. */
    public static final int SIG_UNBLOCK = Linux.SIG_UNBLOCK;
    /** SIGMASK {@code how}: the mask replaces the blocked signals. */
    public static final int SIG_SETMASK = Linux.SIG_SETMASK;

    /**
     * Returns whether an opcode is one of spawnring's private opcodes, those of the CLONE/EXEC
     * contract, which a ring runs itself and never sends to the kernel.
     *
     * @param opcode an {@code IORING_OP_*} value
     * @return true from {@link #IORING_OP_SPAWN_FIRST} up to, not including,
     *         {@link #IORING_OP_SPAWN_LAST}
     */
    public static boolean isSpawnOp(int opcode) {
        return opcode >= IORING_OP_SPAWN_FIRST && opcode < IORING_OP_SPAWN_LAST;
    }

    /** Kernel opcode names, indexed by opcode (enum io_uring_op up to Linux 6.18). */
    private static final String[] KERNEL_OP_NAMES = {
        "NOP", "READV", "WRITEV", "FSYNC", "READ_FIXED", "WRITE_FIXED", "POLL_ADD", "POLL_REMOVE",
        "SYNC_FILE_RANGE", "SENDMSG", "RECVMSG", "TIMEOUT", "TIMEOUT_REMOVE", "ACCEPT", "ASYNC_CANCEL",
        "LINK_TIMEOUT", "CONNECT", "FALLOCATE", "OPENAT", "CLOSE", "FILES_UPDATE", "STATX", "READ", "WRITE",
        "FADVISE", "MADVISE", "SEND", "RECV", "OPENAT2", "EPOLL_CTL", "SPLICE", "PROVIDE_BUFFERS",
        "REMOVE_BUFFERS", "TEE", "SHUTDOWN", "RENAMEAT", "UNLINKAT", "MKDIRAT", "SYMLINKAT", "LINKAT",
        "MSG_RING", "FSETXATTR", "SETXATTR", "FGETXATTR", "GETXATTR", "SOCKET", "URING_CMD", "SEND_ZC",
        "SENDMSG_ZC", "READ_MULTISHOT", "WAITID", "FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_WAITV",
        "FIXED_FD_INSTALL", "FTRUNCATE", "BIND", "LISTEN", "RECV_ZC", "EPOLL_WAIT", "READV_FIXED",
        "WRITEV_FIXED", "PIPE",
    };

    /** spawnring's private opcode names, from {@link #IORING_OP_SPAWN_FIRST}. */
    private static final String[] SPAWN_OP_NAMES = {
        "CLONE", "EXEC", "DUP2", "CLOSE_RANGE", "CHDIR", "FCHDIR", "SETSID", "SETPGID", "UMASK", "SETRLIMIT",
        "SIGDEFAULT", "SIGMASK", "PDEATHSIG",
    };

    /**
     * Returns an opcode's name without the {@code IORING_OP_} prefix, for messages and logs.
     *
     * @param opcode a kernel opcode (up to Linux 6.18's) or one of spawnring's private ones
     * @return e.g. {@code "NOP"}, {@code "CLONE"}; {@code "OP_<n>"} for a number it does not know
     */
    public static String opName(int opcode) {
        if (opcode >= 0 && opcode < KERNEL_OP_NAMES.length) {
            return KERNEL_OP_NAMES[opcode];
        }
        if (isSpawnOp(opcode)) {
            return SPAWN_OP_NAMES[opcode - IORING_OP_SPAWN_FIRST];
        }
        return "OP_" + opcode;
    }
}
