package dev.spawnring.internal.emulated;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import java.lang.foreign.MemorySegment;

/**
 * The system calls the emulated ring makes, over {@link Sys#syscall} where {@link Sys}
 * has no wrapper. One instance per ring, used only under the ring's lock: its scratch
 * memory (iovecs, a pollfd, an epoll_event, a siginfo, a path) is shared by whichever
 * thread holds the lock.
 */
final class IoCalls {
    /** Internal fds are dup'd at or above this number, out of the way of "lowest free fd" code. */
    static final int DUP_MIN_FD = 64;

    /** process_vm_readv on ourselves: 0 untried, 1 works, -1 refused (seccomp): then memory is read directly. */
    private static volatile int vmReadv;
    /** preadv2/pwritev2: false once the kernel (or seccomp) answered ENOSYS. */
    private static volatile boolean rwv2 = true;
    private static final int PID = Sys.getpid();

    // Scratch layout: [0,32) two iovecs, [32,40) pollfd, [40,52) epoll_event, [56,72) timespec,
    // [72,80) eventfd counter, [128,256) siginfo, [256, 256+PATH_MAX+1) a path.
    private final MemorySegment scratch = NativeMemory.calloc(256 + Linux.PATH_MAX + 1);
    private final MemorySegment iov = scratch.asSlice(0, 2 * Linux.IOVEC_SIZE);
    private final MemorySegment pollfd = scratch.asSlice(32, Linux.POLLFD_SIZE);
    private final MemorySegment epollEvent = scratch.asSlice(40, Linux.EPOLL_EVENT_SIZE);
    private final MemorySegment timespec = scratch.asSlice(56, Linux.TIMESPEC_SIZE);
    private final MemorySegment counter = scratch.asSlice(72, 8);
    final MemorySegment siginfo = scratch.asSlice(128, Linux.SIGINFO_SIZE);
    final MemorySegment path = scratch.asSlice(256, Linux.PATH_MAX + 1);
    private final MemorySegment stat = NativeMemory.calloc(Linux.STAT_SIZE);

    void free() {
        NativeMemory.free(scratch);
        NativeMemory.free(stat);
    }

    /**
     * Which file {@code fd} names: {@code fstat}'s st_dev and st_ino into {@code out[0..1]}.
     *
     * @return 0 or -errno
     */
    int fileId(int fd, long[] out) {
        int r = (int) Sys.syscall(Sys.SYS_fstat, fd, stat.address());
        if (r < 0) {
            return r;
        }
        out[0] = stat.get(JAVA_LONG, Linux.ST_DEV);
        out[1] = stat.get(JAVA_LONG, Linux.ST_INO);
        return 0;
    }

    // ---- reading the caller's memory the way the kernel does (EFAULT, not a crash)

    /**
     * Copies {@code len} bytes at {@code addr} into {@code dst}.
     *
     * @return 0, or {@code -EFAULT} when the memory is not readable
     */
    int copyIn(long addr, MemorySegment dst, int len) {
        if (addr == 0) {
            return -Errno.EFAULT;
        }
        int done = 0;
        while (done < len) {
            int chunk = Math.min(len - done, toPageEnd(addr + done));
            long n = readRemote(addr + done, dst.asSlice(done, chunk), chunk, false);
            if (n < 0) {
                return (int) n;
            }
            done += chunk;
        }
        return 0;
    }

    /**
     * Copies the NUL-terminated path at {@code addr} into {@link #path}, as the kernel's
     * {@code getname()}.
     *
     * @return the path's length, or {@code -EFAULT}, {@code -ENOENT} (empty) or {@code -ENAMETOOLONG}
     */
    int copyPath(long addr) {
        if (addr == 0) {
            return -Errno.EFAULT;
        }
        int done = 0;
        while (done < Linux.PATH_MAX) {
            int chunk = Math.min(Linux.PATH_MAX - done, toPageEnd(addr + done));
            MemorySegment part = path.asSlice(done, chunk);
            long n = readRemote(addr + done, part, chunk, true);
            if (n < 0) {
                return (int) n;
            }
            for (int i = 0; i < chunk; i++) {
                if (part.get(JAVA_BYTE, i) == 0) {
                    int length = done + i;
                    return length == 0 ? -Errno.ENOENT : length;
                }
            }
            done += chunk;
        }
        return -Errno.ENAMETOOLONG;
    }

    /** @return how many bytes from {@code addr} to the end of its page */
    private static int toPageEnd(long addr) {
        return Linux.PAGE_SIZE - (int) (addr & (Linux.PAGE_SIZE - 1));
    }

