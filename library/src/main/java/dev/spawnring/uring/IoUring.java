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
    public static final int IORING_OP_NOP = 0;
    public static final int IORING_OP_READV = 1;
    public static final int IORING_OP_WRITEV = 2;
    public static final int IORING_OP_FSYNC = 3;
    public static final int IORING_OP_POLL_ADD = 6;
    public static final int IORING_OP_POLL_REMOVE = 7;
    public static final int IORING_OP_SENDMSG = 9;
    public static final int IORING_OP_RECVMSG = 10;
    public static final int IORING_OP_TIMEOUT = 11;
    public static final int IORING_OP_TIMEOUT_REMOVE = 12;
    public static final int IORING_OP_ASYNC_CANCEL = 14;
    public static final int IORING_OP_LINK_TIMEOUT = 15;
    public static final int IORING_OP_OPENAT = 18;
    public static final int IORING_OP_CLOSE = 19;
    public static final int IORING_OP_STATX = 21;
    public static final int IORING_OP_READ = 22;
    public static final int IORING_OP_WRITE = 23;
    public static final int IORING_OP_SEND = 26;
    public static final int IORING_OP_RECV = 27;
    public static final int IORING_OP_SPLICE = 30;
    public static final int IORING_OP_TEE = 33;
    public static final int IORING_OP_READ_MULTISHOT = 49;
    public static final int IORING_OP_WAITID = 50;
    public static final int IORING_OP_FUTEX_WAIT = 51;
    /** The last opcode of Linux 6.18 ({@code IORING_OP_LAST - 1}). */
    public static final int IORING_OP_PIPE = 62;

    // ---- spawnring's private opcodes: the CLONE/EXEC contract of the io_uring spawn
    // proposal, run in user space. Never sent to the kernel.
    /** First private opcode; everything from here up belongs to spawnring. */
    public static final int IORING_OP_SPAWN_FIRST = 0xC0;
    public static final int IORING_OP_CLONE = 0xC0;
    public static final int IORING_OP_EXEC = 0xC1;
    public static final int IORING_OP_DUP2 = 0xC2;
    public static final int IORING_OP_CLOSE_RANGE = 0xC3;
    public static final int IORING_OP_CHDIR = 0xC4;
    public static final int IORING_OP_FCHDIR = 0xC5;
    public static final int IORING_OP_SETSID = 0xC6;
    public static final int IORING_OP_SETPGID = 0xC7;
    public static final int IORING_OP_UMASK = 0xC8;
    public static final int IORING_OP_SETRLIMIT = 0xC9;
    public static final int IORING_OP_SIGDEFAULT = 0xCA;
    public static final int IORING_OP_SIGMASK = 0xCB;
    public static final int IORING_OP_PDEATHSIG = 0xCC;
    /** One past the last private opcode. */
    public static final int IORING_OP_SPAWN_LAST = 0xCD;

    // ---- sqe->flags
    public static final int IOSQE_FIXED_FILE = 1 << 0;
    public static final int IOSQE_IO_DRAIN = 1 << 1;
    public static final int IOSQE_IO_LINK = 1 << 2;
    public static final int IOSQE_IO_HARDLINK = 1 << 3;
    public static final int IOSQE_ASYNC = 1 << 4;
    public static final int IOSQE_BUFFER_SELECT = 1 << 5;
    public static final int IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

    // ---- nop_flags
    public static final int IORING_NOP_INJECT_RESULT = 1 << 0;
    public static final int IORING_NOP_FILE = 1 << 1;
    public static final int IORING_NOP_FIXED_FILE = 1 << 2;
    public static final int IORING_NOP_FIXED_BUFFER = 1 << 3;
    public static final int IORING_NOP_TW = 1 << 4;

    // ---- timeout_flags
    public static final int IORING_TIMEOUT_ABS = 1 << 0;
    public static final int IORING_TIMEOUT_UPDATE = 1 << 1;
    public static final int IORING_TIMEOUT_BOOTTIME = 1 << 2;
    public static final int IORING_TIMEOUT_REALTIME = 1 << 3;
    public static final int IORING_LINK_TIMEOUT_UPDATE = 1 << 4;
    public static final int IORING_TIMEOUT_ETIME_SUCCESS = 1 << 5;
    public static final int IORING_TIMEOUT_MULTISHOT = 1 << 6;
    public static final int IORING_TIMEOUT_CLOCK_MASK = IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME;
    public static final int IORING_TIMEOUT_UPDATE_MASK = IORING_TIMEOUT_UPDATE | IORING_LINK_TIMEOUT_UPDATE;

    // ---- cancel_flags
    public static final int IORING_ASYNC_CANCEL_ALL = 1 << 0;
    public static final int IORING_ASYNC_CANCEL_FD = 1 << 1;
    public static final int IORING_ASYNC_CANCEL_ANY = 1 << 2;
    public static final int IORING_ASYNC_CANCEL_FD_FIXED = 1 << 3;
    public static final int IORING_ASYNC_CANCEL_USERDATA = 1 << 4;
    public static final int IORING_ASYNC_CANCEL_OP = 1 << 5;

    // ---- poll (len field of POLL_ADD and POLL_REMOVE)
    public static final int IORING_POLL_ADD_MULTI = 1 << 0;
    public static final int IORING_POLL_UPDATE_EVENTS = 1 << 1;
    public static final int IORING_POLL_UPDATE_USER_DATA = 1 << 2;

    // ---- cqe->flags
    public static final int IORING_CQE_F_BUFFER = 1 << 0;
    public static final int IORING_CQE_F_MORE = 1 << 1;
    public static final int IORING_CQE_F_SOCK_NONEMPTY = 1 << 2;
    public static final int IORING_CQE_F_NOTIF = 1 << 3;

    // ---- io_uring_setup flags
    public static final int IORING_SETUP_IOPOLL = 1 << 0;
    public static final int IORING_SETUP_SQPOLL = 1 << 1;
    public static final int IORING_SETUP_SQ_AFF = 1 << 2;
    public static final int IORING_SETUP_CQSIZE = 1 << 3;
    public static final int IORING_SETUP_CLAMP = 1 << 4;
    public static final int IORING_SETUP_ATTACH_WQ = 1 << 5;
    public static final int IORING_SETUP_R_DISABLED = 1 << 6;
    public static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    public static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    public static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    public static final int IORING_SETUP_SQE128 = 1 << 10;
    public static final int IORING_SETUP_CQE32 = 1 << 11;
    public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;
    public static final int IORING_SETUP_NO_MMAP = 1 << 14;
    public static final int IORING_SETUP_REGISTERED_FD_ONLY = 1 << 15;
    public static final int IORING_SETUP_NO_SQARRAY = 1 << 16;

    // ---- io_uring_params->features
    public static final int IORING_FEAT_SINGLE_MMAP = 1 << 0;
    public static final int IORING_FEAT_NODROP = 1 << 1;
    public static final int IORING_FEAT_SUBMIT_STABLE = 1 << 2;
    public static final int IORING_FEAT_RW_CUR_POS = 1 << 3;
    public static final int IORING_FEAT_CUR_PERSONALITY = 1 << 4;
    public static final int IORING_FEAT_FAST_POLL = 1 << 5;
    public static final int IORING_FEAT_POLL_32BITS = 1 << 6;
    public static final int IORING_FEAT_SQPOLL_NONFIXED = 1 << 7;
    public static final int IORING_FEAT_EXT_ARG = 1 << 8;
    public static final int IORING_FEAT_NATIVE_WORKERS = 1 << 9;
    public static final int IORING_FEAT_RSRC_TAGS = 1 << 10;
    public static final int IORING_FEAT_CQE_SKIP = 1 << 11;
    public static final int IORING_FEAT_LINKED_FILE = 1 << 12;

    // ---- sq_ring->flags
    public static final int IORING_SQ_NEED_WAKEUP = 1 << 0;
    public static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;
    public static final int IORING_SQ_TASKRUN = 1 << 2;

    // ---- io_uring_enter flags
    public static final int IORING_ENTER_GETEVENTS = 1 << 0;
    public static final int IORING_ENTER_SQ_WAKEUP = 1 << 1;
    public static final int IORING_ENTER_SQ_WAIT = 1 << 2;
    public static final int IORING_ENTER_EXT_ARG = 1 << 3;

    // ---- mmap offsets
    public static final long IORING_OFF_SQ_RING = 0L;
    public static final long IORING_OFF_CQ_RING = 0x8000000L;
    public static final long IORING_OFF_SQES = 0x10000000L;

    // ---- io_uring_register opcodes
    public static final int IORING_REGISTER_PROBE = 8;
    public static final int IO_URING_OP_SUPPORTED = 1 << 0;

    // ---- for convenience, the constants ops take
    public static final int AT_FDCWD = Linux.AT_FDCWD;
    public static final int AT_EMPTY_PATH = Linux.AT_EMPTY_PATH;
    public static final int AT_SYMLINK_NOFOLLOW = Linux.AT_SYMLINK_NOFOLLOW;
    public static final int P_PID = Linux.P_PID;
    public static final int P_PIDFD = Linux.P_PIDFD;
    public static final int P_ALL = Linux.P_ALL;
    public static final int P_PGID = Linux.P_PGID;
    public static final int WEXITED = Linux.WEXITED;
    public static final int WNOHANG = Linux.WNOHANG;
    public static final int WNOWAIT = Linux.WNOWAIT;
    /** {@code sizeof(siginfo_t)}: the least a WAITID's {@code infop} must hold. */
    public static final int SIGINFO_SIZE = Linux.SIGINFO_SIZE;
    /** CLONE's {@code addr2}: the child starts on the submitter's fd table (see {@link Sqe#prepClone}). */
    public static final long CLONE_FILES = Linux.CLONE_FILES;
    public static final int CLOSE_RANGE_UNSHARE = Linux.CLOSE_RANGE_UNSHARE;
    public static final int CLOSE_RANGE_CLOEXEC = Linux.CLOSE_RANGE_CLOEXEC;
    public static final int O_RDONLY = Linux.O_RDONLY;
    public static final int O_WRONLY = Linux.O_WRONLY;
    public static final int O_RDWR = Linux.O_RDWR;
    public static final int O_CREAT = Linux.O_CREAT;
    public static final int O_EXCL = Linux.O_EXCL;
    public static final int O_NOCTTY = Linux.O_NOCTTY;
    public static final int O_TRUNC = Linux.O_TRUNC;
    public static final int O_APPEND = Linux.O_APPEND;
    public static final int O_NONBLOCK = Linux.O_NONBLOCK;
    public static final int O_DIRECTORY = Linux.O_DIRECTORY;
    public static final int O_CLOEXEC = Linux.O_CLOEXEC;
    public static final int SIG_BLOCK = Linux.SIG_BLOCK;
    public static final int SIG_UNBLOCK = Linux.SIG_UNBLOCK;
    public static final int SIG_SETMASK = Linux.SIG_SETMASK;

    /** @return whether {@code opcode} is one of spawnring's private CLONE/EXEC-contract opcodes */
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

    /** @return the opcode's name without the {@code IORING_OP_} prefix ("NOP", "CLONE", ...), or "OP_n" */
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
