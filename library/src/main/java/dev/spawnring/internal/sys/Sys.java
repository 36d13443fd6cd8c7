package dev.spawnring.internal.sys;

import static dev.spawnring.internal.sys.LibC.INT;
import static dev.spawnring.internal.sys.LibC.LONG;
import static dev.spawnring.internal.sys.LibC.PTR;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * System calls through {@code java.lang.foreign}: no JNI, no JNA, no Unsafe.
 *
 * <p>Every method returns what the kernel returns: a value {@code >= 0} on success
 * and {@code -errno} on failure, so that results can be put in a completion as
 * they are. {@link Errno#check} turns a result into a {@link SysException}.
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
    public static final long SYS_fstat = 5;
    public static final long SYS_pread64 = 17;
    public static final long SYS_pwrite64 = 18;
    public static final long SYS_kill = 62;
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

    private static final MethodHandle[] SYSCALL = new MethodHandle[7];

    static {
        for (int n = 0; n < SYSCALL.length; n++) {
            java.lang.foreign.MemoryLayout[] args = new java.lang.foreign.MemoryLayout[n + 1];
            java.util.Arrays.fill(args, LONG);
            // long syscall(long number, ...): the arguments after the number are variadic.
            SYSCALL[n] = LibC.errnoCall("syscall", FunctionDescriptor.of(LONG, args),
                    Linker.Option.firstVariadicArg(1));
        }
    }

    private static final MethodHandle MMAP = LibC.errnoCall("mmap",
            FunctionDescriptor.of(PTR, PTR, LONG, INT, INT, INT, LONG));
    private static final MethodHandle MUNMAP = LibC.errnoCall("munmap",
            FunctionDescriptor.of(INT, PTR, LONG));
    private static final MethodHandle PIPE2 = LibC.errnoCall("pipe2",
            FunctionDescriptor.of(INT, PTR, INT));
    private static final MethodHandle CLOSE = LibC.errnoCall("close",
            FunctionDescriptor.of(INT, INT));
    private static final MethodHandle READ = LibC.errnoCall("read",
            FunctionDescriptor.of(LONG, INT, PTR, LONG));
    /**
     * {@code read(2)} straight into a Java array: a critical downcall, which may take heap memory
     * and keeps the GC out while it runs, so it is only called when it cannot block.
     */
    private static final MethodHandle READ_CRITICAL = LibC.errnoCall("read",
            FunctionDescriptor.of(LONG, INT, PTR, LONG), java.lang.foreign.Linker.Option.critical(true));
    private static final ThreadLocal<MemorySegment> INT_OUT = ThreadLocal.withInitial(
            () -> java.lang.foreign.Arena.ofAuto().allocate(ValueLayout.JAVA_INT));
    private static final MethodHandle WRITE = LibC.errnoCall("write",
            FunctionDescriptor.of(LONG, INT, PTR, LONG));
    private static final MethodHandle PREAD = LibC.errnoCall("pread",
            FunctionDescriptor.of(LONG, INT, PTR, LONG, LONG));
    private static final MethodHandle PWRITE = LibC.errnoCall("pwrite",
            FunctionDescriptor.of(LONG, INT, PTR, LONG, LONG));
    private static final MethodHandle OPENAT = LibC.errnoCall("openat",
            FunctionDescriptor.of(INT, INT, PTR, INT, INT), Linker.Option.firstVariadicArg(3));
    private static final MethodHandle FCNTL = LibC.errnoCall("fcntl",
            FunctionDescriptor.of(INT, INT, INT, LONG), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle EPOLL_CREATE1 = LibC.errnoCall("epoll_create1",
            FunctionDescriptor.of(INT, INT));
    private static final MethodHandle EPOLL_CTL = LibC.errnoCall("epoll_ctl",
            FunctionDescriptor.of(INT, INT, INT, INT, PTR));
    private static final MethodHandle EPOLL_WAIT = LibC.errnoCall("epoll_wait",
            FunctionDescriptor.of(INT, INT, PTR, INT, INT));
    private static final MethodHandle EVENTFD = LibC.errnoCall("eventfd",
            FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle MEMFD_CREATE = LibC.errnoCall("memfd_create",
            FunctionDescriptor.of(INT, PTR, INT));
    private static final MethodHandle POLL = LibC.errnoCall("poll",
            FunctionDescriptor.of(INT, PTR, LONG, INT));
    private static final MethodHandle GETPID = LibC.call("getpid", FunctionDescriptor.of(INT));
    private static final MethodHandle CLOCK_GETTIME = LibC.call("clock_gettime",
            FunctionDescriptor.of(INT, INT, PTR));
    private static final ThreadLocal<MemorySegment> TIMESPEC = ThreadLocal.withInitial(
            () -> java.lang.foreign.Arena.ofAuto().allocate(16, 8));

    /** {@link Linux#CLOCK_MONOTONIC}, for {@link #clockGettime}. */
    public static final int CLOCK_MONOTONIC = Linux.CLOCK_MONOTONIC;
    /** {@link Linux#CLOCK_MONOTONIC_RAW}: the clock the spawn benchmarks stamp with. */
    public static final int CLOCK_MONOTONIC_RAW = Linux.CLOCK_MONOTONIC_RAW;

    private Sys() {
    }

    // ---- syscall(2)

    /** {@code syscall(nr)}; returns the result or {@code -errno}. */
    public static long syscall(long nr) {
        try {
            return LibC.result((long) SYSCALL[0].invokeExact(LibC.capture(), nr));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code syscall(nr, a1)}; returns the result or {@code -errno}. */
    public static long syscall(long nr, long a1) {
        try {
            return LibC.result((long) SYSCALL[1].invokeExact(LibC.capture(), nr, a1));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code syscall(nr, a1, a2)}; returns the result or {@code -errno}. */
    public static long syscall(long nr, long a1, long a2) {
        try {
            return LibC.result((long) SYSCALL[2].invokeExact(LibC.capture(), nr, a1, a2));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code syscall(nr, a1, a2, a3)}; returns the result or {@code -errno}. */
    public static long syscall(long nr, long a1, long a2, long a3) {
        try {
            return LibC.result((long) SYSCALL[3].invokeExact(LibC.capture(), nr, a1, a2, a3));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code syscall(nr, a1, a2, a3, a4)}; returns the result or {@code -errno}. */
    public static long syscall(long nr, long a1, long a2, long a3, long a4) {
        try {
            return LibC.result((long) SYSCALL[4].invokeExact(LibC.capture(), nr, a1, a2, a3, a4));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code syscall(nr, a1, a2, a3, a4, a5)}; returns the result or {@code -errno}. */
    public static long syscall(long nr, long a1, long a2, long a3, long a4, long a5) {
        try {
            return LibC.result((long) SYSCALL[5].invokeExact(LibC.capture(), nr, a1, a2, a3, a4, a5));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code syscall(nr, a1, ..., a6)}; returns the result or {@code -errno}. */
    public static long syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        try {
            return LibC.result((long) SYSCALL[6].invokeExact(LibC.capture(), nr, a1, a2, a3, a4, a5, a6));
        } catch (Throwable t) {
            throw rethrow(t);
        }
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
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(LibC.capture(), MemorySegment.NULL,
                    length, prot, flags, fd, offset);
            if (p.address() == -1L) {
                throw new SysException("mmap " + what, LibC.errno());
            }
            return p.reinterpret(length);
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code munmap(2)} of a whole mapping; returns 0 or {@code -errno}. */
    public static int munmap(MemorySegment mapping) {
        try {
            return LibC.result((int) MUNMAP.invokeExact(LibC.capture(), mapping, mapping.byteSize()));
        } catch (Throwable t) {
            throw rethrow(t);
        }
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
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment p = arena.allocate(INT, 2);
            int r = LibC.result((int) PIPE2.invokeExact(LibC.capture(), p, flags));
            if (r == 0) {
                fds[0] = p.getAtIndex(INT, 0);
                fds[1] = p.getAtIndex(INT, 1);
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code close(2)}; returns 0 or {@code -errno}. */
    public static int close(int fd) {
        try {
            return LibC.result((int) CLOSE.invokeExact(LibC.capture(), fd));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code read(2)} into {@code buf}; returns the bytes read or {@code -errno}. */
    public static long read(int fd, MemorySegment buf, long count) {
        checkBuffer("read", buf, count);
        try {
            return LibC.result((long) READ.invokeExact(LibC.capture(), fd, buf, count));
        } catch (Throwable t) {
            throw rethrow(t);
        }
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
        try {
            return LibC.result((long) READ_CRITICAL.invokeExact(LibC.capture(), fd,
                    MemorySegment.ofArray(b).asSlice(off, len), (long) len));
        } catch (Throwable t) {
            throw rethrow(t);
        }
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
        try {
            return LibC.result((long) WRITE.invokeExact(LibC.capture(), fd, buf, count));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code pread(2)}; returns the bytes read or {@code -errno}. */
    public static long pread(int fd, MemorySegment buf, long count, long offset) {
        checkBuffer("pread", buf, count);
        try {
            return LibC.result((long) PREAD.invokeExact(LibC.capture(), fd, buf, count, offset));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code pwrite(2)}; returns the bytes written or {@code -errno}. */
    public static long pwrite(int fd, MemorySegment buf, long count, long offset) {
        checkBuffer("pwrite", buf, count);
        try {
            return LibC.result((long) PWRITE.invokeExact(LibC.capture(), fd, buf, count, offset));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code openat(2)} with a NUL-terminated path; returns the fd or {@code -errno}. */
    public static int openat(int dirfd, MemorySegment path, int flags, int mode) {
        try {
            return LibC.result((int) OPENAT.invokeExact(LibC.capture(), dirfd, path, flags, mode));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code openat(2)}; returns the fd or {@code -errno}. */
    public static int openat(int dirfd, String path, int flags, int mode) {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            return openat(dirfd, NativeMemory.cString(arena, "openat path", path), flags, mode);
        }
    }

    /** {@code fcntl(2)} with an integer argument; returns its result or {@code -errno}. */
    public static int fcntl(int fd, int cmd, long arg) {
        try {
            return LibC.result((int) FCNTL.invokeExact(LibC.capture(), fd, cmd, arg));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code close_range(2)}; returns 0 or {@code -errno}. */
    public static int closeRange(int first, int last, int flags) {
        return (int) syscall(SYS_close_range, Integer.toUnsignedLong(first), Integer.toUnsignedLong(last), flags);
    }

    /** {@code memfd_create(2)}; returns the fd or {@code -errno}. */
    public static int memfdCreate(String name, int flags) {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            return LibC.result((int) MEMFD_CREATE.invokeExact(LibC.capture(),
                    NativeMemory.cString(arena, "memfd_create name", name), flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code eventfd(2)}; returns the fd or {@code -errno}. */
    public static int eventfd(int initval, int flags) {
        try {
            return LibC.result((int) EVENTFD.invokeExact(LibC.capture(), initval, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code poll(2)} over {@code struct pollfd[nfds]}; returns the ready count or {@code -errno}. */
    public static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
        try {
            return LibC.result((int) POLL.invokeExact(LibC.capture(), fds, nfds, timeoutMillis));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- epoll

    /** {@code epoll_create1(2)}; returns the fd or {@code -errno}. */
    public static int epollCreate1(int flags) {
        try {
            return LibC.result((int) EPOLL_CREATE1.invokeExact(LibC.capture(), flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code epoll_ctl(2)} with a {@code struct epoll_event} (or NULL for DEL); returns 0 or {@code -errno}. */
    public static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        try {
            return LibC.result((int) EPOLL_CTL.invokeExact(LibC.capture(), epfd, op, fd, event));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code epoll_wait(2)} into {@code struct epoll_event[max]}; returns the count or {@code -errno}. */
    public static int epollWait(int epfd, MemorySegment events, int max, int timeoutMillis) {
        try {
            return LibC.result((int) EPOLL_WAIT.invokeExact(LibC.capture(), epfd, events, max, timeoutMillis));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- time

    /** {@code clock_gettime(2)} (through the vDSO) in nanoseconds. */
    public static long clockGettime(int clock) {
        MemorySegment ts = TIMESPEC.get();
        try {
            int r = (int) CLOCK_GETTIME.invokeExact(clock, ts);
            if (r != 0) {
                throw new IllegalArgumentException("clock_gettime: bad clock " + clock);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return ts.get(LONG, 0) * 1_000_000_000L + ts.get(LONG, 8);
    }

    // ---- processes

    /** {@code getpid(2)}. */
    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
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
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment stat = arena.allocate(STAT_SIZE, 8);
            long r = syscall(SYS_fstat, fd, stat.address());
            return r < 0 ? r : stat.get(LONG, STAT_ST_SIZE);
        }
    }

    /** {@code prctl(2)}; returns its result or {@code -errno}. */
    public static int prctl(int option, long arg2, long arg3, long arg4, long arg5) {
        return (int) syscall(SYS_prctl, option, arg2, arg3, arg4, arg5);
    }

    private static void checkBuffer(String what, MemorySegment buf, long count) {
        if (buf == null) {
            throw new NullPointerException(what + ": buffer is null");
        }
        if (count < 0 || count > buf.byteSize()) {
            throw new IndexOutOfBoundsException(what + ": " + count + " bytes do not fit a buffer of "
                    + buf.byteSize());
        }
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