    /**
     * Reads {@code len} bytes (within one page) of our own memory: 0 or -EFAULT.
     *
     * @param string stop after a NUL (the rest of {@code dst} is then left as it was)
     */
    private long readRemote(long addr, MemorySegment dst, int len, boolean string) {
        if (vmReadv >= 0) {
            iovec(0, dst.address(), len);
            iovec(1, addr, len);
            long remote = iov.address() + Linux.IOVEC_SIZE;
            long r = Sys.syscall(Sys.SYS_process_vm_readv, PID, iov.address(), 1, remote, 1, 0);
            if (r == len) {
                vmReadv = 1;
                return 0;
            }
            if (r >= 0 || r == -Errno.EFAULT) {
                return -Errno.EFAULT;
            }
            if (r != -Errno.ENOSYS && r != -Errno.EPERM && r != -Errno.EACCES) {
                return r;
            }
            vmReadv = -1;
        }
        // process_vm_readv is refused here (a seccomp profile): trust the address, as a C caller would.
        // Byte by byte, so that a short string near the end of a mapping is not read past.
        MemorySegment src = MemorySegment.ofAddress(addr).reinterpret(len);
        for (int i = 0; i < len; i++) {
            byte b = src.get(JAVA_BYTE, i);
            dst.set(JAVA_BYTE, i, b);
            if (b == 0 && string) {
                break;
            }
        }
        return 0;
    }

    /** Reads a {@code struct __kernel_timespec} into nanoseconds: >= 0, or -EFAULT / -EINVAL. */
    long timespecNanos(long addr) {
        int r = copyIn(addr, timespec, Linux.TIMESPEC_SIZE);
        if (r < 0) {
            return r;
        }
        long sec = timespec.get(JAVA_LONG, Linux.TV_SEC);
        long nsec = timespec.get(JAVA_LONG, Linux.TV_NSEC);
        if (sec < 0 || nsec < 0) {
            return -Errno.EINVAL;
        }
        long ns;
        try {
            ns = Math.addExact(Math.multiplyExact(sec, 1_000_000_000L), nsec);
        } catch (ArithmeticException e) {
            ns = Long.MAX_VALUE;
        }
        return ns;
    }

    /** {@code clock_gettime(clock)} in nanoseconds. */
    long clockNanos(int clock) {
        long r = Sys.syscall(Sys.SYS_clock_gettime, clock, timespec.address());
        if (r < 0) {
            return System.nanoTime();
        }
        return timespec.get(JAVA_LONG, Linux.TV_SEC) * 1_000_000_000L + timespec.get(JAVA_LONG, Linux.TV_NSEC);
    }

    // ---- file descriptors

    /** @return whether {@code fd} is open (F_GETFD) */
    static boolean isOpen(int fd) {
        return fd >= 0 && Sys.fcntl(fd, Linux.F_GETFD, 0) >= 0;
    }

    /** A close-on-exec duplicate of {@code fd}, or -errno. */
    static int dupCloexec(int fd) {
        int d = Sys.fcntl(fd, Linux.F_DUPFD_CLOEXEC, DUP_MIN_FD);
        if (d == -Errno.EINVAL) {
            d = Sys.fcntl(fd, Linux.F_DUPFD_CLOEXEC, 0); // RLIMIT_NOFILE below DUP_MIN_FD
        }
        return d;
    }

    /** {@code poll(fd, events, 0)}: the ready events now (0 when none), or -errno. */
    int pollNow(int fd, int events) {
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(JAVA_SHORT, Linux.POLLFD_EVENTS, (short) events);
        pollfd.set(JAVA_SHORT, Linux.POLLFD_REVENTS, (short) 0);
        while (true) {
            int r = Sys.poll(pollfd, 1, 0);
            if (r == -Errno.EINTR) {
                continue;
            }
            if (r < 0) {
                return r;
            }
            return r == 0 ? 0 : Short.toUnsignedInt(pollfd.get(JAVA_SHORT, Linux.POLLFD_REVENTS));
        }
    }

    int epollCtl(int epfd, int op, int fd, int events, long data) {
        epollEvent.set(JAVA_INT, 0, events);
        epollEvent.set(JAVA_LONG_UNALIGNED, Linux.EPOLL_EVENT_DATA, data);
        return Sys.epollCtl(epfd, op, fd, epollEvent);
    }

    int epollDel(int epfd, int fd) {
        return Sys.epollCtl(epfd, Linux.EPOLL_CTL_DEL, fd, epollEvent);
    }

    /** Adds 1 to an eventfd (a wake-up). */
    void eventfdWrite(int efd) {
        counter.set(JAVA_LONG, 0, 1L);
        Sys.syscall(Sys.SYS_write, efd, counter.address(), 8);
    }

    /** Empties an eventfd (non-blocking). */
    void eventfdDrain(int efd) {
        Sys.syscall(Sys.SYS_read, efd, counter.address(), 8);
    }

