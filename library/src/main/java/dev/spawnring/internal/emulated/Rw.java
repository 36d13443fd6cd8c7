package dev.spawnring.internal.emulated;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;

/**
 * {@code IORING_OP_READ} and {@code IORING_OP_WRITE} (the kernel's rw.c): one
 * non-blocking attempt at issue, then a wait for readiness on the reactor. A chain run
 * "in io-wq" (see {@link Request#iowq}) blocks instead: a cancel cannot stop it.
 */
final class Rw {
    /** The kernel's MAX_RW_COUNT: a read or write of more is cut to this. */
    private static final long MAX_RW_COUNT = Integer.MAX_VALUE & ~(Linux.PAGE_SIZE - 1L);

    private Rw() {
    }

    static int prep(EmulatedRing ring, Request r, Request prev) {
        if (r.fixedFile()) {
            r.issueError = -Errno.EBADF; // no file is ever registered
        } else if ((r.sqeFlags & IOSQE_BUFFER_SELECT) != 0) {
            r.issueError = -Errno.ENOBUFS; // no buffer is ever provided
        }
        return 0;
    }

    static void issue(EmulatedRing ring, Request r) {
        if (!ring.waits.userFd(r.fd)) {
            ring.completions.complete(r, -Errno.EBADF);
            return;
        }
        long n = attempt(ring, r, r.fd);
        if (n != IoCalls.WAIT) {
            ring.completions.complete(r, (int) n);
            return;
        }
        boolean write = r.opcode == IORING_OP_WRITE;
        int err = ring.waits.armFd(r, r.fd, write ? Linux.POLLOUT : Linux.POLLIN, true, Rw::ready);
        if (err == 0) {
            if (r.iowq) {
                r.waitList = Request.LIST_IOWQ;
                ring.iowqBlocked.add(r);
            } else {
                r.waitList = Request.LIST_POLL;
                ring.pollArmed.add(r);
                r.async = true;
            }
            return;
        }
        if (err != -Errno.EPERM) {
            ring.completions.complete(r, err);
            return;
        }
        // epoll will not watch it (a regular file: EPERM): the call may block, as in a worker.
        n = ring.io.rwBlocking(write, r.fd, r.addr + r.progress, length(r) - r.progress, offset(r), r.opFlags, r);
        ring.completions.complete(r, (int) result(r, n));
    }

    /** The file is ready: another attempt, or another wait. */
    private static void ready(EmulatedRing ring, Request r, int events) {
        long n = attempt(ring, r, r.waitFd);
        if (n == IoCalls.WAIT) {
            ring.waits.rearm(r, r.opcode == IORING_OP_WRITE ? Linux.POLLOUT : Linux.POLLIN);
            return;
        }
        ring.waits.disarm(r);
        ring.completions.complete(r, (int) n);
    }

    /** One go at a READ/WRITE on {@code fd}: the result, or WAIT. A WRITE in io-wq goes on until all is written. */
    private static long attempt(EmulatedRing ring, Request r, int fd) {
        boolean write = r.opcode == IORING_OP_WRITE;
        long total = length(r);
        while (true) {
            long n = ring.io.rwNonblocking(write, fd, r.addr + r.progress, total - r.progress, offset(r), r.opFlags, r);
            if (n == IoCalls.WAIT) {
                return n;
            }
            if (write && r.iowq && n > 0 && r.progress + n < total) {
                r.progress += n; // a blocking write writes everything
                continue;
            }
            return result(r, n);
        }
    }

    private static long result(Request r, long n) {
        if (n < 0) {
            return r.progress > 0 ? r.progress : n;
        }
        return r.progress + n;
    }

    private static long offset(Request r) {
        if (r.off == -1 || r.stream) {
            return -1;
        }
        return r.off + r.progress;
    }

    /** @return the bytes the request asks for (a short result breaks its link) */
    static long length(Request r) {
        return Math.min(Integer.toUnsignedLong(r.len), MAX_RW_COUNT);
    }
}
