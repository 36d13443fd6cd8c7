package dev.spawnring.internal.sys;

/**
 * Linux constants under their C names (x86_64 values from the kernel and glibc
 * headers). Do not change a value: each one is what the kernel expects.
 */
public final class Linux {
    private Linux() {
    }

    // <fcntl.h>
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_EMPTY_PATH = 0x1000;
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_CLOEXEC = 02000000;
    public static final int F_GETFD = 1;
    public static final int F_SETFD = 2;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int F_SETPIPE_SZ = 1031;
    public static final int F_GETPIPE_SZ = 1032;
    public static final int F_DUPFD = 0;
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int FD_CLOEXEC = 1;
    public static final int MFD_CLOEXEC = 1;
    public static final int EFD_CLOEXEC = O_CLOEXEC;
    public static final int EFD_NONBLOCK = O_NONBLOCK;
    public static final int CLOSE_RANGE_UNSHARE = 1 << 1;
    public static final int CLOSE_RANGE_CLOEXEC = 1 << 2;
    /** {@code PATH_MAX} from {@code <linux/limits.h>}: a path's bytes with its NUL. */
    public static final int PATH_MAX = 4096;
    /** The page size on x86_64. */
    public static final int PAGE_SIZE = 4096;

    // <linux/fs.h>: preadv2/pwritev2 flags
    public static final int RWF_NOWAIT = 0x08;
    /** {@code RWF_SUPPORTED}: HIPRI, DSYNC, SYNC, NOWAIT, APPEND, NOAPPEND, ATOMIC, DONTCACHE (Linux 6.18). */
    public static final int RWF_SUPPORTED = 0xFF;

    // <asm/stat.h>: struct stat (x86_64)
    public static final int STAT_SIZE = 144;
    public static final int ST_DEV = 0;
    public static final int ST_INO = 8;

    // <time.h>: clock ids
    public static final int CLOCK_REALTIME = 0;
    public static final int CLOCK_MONOTONIC = 1;
    public static final int CLOCK_MONOTONIC_RAW = 4;
    public static final int CLOCK_BOOTTIME = 7;
    /** {@code sizeof(struct __kernel_timespec)}: tv_sec at 0, tv_nsec at 8. */
    public static final int TIMESPEC_SIZE = 16;
    public static final int TV_SEC = 0;
    public static final int TV_NSEC = 8;
    /** {@code sizeof(struct iovec)}: iov_base at 0, iov_len at 8. */
    public static final int IOVEC_SIZE = 16;

    // <linux/sched.h>
    /** {@code clone(2)}: the child shares the parent's fd table. */
    public static final long CLONE_FILES = 0x00000400L;
    /** {@code clone3(2)}: the child starts in the cgroup {@code clone_args.cgroup} names (Linux 5.7). */
    public static final long CLONE_INTO_CGROUP = 0x200000000L;
    /** {@code unlinkat(2)}: remove a directory (a cgroup). */
    public static final int AT_REMOVEDIR = 0x200;

    // <sys/mman.h>
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;

    // <poll.h>, <sys/epoll.h>
    public static final int POLLIN = 0x001;
    public static final int POLLPRI = 0x002;
    public static final int POLLOUT = 0x004;
    public static final int POLLERR = 0x008;
    public static final int POLLHUP = 0x010;
    public static final int POLLNVAL = 0x020;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLLEXCLUSIVE = 1 << 28;
    public static final int EPOLLWAKEUP = 1 << 29;
    public static final int EPOLL_CLOEXEC = O_CLOEXEC;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLLONESHOT = 1 << 30;
    public static final int EPOLLET = 1 << 31;
    /** {@code sizeof(struct epoll_event)} on x86_64 (packed: u32 events at 0, u64 data at 4). */
    public static final int EPOLL_EVENT_SIZE = 12;
    public static final int EPOLL_EVENT_DATA = 4;
    /** {@code sizeof(struct pollfd)}: int fd at 0, short events at 4, short revents at 6. */
    public static final int POLLFD_SIZE = 8;
    public static final int POLLFD_EVENTS = 4;
    public static final int POLLFD_REVENTS = 6;

    // <sys/wait.h>
    public static final int P_ALL = 0;
    public static final int P_PID = 1;
    public static final int P_PGID = 2;
    public static final int P_PIDFD = 3;
    /** {@code pidfd_send_signal} flag (Linux 6.9): signal the process group the pidfd's process leads. */
    public static final int PIDFD_SIGNAL_PROCESS_GROUP = 1 << 2;
    public static final int WNOHANG = 1;
    public static final int WSTOPPED = 2;
    public static final int WEXITED = 4;
    public static final int WCONTINUED = 8;
    public static final int WNOWAIT = 0x01000000;
    /** {@code sizeof(siginfo_t)}. */
    public static final int SIGINFO_SIZE = 128;
    /** Offsets in {@code siginfo_t} for SIGCHLD: si_signo, si_errno, si_code, si_pid, si_uid, si_status. */
    public static final int SI_SIGNO = 0;
    public static final int SI_CODE = 8;
    public static final int SI_PID = 16;
    public static final int SI_UID = 20;
    public static final int SI_STATUS = 24;
    public static final int CLD_EXITED = 1;
    public static final int CLD_KILLED = 2;
    public static final int CLD_DUMPED = 3;
    public static final int CLD_TRAPPED = 4;
    public static final int CLD_STOPPED = 5;
    public static final int CLD_CONTINUED = 6;

    // <signal.h>
    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGQUIT = 3;
    public static final int SIGABRT = 6;
    public static final int SIGKILL = 9;
    public static final int SIGUSR1 = 10;
    public static final int SIGSEGV = 11;
    public static final int SIGUSR2 = 12;
    public static final int SIGPIPE = 13;
    public static final int SIGALRM = 14;
    public static final int SIGTERM = 15;
    public static final int SIGCHLD = 17;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;
    public static final int SIG_BLOCK = 0;
    public static final int SIG_UNBLOCK = 1;
    public static final int SIG_SETMASK = 2;
    /** The highest signal number on Linux ({@code _NSIG - 1}). */
    public static final int NSIG_MAX = 64;

    // <sys/prctl.h>
    public static final int PR_SET_PDEATHSIG = 1;
    public static final int PR_GET_PDEATHSIG = 2;

    // <sys/resource.h>
    public static final int RLIMIT_CPU = 0;
    public static final int RLIMIT_FSIZE = 1;
    public static final int RLIMIT_DATA = 2;
    public static final int RLIMIT_STACK = 3;
    public static final int RLIMIT_CORE = 4;
    public static final int RLIMIT_NPROC = 6;
    public static final int RLIMIT_NOFILE = 7;
    public static final int RLIMIT_AS = 9;
    public static final long RLIM_INFINITY = -1L;
}
