package dev.spawnring.internal.emulated;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;

/**
 * {@code IORING_OP_WAITID} (the kernel's waitid.c). An exit of a pidfd's process (or of a
 * pid, through a pidfd opened for it) is awaited on the reactor's epoll; what no fd can
 * announce (P_ALL, P_PGID, stops and continues, no fd to spare) is asked again on a
 * timer, 1 ms doubling to 50 ms.
 */
final class Waitid {
    private static final int WAIT = Integer.MIN_VALUE;
    private static final long FIRST_BACKOFF_NANOS = 1_000_000L;
    private static final long MAX_BACKOFF_NANOS = 50_000_000L;

    private Waitid() {
    }

    static int prep(EmulatedRing ring, Request r, Request prev) {
        return r.addr != 0 || r.bufIndex != 0 || r.addr3 != 0 || r.opFlags != 0 ? -Errno.EINVAL : 0;
    }

    static void waitid(EmulatedRing ring, Request r) {
        int idtype = r.len;
        if (idtype == Linux.P_PIDFD && ring.waits.internal(r.fd)) {
            ring.completions.complete(r, -Errno.EBADF);
            return;
        }
        int n = attempt(ring, r, r.fd); // the pidfd, or the pid_t
        if (n != WAIT) {
            ring.completions.complete(r, n);
            return;
        }
        int options = r.fileIndex;
        boolean exitOnly = (options & (Linux.WSTOPPED | Linux.WCONTINUED)) == 0;
        if (exitOnly && (idtype == Linux.P_PIDFD || idtype == Linux.P_PID)) {
            // A pidfd turns readable when the process exits: the caller's, or one opened for the pid.
            int pfd = idtype == Linux.P_PIDFD ? r.fd : Sys.pidfdOpen(r.fd, 0);
            if (pfd >= 0) {
                if (idtype == Linux.P_PID) {
                    ring.waits.addInternal(pfd);
                    r.waitFd = pfd;
                    r.waitFdOwned = true;
                }
                if (ring.waits.armFd(r, pfd, Linux.POLLIN, true, Waitid::ready) == 0) {
                    waiting(ring, r);
                    return;
                }
                ring.waits.closeWaitFd(r); // out of fds, say: polling below still works
            }
        }
        ring.reactor.start();
        r.backoffNanos = FIRST_BACKOFF_NANOS;
        waiting(ring, r);
        r.timer = ring.reactor.addTimer(System.nanoTime() + r.backoffNanos, r, Waitid::poll);
    }

    private static void waiting(EmulatedRing ring, Request r) {
        r.waitList = Request.LIST_WAITID;
        ring.waitidArmed.add(r);
        r.async = true;
    }

    /** The pidfd is readable: the process has exited. */
    private static void ready(EmulatedRing ring, Request r, int events) {
        int n = attempt(ring, r, id(r));
        if (n == WAIT) {
            ring.waits.rearm(r, Linux.POLLIN);
            return;
        }
        ring.waits.disarm(r);
        ring.completions.complete(r, n);
    }

    /** The timer of a WAITID no fd announces: ask again, or wait longer. */
    private static void poll(EmulatedRing ring, Request r) {
        int n = attempt(ring, r, id(r));
        if (n == WAIT) {
            r.backoffNanos = Math.min(r.backoffNanos * 2, MAX_BACKOFF_NANOS);
            r.timer = ring.reactor.addTimer(System.nanoTime() + r.backoffNanos, r, Waitid::poll);
            return;
        }
        ring.waits.disarm(r);
        ring.completions.complete(r, n);
    }

    /** @return the WAITID result (0 or -errno), or WAIT when nothing has happened yet */
    private static int attempt(EmulatedRing ring, Request r, long id) {
        int idtype = r.len;
        int options = r.fileIndex;
        if ((options & Linux.WNOHANG) != 0) {
            return IoCalls.waitid(idtype, id, r.addr2(), options);
        }
        // Look without consuming, into our own siginfo; then fill the caller's, consuming as asked.
        int pid = ring.io.waitidProbe(idtype, id, options | Linux.WNOHANG | Linux.WNOWAIT);
        if (pid < 0) {
            return pid;
        }
        if (pid == 0) {
            return WAIT;
        }
        return IoCalls.waitid(idtype, id, r.addr2(), options | Linux.WNOHANG);
    }

    private static long id(Request r) {
        if (r.len == Linux.P_PIDFD) {
            return r.waitFd >= 0 ? r.waitFd : r.fd;
        }
        return r.fd;
    }
}
