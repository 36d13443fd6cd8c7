package dev.spawnring.internal.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * System calls through {@code java.lang.foreign}: no JNI, no JNA, no Unsafe.
 *
 * <p>Every method returns what the kernel returns: a value {@code >= 0} on success
 * and {@code -errno} on failure, so that results can be put in a completion as
 * they are. {@link Errno#check} turns a result into a {@link SysException}.
 *
 * <p>Each is the raw system call, made by {@code sr_call} of spawnring's native library
 * ({@link SrCall}): one downcall for them all, linked on the first call, which loads the
 * library and throws what {@link NativeLibrary#lookup()} documents when it cannot. The
 * memory a call reads or writes is passed by address: it must be native memory that stays
 * alive until the call returns.
 *
 * <pre>{@code
 * int[] fds = new int[2];
 * Errno.check("pipe2", Sys.pipe2(fds, Linux.O_CLOEXEC));
 * }</pre>
 */
public final class Sys {
    // x86_64 system call numbers from <asm/unistd_64.h>. Do not change.
    public static final long SYS_read = 0;
    public static final long SYS_write = 1;
    public static final long SYS_close = 3;
    public static final long SYS_fstat = 5;
    public static final long SYS_poll = 7;
    public static final long SYS_mmap = 9;
    public static final long SYS_munmap = 11;
    public static final long SYS_pread64 = 17;
    public static final long SYS_pwrite64 = 18;
    public static final long SYS_getpid = 39;
    public static final long SYS_kill = 62;
    public static final long SYS_fcntl = 72;
    public static final long SYS_epoll_wait = 232;
    public static final long SYS_epoll_ctl = 233;
    public static final long SYS_openat = 257;
    public static final long SYS_eventfd2 = 290;
    public static final long SYS_epoll_create1 = 291;
    public static final long SYS_pipe2 = 293;
    public static final long SYS_memfd_create = 319;
    public static final long SYS_waitid = 247;
    public static final long SYS_gettid = 186;
    public static final long SYS_tgkill = 234;
    public static final long SYS_prctl = 157;
    public static final long SYS_clock_gettime = 228;
    public static final long SYS_process_vm_readv = 310;
    public static final long SYS_preadv2 = 327;
    public static final long SYS_pwritev2 = 328;
    public static final long SYS_pidfd_send_signal = 424;
    public static final long SYS_io_uring_setup = 425;
    public static final long SYS_io_uring_enter = 426;
    public static final long SYS_io_uring_register = 427;
    public static final long SYS_pidfd_open = 434;
    public static final long SYS_clone3 = 435;
    public static final long SYS_close_range = 436;
    public static final long SYS_ioctl = 16;
    /** {@code ioctl} request: the bytes waiting in a pipe or socket. */
    public static final long FIONREAD = 0x541B;

    // Not ThreadLocal.withInitial(lambda): a cold JVM pays for each lambda with a class spun at run time.
    private static final ThreadLocal<MemorySegment> INT_OUT = new ThreadLocal<>() {
        @Override
        protected MemorySegment initialValue() {
            return Arena.ofAuto().allocate(ValueLayout.JAVA_INT);
        }
    };

    private static final ThreadLocal<MemorySegment> POLLFD = new ThreadLocal<>() {
        @Override
        protected MemorySegment initialValue() {
            return Arena.ofAuto().allocate(Linux.POLLFD_SIZE, 8);
        }
    };

    /** {@link Linux#CLOCK_MONOTONIC}, for {@link #clockGettime}. */
    public static final int CLOCK_MONOTONIC = Linux.CLOCK_MONOTONIC;
    /** {@link Linux#CLOCK_MONOTONIC_RAW}: the clock the spawn benchmarks stamp with. */
    public static final int CLOCK_MONOTONIC_RAW = Linux.CLOCK_MONOTONIC_RAW;

    private Sys() {
    }

    // ---- syscall(2)

    /** {@code syscall(nr)}; returns the result or {@code -errno}. */
    public static long syscall(long nr) {
        return syscall(nr, 0, 0, 0, 0, 0, 0);
    }

    /** {@code syscall(nr, a1)}; returns the result or {@code -errno}. */
    public static long syscall(long nr, long a1) {
        return syscall(nr, a1, 0, 0, 0, 0, 0);
    }

    /** {@code syscall(nr, a1, a2)}; returns the result or {@code -errno}. */
    public static long syscall(long nr, long a1, long a2) {
        return syscall(nr, a1, a2, 0, 0, 0, 0);
    }

    /** {@code syscall(nr, a1, a2, a3)}; returns the result or {@code -errno}. */
    public static long syscall(long nr, long a1, long a2, long a3) {
        return syscall(nr, a1, a2, a3, 0, 0, 0);
    }

    /** {@code syscall(nr, a1, a2, a3, a4)}; returns the result or {@code -errno}. */
    public static long syscall(long nr, long a1, long a2, long a3, long a4) {
        return syscall(nr, a1, a2, a3, a4, 0, 0);
    }

    /** {@code syscall(nr, a1, a2, a3, a4, a5)}; returns the result or {@code -errno}. */
    public static long syscall(long nr, long a1, long a2, long a3, long a4, long a5) {
        return syscall(nr, a1, a2, a3, a4, a5, 0);
    }

    /** {@code syscall(nr, a1, ..., a6)}; returns the result or {@code -errno} ({@code -ENOSYS} for {@code nr < 0}). */
    public static long syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        // sr_call takes a negative number for one of its own functions: never one of those here.
        return nr < 0 ? -Errno.ENOSYS : SrCall.call(nr, a1, a2, a3, a4, a5, a6);
    }

    // ---- memory

    /**
     * {@code mmap(2)}.
     *
     * @return the mapping, {@code length} bytes long
     * @throws SysException naming {@code what} when the kernel refuses
     */
    public static MemorySegment mmap(String what, long length, int prot, int flags, int fd, long offset)
            throws SysException {
        long p = syscall(SYS_mmap, 0L, length, prot, flags, fd, offset);
        if (p < 0) {
            throw new SysException("mmap " + what, (int) -p);
        }
        return MemorySegment.ofAddress(p).reinterpret(length);
    }

    /** {@code munmap(2)} of a whole mapping; returns 0 or {@code -errno}. */
    public static int munmap(MemorySegment mapping) {
        return (int) syscall(SYS_munmap, address("munmap", mapping), mapping.byteSize());
    }

    // ---- file descriptors

    /**
     * {@code pipe2(2)}: on success {@code fds[0]} is the read end, {@code fds[1]} the write end.
     *
     * @return 0 or {@code -errno}
     */
    public static int pipe2(int[] fds, int flags) {
        if (fds.length != 2) {
            throw new IllegalArgumentException("pipe2 needs an int[2], got int[" + fds.length + "]");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(ValueLayout.JAVA_INT, 2);
            int r = (int) syscall(SYS_pipe2, p.address(), flags);
            if (r == 0) {
                fds[0] = p.getAtIndex(ValueLayout.JAVA_INT, 0);
                fds[1] = p.getAtIndex(ValueLayout.JAVA_INT, 1);
            }
            return r;
        }
    }

    /** {@code close(2)}; returns 0 or {@code -errno}. */
    public static int close(int fd) {
        return (int) syscall(SYS_close, fd);
    }

    /** {@code read(2)} into {@code buf}; returns the bytes read or {@code -errno}. */
    public static long read(int fd, MemorySegment buf, long count) {
        checkBuffer("read", buf, count);
        return syscall(SYS_read, fd, buf.address(), count);
    }

    /**
     * {@code read(2)} of at most {@code len} bytes straight into {@code b} at {@code off}, no
     * copy in between. It must not block (the GC waits while it runs): call it only for as many
     * bytes as {@link #bytesAvailable} said a pipe holds.
     *
     * @return the bytes read or {@code -errno}
     */
    public static long readNow(int fd, byte[] b, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        return SrCall.readCritical(fd, MemorySegment.ofArray(b).asSlice(off, len), len);
    }

    /** {@code ioctl(fd, FIONREAD)}: the bytes a pipe holds now, or {@code -errno}. */
    public static int bytesAvailable(int fd) {
        MemorySegment out = INT_OUT.get();
        long r = syscall(SYS_ioctl, fd, FIONREAD, out.address());
        return r < 0 ? (int) r : out.get(ValueLayout.JAVA_INT, 0);
    }

    /** {@code write(2)} from {@code buf}; returns the bytes written or {@code -errno}. */
    public static long write(int fd, MemorySegment buf, long count) {
        checkBuffer("write", buf, count);
        return syscall(SYS_write, fd, buf.address(), count);
    }

    /** {@code pread(2)}; returns the bytes read or {@code -errno}. */
    public static long pread(int fd, MemorySegment buf, long count, long offset) {
        checkBuffer("pread", buf, count);
        return syscall(SYS_pread64, fd, buf.address(), count, offset);
    }

    /** {@code pwrite(2)}; returns the bytes written or {@code -errno}. */
    public static long pwrite(int fd, MemorySegment buf, long count, long offset) {
        checkBuffer("pwrite", buf, count);
        return syscall(SYS_pwrite64, fd, buf.address(), count, offset);
    }

    /** {@code openat(2)} with a NUL-terminated path; returns the fd or {@code -errno}. */
    public static int openat(int dirfd, MemorySegment path, int flags, int mode) {
        return (int) syscall(SYS_openat, dirfd, address("openat path", path), flags, mode);
    }

    /** {@code openat(2)}; returns the fd or {@code -errno}. */
    public static int openat(int dirfd, String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return openat(dirfd, NativeMemory.cString(arena, "openat path", path), flags, mode);
        }
    }

    /** {@code fcntl(2)} with an integer argument; returns its result or {@code -errno}. */
    public static int fcntl(int fd, int cmd, long arg) {
        return (int) syscall(SYS_fcntl, fd, cmd, arg);
    }

    /** {@code close_range(2)}; returns 0 or {@code -errno}. */
    public static int closeRange(int first, int last, int flags) {
        return (int) syscall(SYS_close_range, Integer.toUnsignedLong(first), Integer.toUnsignedLong(last), flags);
    }

    /** {@code memfd_create(2)}; returns the fd or {@code -errno}. */
    public static int memfdCreate(String name, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) syscall(SYS_memfd_create, NativeMemory.cString(arena, "memfd_create name", name).address(),
                    Integer.toUnsignedLong(flags));
        }
    }

    /** {@code eventfd(2)}; returns the fd or {@code -errno}. */
    public static int eventfd(int initval, int flags) {
        return (int) syscall(SYS_eventfd2, Integer.toUnsignedLong(initval), flags);
    }

    /**
     * {@code poll(2)} of one fd that does not wait, in this thread's own {@code struct pollfd}.
     *
     * @return the fd's {@code revents} (0: not ready), or {@code -errno}
     */
    public static int pollNow(int fd, int events) {
        MemorySegment pfd = POLLFD.get();
        pfd.set(ValueLayout.JAVA_INT, 0, fd);
        pfd.set(ValueLayout.JAVA_SHORT, Linux.POLLFD_EVENTS, (short) events);
        pfd.set(ValueLayout.JAVA_SHORT, Linux.POLLFD_REVENTS, (short) 0);
        int r = poll(pfd, 1, 0);
        return r < 0 ? r : pfd.get(ValueLayout.JAVA_SHORT, Linux.POLLFD_REVENTS) & 0xffff;
    }

    /** {@code poll(2)} over {@code struct pollfd[nfds]}; returns the ready count or {@code -errno}. */
    public static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
        return (int) syscall(SYS_poll, address("poll fds", fds), nfds, timeoutMillis);
    }

    // ---- epoll

    /** {@code epoll_create1(2)}; returns the fd or {@code -errno}. */
    public static int epollCreate1(int flags) {
        return (int) syscall(SYS_epoll_create1, flags);
    }

    /** {@code epoll_ctl(2)} with a {@code struct epoll_event} (or NULL for DEL); returns 0 or {@code -errno}. */
    public static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        return (int) syscall(SYS_epoll_ctl, epfd, op, fd, address("epoll_ctl event", event));
    }

    /** {@code epoll_wait(2)} into {@code struct epoll_event[max]}; returns the count or {@code -errno}. */
    public static int epollWait(int epfd, MemorySegment events, int max, int timeoutMillis) {
        return (int) syscall(SYS_epoll_wait, epfd, address("epoll_wait events", events), max, timeoutMillis);
    }

    // ---- time

    /** {@code clock_gettime(2)} (through the vDSO) in nanoseconds. */
    public static long clockGettime(int clock) {
        long ns = SrCall.call(SrCall.CLOCK_GETTIME, clock, 0, 0, 0, 0, 0);
        if (ns < 0) {
            throw new IllegalArgumentException("clock_gettime: bad clock " + clock);
        }
        return ns;
    }

    // ---- processes

    /** {@code getpid(2)}. */
    public static int getpid() {
        return (int) syscall(SYS_getpid);
    }

    /**
     * {@code kill(2)}; returns 0 or {@code -errno}. Prefer {@link #pidfdSendSignal}: a bare pid
     * may have been recycled. spawnring uses this only for a negative pid (a process group)
     * whose leader it has not reaped yet.
     */
    public static int kill(long pid, int signal) {
        return (int) syscall(SYS_kill, pid, signal);
    }

    /** {@code pidfd_open(2)}; returns the pidfd or {@code -errno}. */
    public static int pidfdOpen(long pid, int flags) {
        return (int) syscall(SYS_pidfd_open, pid, flags);
    }

    /** {@code pidfd_send_signal(2)} without siginfo; returns 0 or {@code -errno}. */
    public static int pidfdSendSignal(int pidfd, int signal, int flags) {
        return (int) syscall(SYS_pidfd_send_signal, pidfd, signal, 0L, flags);
    }

    /**
     * {@code waitid(2)} (the raw system call, so {@code P_PIDFD} works) filling a
     * {@code siginfo_t} (see {@link Linux#SIGINFO_SIZE}).
     *
     * @return 0 or {@code -errno}
     */
    public static int waitid(int idtype, long id, MemorySegment siginfo, int options) {
        checkBuffer("waitid siginfo", siginfo, Linux.SIGINFO_SIZE);
        return (int) syscall(SYS_waitid, idtype, id, siginfo.address(), options, 0L);
    }

    /** {@code sizeof(struct stat)} and the offset of {@code st_size} in it (x86_64). */
    private static final int STAT_SIZE = 144;
    private static final int STAT_ST_SIZE = 48;

    /** {@code fstat(2)}'s {@code st_size}: the size of the file behind {@code fd}, or {@code -errno}. */
    public static long fstatSize(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stat = arena.allocate(STAT_SIZE, 8);
            long r = syscall(SYS_fstat, fd, stat.address());
            return r < 0 ? r : stat.get(ValueLayout.JAVA_LONG, STAT_ST_SIZE);
        }
    }

    /** {@code prctl(2)}; returns its result or {@code -errno}. */
    public static int prctl(int option, long arg2, long arg3, long arg4, long arg5) {
        return (int) syscall(SYS_prctl, option, arg2, arg3, arg4, arg5);
    }

    /** Checks that the kernel may write {@code count} bytes to {@code buf} (or read them from it). */
    private static void checkBuffer(String what, MemorySegment buf, long count) {
        if (buf == null) {
            throw new NullPointerException(what + ": buffer is null");
        }
        if (count < 0 || count > buf.byteSize()) {
            throw new IndexOutOfBoundsException(what + ": " + count + " bytes do not fit a buffer of "
                    + buf.byteSize());
        }
        address(what, buf);
    }

    /** The address of native memory for the kernel (NULL is 0); a heap segment is refused, as FFM refuses it. */
    private static long address(String what, MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException(what + ": a heap segment cannot be passed to the kernel");
        }
        return segment.address();
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }
}