    // ---- read and write

    /** Marks a result that must wait for readiness. */
    static final long WAIT = Long.MIN_VALUE;

    /**
     * One non-blocking attempt at a read or write, as io_uring's first issue with
     * {@code IOCB_NOWAIT}: the result, or {@link #WAIT} when the file has nothing to give
     * (or no room) now.
     *
     * @param offset {@code -1} for the current position, else the position (ignored for pipes and sockets)
     * @param userFlags the request's {@code RWF_*}; with {@code RWF_NOWAIT} there {@code -EAGAIN} is the result
     * @param request what to remember across attempts ({@code noNowait} for files without NOWAIT support)
     */
    long rwNonblocking(boolean write, int fd, long addr, long len, long offset, int userFlags, Request request) {
        boolean userNowait = (userFlags & Linux.RWF_NOWAIT) != 0;
        if (rwv2 && !request.noNowait) {
            long n = rwv2(write, fd, addr, len, offset, userFlags | Linux.RWF_NOWAIT);
            if (n == -Errno.ESPIPE && offset != -1) {
                request.stream = true; // a pipe or socket: the offset means nothing, as in the kernel
                n = rwv2(write, fd, addr, len, -1, userFlags | Linux.RWF_NOWAIT);
            }
            if (n == -Errno.EAGAIN && !userNowait) {
                return WAIT;
            }
            if (n == -Errno.ENOSYS) {
                rwv2 = false;
            } else if (n == -Errno.EOPNOTSUPP && !userNowait && (userFlags & ~Linux.RWF_SUPPORTED) == 0) {
                request.noNowait = true; // this file does not do RWF_NOWAIT (a tty, some devices)
            } else {
                return n;
            }
        }
        if ((userFlags & ~Linux.RWF_SUPPORTED) != 0 || (userFlags != 0 && !rwv2)) {
            return -Errno.EOPNOTSUPP;
        }
        // No RWF_NOWAIT here: ask poll first, so that the call below does not block.
        int ready = pollNow(fd, write ? Linux.POLLOUT : Linux.POLLIN);
        if (ready == 0) {
            if (userNowait) {
                return -Errno.EAGAIN;
            }
            return WAIT;
        }
        return rwBlocking(write, fd, addr, len, request.stream ? -1 : offset, userFlags, request);
    }

    /** A read or write that may block (a regular file, or a file poll said is ready). */
    long rwBlocking(boolean write, int fd, long addr, long len, long offset, int userFlags, Request request) {
        while (true) {
            long n;
            if (userFlags != 0 && rwv2) {
                n = rwv2(write, fd, addr, len, offset, userFlags);
            } else if (offset == -1) {
                n = Sys.syscall(write ? Sys.SYS_write : Sys.SYS_read, fd, addr, len);
            } else {
                n = Sys.syscall(write ? Sys.SYS_pwrite64 : Sys.SYS_pread64, fd, addr, len, offset);
                if (n == -Errno.ESPIPE) {
                    request.stream = true;
                    offset = -1;
                    continue;
                }
            }
            if (n == -Errno.EINTR) {
                continue;
            }
            return n;
        }
    }

    private long rwv2(boolean write, int fd, long addr, long len, long offset, int flags) {
        iovec(0, addr, len);
        while (true) {
            long n = Sys.syscall(write ? Sys.SYS_pwritev2 : Sys.SYS_preadv2, fd, iov.address(), 1, offset, 0, flags);
            if (n != -Errno.EINTR) {
                return n;
            }
        }
    }

    /** Fills {@code struct iovec} number {@code i} of the scratch: iov_base at 0, iov_len at 8. */
    private void iovec(int i, long base, long len) {
        iov.set(JAVA_LONG, (long) i * Linux.IOVEC_SIZE, base);
        iov.set(JAVA_LONG, (long) i * Linux.IOVEC_SIZE + 8, len);
    }

    // ---- waitid

    /** {@code waitid(2)} (raw, so P_PIDFD works) into the caller's siginfo address (0: none). */
    static int waitid(int idtype, long id, long infop, int options) {
        while (true) {
            int r = (int) Sys.syscall(Sys.SYS_waitid, idtype, id, infop, options, 0L);
            if (r != -Errno.EINTR) {
                return r;
            }
        }
    }

    /** {@code waitid} into the scratch siginfo: the pid it reports (0: nothing yet), or -errno. */
    int waitidProbe(int idtype, long id, int options) {
        siginfo.fill((byte) 0);
        int r = waitid(idtype, id, siginfo.address(), options);
        if (r < 0) {
            return r;
        }
        return siginfo.get(JAVA_INT, Linux.SI_PID);
    }
}
