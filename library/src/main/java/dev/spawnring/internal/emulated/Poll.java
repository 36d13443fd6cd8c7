package dev.spawnring.internal.emulated;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;

/** {@code IORING_OP_POLL_ADD} (one shot or multishot) and {@code IORING_OP_POLL_REMOVE} (the kernel's poll.c). */
final class Poll {
    /** epoll's own control bits, never passed through from a poll mask. */
    private static final int EPOLL_CONTROL_BITS = Linux.EPOLLET | Linux.EPOLLONESHOT | Linux.EPOLLWAKEUP
            | Linux.EPOLLEXCLUSIVE;

    private Poll() {
    }

    static int addPrep(EmulatedRing ring, Request r, Request prev) {
        if (r.bufIndex != 0 || r.off != 0 || r.addr != 0) {
            return -Errno.EINVAL;
        }
        if ((r.len & ~IORING_POLL_ADD_MULTI) != 0) {
            return -Errno.EINVAL;
        }
        r.multishot = (r.len & IORING_POLL_ADD_MULTI) != 0;
        if (r.multishot && r.skipCqe) {
            return -Errno.EINVAL;
        }
        r.pollEvents = r.opFlags & ~EPOLL_CONTROL_BITS;
        if (r.fixedFile()) {
            r.issueError = -Errno.EBADF;
        }
        return 0;
    }

    static void add(EmulatedRing ring, Request r) {
        if (!ring.waits.userFd(r.fd)) {
            ring.completions.complete(r, -Errno.EBADF);
            return;
        }
        if (!r.multishot) {
            int rev = ring.io.pollNow(r.fd, r.pollEvents | Linux.EPOLLRDHUP);
            if (rev < 0 || (rev & resultMask(r)) != 0) {
                ring.completions.complete(r, rev < 0 ? rev : rev & resultMask(r));
                return;
            }
        }
        // Multishot: edge-triggered, and epoll reports a file that is ready already at once.
        int events = r.pollEvents | Linux.EPOLLRDHUP | (r.multishot ? Linux.EPOLLET : 0);
        int err = ring.waits.armFd(r, r.fd, events, !r.multishot, Poll::ready);
        if (err == -Errno.EPERM) {
            // epoll refuses the file (a regular file): poll says it is always ready.
            int rev = ring.io.pollNow(r.fd, r.pollEvents | Linux.EPOLLRDHUP);
            ring.completions.complete(r, rev < 0 ? rev : rev & resultMask(r));
            return;
        }
        if (err < 0) {
            ring.completions.complete(r, err);
            return;
        }
        r.waitList = Request.LIST_POLL;
        ring.pollArmed.add(r);
        r.async = true;
    }

    private static void ready(EmulatedRing ring, Request r, int events) {
        int res = events & resultMask(r);
        if (r.multishot) {
            if (res != 0) {
                ring.completions.postAux(r.userData, res, IORING_CQE_F_MORE);
            }
            return;
        }
        ring.waits.disarm(r);
        ring.completions.complete(r, res);
    }

    private static int resultMask(Request r) {
        return r.pollEvents | Linux.POLLERR | Linux.POLLHUP | Linux.POLLNVAL | Linux.EPOLLRDHUP;
    }

    static int removePrep(EmulatedRing ring, Request r, Request prev) {
        if (r.bufIndex != 0 || r.fileIndex != 0) {
            return -Errno.EINVAL;
        }
        int pf = r.len;
        if ((pf & ~(IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA | IORING_POLL_ADD_MULTI)) != 0
                || pf == IORING_POLL_ADD_MULTI) {
            return -Errno.EINVAL;
        }
        if ((pf & IORING_POLL_UPDATE_USER_DATA) == 0 && r.off != 0) {
            return -Errno.EINVAL;
        }
        if ((pf & IORING_POLL_UPDATE_EVENTS) == 0 && r.opFlags != 0) {
            return -Errno.EINVAL;
        }
        return 0;
    }

    static void remove(EmulatedRing ring, Request r) {
        Request target = null;
        for (Request p : ring.pollArmed) {
            if (p.opcode == IORING_OP_POLL_ADD && p.userData == r.addr) {
                target = p;
                break;
            }
        }
        if (target == null) {
            ring.completions.complete(r, -Errno.ENOENT);
            return;
        }
        if (target.cancelling) {
            ring.completions.complete(r, -Errno.EALREADY); // its cancellation is under way
            return;
        }
        int pf = r.len;
        if ((pf & (IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA)) == 0) {
            Cancel.cancelArmed(ring, target);
            ring.completions.complete(r, 0);
            return;
        }
        // An update: the poll is taken down and armed again with its new events / user_data.
        ring.waits.disarm(target);
        if ((pf & IORING_POLL_UPDATE_EVENTS) != 0) {
            target.pollEvents = r.opFlags & ~EPOLL_CONTROL_BITS;
            target.multishot = (pf & IORING_POLL_ADD_MULTI) != 0;
        }
        if ((pf & IORING_POLL_UPDATE_USER_DATA) != 0) {
            target.userData = r.off;
        }
        ring.completions.complete(r, 0);
        add(ring, target);
    }
}
