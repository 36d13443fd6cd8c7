package dev.spawnring.internal.emulated;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.internal.sys.Errno;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code IORING_OP_ASYNC_CANCEL} (the kernel's cancel.c), and taking one waiting request
 * down for a cancel, a POLL_REMOVE, a TIMEOUT_REMOVE or a LINK_TIMEOUT. A cancel looks
 * where the kernel looks, in its order: io-wq, the poll table, waitid, timeouts.
 */
final class Cancel {
    private static final int CANCEL_FLAGS = IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_FD
            | IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_FD_FIXED | IORING_ASYNC_CANCEL_USERDATA
            | IORING_ASYNC_CANCEL_OP;

    private Cancel() {
    }

    static int prep(EmulatedRing ring, Request r, Request prev) {
        int cf = r.opFlags;
        if (r.off != 0 || r.fileIndex != 0 || (cf & ~CANCEL_FLAGS) != 0) {
            return -Errno.EINVAL;
        }
        if ((cf & IORING_ASYNC_CANCEL_ANY) != 0 && (cf & (IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_OP)) != 0) {
            return -Errno.EINVAL;
        }
        return 0;
    }

    static void cancel(EmulatedRing ring, Request c) {
        ring.completions.complete(c, asyncCancel(ring, c));
    }

    /** io_async_cancel: 0 or the count (ALL/ANY) of requests cancelled, -ENOENT, -EALREADY, -EBADF. */
    private static int asyncCancel(EmulatedRing ring, Request c) {
        int cf = c.opFlags;
        boolean byFd = (cf & IORING_ASYNC_CANCEL_FD) != 0;
        if (byFd && (c.fixedFile() || (cf & IORING_ASYNC_CANCEL_FD_FIXED) != 0 || !ring.waits.userFd(c.fd))) {
            return -Errno.EBADF;
        }
        boolean all = (cf & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY)) != 0;
        // io-wq first: a blocked call there is interrupted, not cancelled.
        boolean already = false;
        for (Request r : newestFirst(ring.iowqBlocked)) {
            if (matches(r, c)) {
                interruptIowq(ring, r);
                already = true;
                if (!all) {
                    break;
                }
            }
        }
        int n = 0;
        for (Request r : newestFirst(ring.pollArmed)) { // the kernel's hash lists put the newest first
            if (matches(r, c)) {
                cancelArmed(ring, r);
                if (!all) {
                    return 0;
                }
                n++;
            }
        }
        if (!byFd) {
            for (Request r : List.copyOf(ring.waitidArmed)) {
                if (matches(r, c)) {
                    cancelArmed(ring, r);
                    if (!all) {
                        return 1; // io_waitid_cancel answers how many it cancelled
                    }
                    n++;
                }
            }
            for (Request r : List.copyOf(ring.timeouts)) {
                if (matches(r, c)) {
                    cancelArmed(ring, r);
                    if (!all) {
                        return 0;
                    }
                    n++;
                }
            }
        }
        if (all) {
            return n;
        }
        return already ? -Errno.EALREADY : -Errno.ENOENT;
    }

    private static List<Request> newestFirst(Iterable<Request> list) {
        List<Request> out = new ArrayList<>();
        list.forEach(out::add);
        Collections.reverse(out);
        return out;
    }

    /** io_cancel_req_match. */
    private static boolean matches(Request r, Request c) {
        int cf = c.opFlags;
        if ((cf & IORING_ASYNC_CANCEL_ANY) != 0) {
            return true;
        }
        boolean matchUserData = (cf & IORING_ASYNC_CANCEL_USERDATA) != 0
                || (cf & (IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_OP)) == 0;
        if ((cf & IORING_ASYNC_CANCEL_FD) != 0
                && (r.waitList != Request.LIST_POLL && r.waitList != Request.LIST_IOWQ || r.fd != c.fd)) {
            return false;
        }
        if ((cf & IORING_ASYNC_CANCEL_OP) != 0 && r.opcode != c.len) {
            return false;
        }
        return !matchUserData || r.userData == c.addr;
    }

    /**
     * Takes a waiting request down and completes it with -ECANCELED (as task work). A
     * poll-armed one stays in the poll list until then, as in the kernel's poll table:
     * another cancel in the same submission finds (and counts) it again, a POLL_REMOVE
     * answers -EALREADY.
     */
    static void cancelArmed(EmulatedRing ring, Request r) {
        if (r.cancelling) {
            return;
        }
        if (r.waitList == Request.LIST_POLL) {
            r.cancelling = true;
            ring.waits.detach(r);
            ring.completions.taskWork(() -> {
                ring.pollArmed.remove(r);
                r.waitList = Request.LIST_NONE;
                ring.completions.complete(r, -Errno.ECANCELED);
            });
            return;
        }
        ring.waits.disarm(r);
        ring.completions.taskWork(() -> ring.completions.complete(r, -Errno.ECANCELED));
    }

    /** A "signal" to the io-wq worker blocked in the call: it returns -EINTR, or what it wrote so far. */
    private static void interruptIowq(EmulatedRing ring, Request r) {
        if (r.cancelling) {
            return;
        }
        r.cancelling = true;
        ring.waits.detach(r);
        // The worker wakes up and completes after what the cancel itself took down.
        ring.completions.taskWork(() -> ring.completions.taskWork(() -> {
            ring.iowqBlocked.remove(r);
            r.waitList = Request.LIST_NONE;
            ring.completions.complete(r, r.progress > 0 ? (int) r.progress : -Errno.EINTR);
        }));
    }

    /** io_try_cancel of one request, for its LINK_TIMEOUT: 0 (1 for a WAITID), -EALREADY or -ENOENT. */
    static int cancelOne(EmulatedRing ring, Request r) {
        switch (r.waitList) {
            case Request.LIST_IOWQ -> {
                interruptIowq(ring, r);
                return -Errno.EALREADY;
            }
            case Request.LIST_POLL, Request.LIST_TIMEOUT -> {
                cancelArmed(ring, r);
                return 0;
            }
            case Request.LIST_WAITID -> {
                cancelArmed(ring, r);
                return 1; // io_waitid_cancel answers how many it cancelled
            }
            default -> {
                return -Errno.ENOENT;
            }
        }
    }
}
