package dev.spawnring.internal.emulated;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import java.util.Iterator;

/**
 * {@code IORING_OP_TIMEOUT}, {@code IORING_OP_LINK_TIMEOUT} and
 * {@code IORING_OP_TIMEOUT_REMOVE} (the kernel's timeout.c). A TIMEOUT with a count
 * completes once that many CQEs were posted after it was armed, counted as the kernel
 * counts them ({@code cached_cq_tail - cq_timeouts}: ending timeouts do not count).
 */
final class Timeout {
    private Timeout() {
    }

    /** TIMEOUT and LINK_TIMEOUT: the timespec is read now, as the kernel's prep does. */
    static int prep(EmulatedRing ring, Request r, Request prev) {
        boolean link = r.opcode == IORING_OP_LINK_TIMEOUT;
        int count = (int) r.off; // a u32 in the kernel
        if (r.bufIndex != 0 || r.len != 1 || r.fileIndex != 0 || (count != 0 && link)) {
            return -Errno.EINVAL;
        }
        int tf = r.opFlags;
        if ((tf & ~(IORING_TIMEOUT_ABS | IORING_TIMEOUT_CLOCK_MASK | IORING_TIMEOUT_ETIME_SUCCESS
                | IORING_TIMEOUT_MULTISHOT)) != 0
                || Integer.bitCount(tf & IORING_TIMEOUT_CLOCK_MASK) > 1
                || ((tf & IORING_TIMEOUT_MULTISHOT) != 0 && (tf & IORING_TIMEOUT_ABS) != 0)) {
            return -Errno.EINVAL;
        }
        r.count = count;
        r.multishot = !link && (tf & IORING_TIMEOUT_MULTISHOT) != 0;
        r.repeats = r.multishot ? count : 0;
        long ns = ring.io.timespecNanos(r.addr);
        if (ns < 0) {
            return (int) ns;
        }
        r.nanos = ns;
        if (link && (prev == null || prev.opcode == IORING_OP_LINK_TIMEOUT)) {
            return -Errno.EINVAL;
        }
        return 0;
    }

    static void timeout(EmulatedRing ring, Request r) {
        ring.reactor.start();
        if (r.count == 0 || r.multishot) {
            ring.timeouts.add(r); // no count: at the tail
        } else {
            long tail = ring.completions.posted - ring.completions.timeoutsEnded;
            r.targetSeq = tail + Integer.toUnsignedLong(r.count);
            // The kernel's insertion sort: after the last counted timeout that completes no later.
            int at = ring.timeouts.size();
            for (int i = ring.timeouts.size() - 1; i >= 0; i--) {
                Request t = ring.timeouts.get(i);
                if (noSeq(t)) {
                    at = i;
                    continue;
                }
                if (Integer.toUnsignedLong(r.count) >= t.targetSeq - tail) {
                    at = i + 1;
                    break;
                }
                at = i;
            }
            ring.timeouts.add(at, r);
        }
        r.waitList = Request.LIST_TIMEOUT;
        r.async = true;
        r.timer = ring.reactor.addTimer(deadline(ring, r.opFlags, r.nanos), r, Timeout::fired);
    }

    private static boolean noSeq(Request t) {
        return t.count == 0 || t.multishot;
    }

    /** io_timeout_fn + io_timeout_complete. */
    private static void fired(EmulatedRing ring, Request r) {
        ring.timeouts.remove(r);
        r.waitList = Request.LIST_NONE;
        ring.completions.timeoutsEnded++;
        boolean more = r.multishot && (r.count == 0 || (r.repeats > 0 && --r.repeats > 0));
        if (!more) {
            ring.completions.taskWork(() -> ring.completions.complete(r, -Errno.ETIME));
            return;
        }
        ring.completions.taskWork(() -> {
            if ((r.opFlags & IORING_TIMEOUT_ETIME_SUCCESS) == 0) {
                Completions.setFail(r);
            }
            ring.completions.postAux(r.userData, -Errno.ETIME, IORING_CQE_F_MORE);
            ring.timeouts.add(r);
            r.waitList = Request.LIST_TIMEOUT;
            r.timer = ring.reactor.addTimer(deadline(ring, r.opFlags, r.nanos), r, Timeout::fired);
        });
    }

    /** After CQEs were posted: counted timeouts whose count is reached complete with 0. */
    static void flushCounted(EmulatedRing ring) {
        if (ring.timeouts.isEmpty()) {
            return;
        }
        long seq = ring.completions.posted - ring.completions.timeoutsEnded;
        Iterator<Request> it = ring.timeouts.iterator();
        while (it.hasNext()) {
            Request t = it.next();
            if (noSeq(t) || t.targetSeq - seq > 0) {
                break;
            }
            it.remove();
            t.waitList = Request.LIST_NONE;
            ring.reactor.cancelTimer(t.timer);
            t.timer = null;
            ring.completions.timeoutsEnded++;
            ring.completions.taskWork(() -> ring.completions.finish(t, 0));
        }
    }

    /** A LINK_TIMEOUT starts when the request it guards goes to wait. */
    static void armLink(EmulatedRing ring, Request lt) {
        ring.reactor.start();
        lt.waitList = Request.LIST_LINK_TIMEOUT;
        ring.linkTimeoutsArmed.add(lt);
        lt.timer = ring.reactor.addTimer(deadline(ring, lt.opFlags, lt.nanos), lt, Timeout::linkFired);
    }

    /** io_link_timeout_fn + io_req_task_link_timeout. */
    private static void linkFired(EmulatedRing ring, Request lt) {
        ring.linkTimeoutsArmed.remove(lt);
        lt.waitList = Request.LIST_NONE;
        Request guarded = lt.guarded;
        if (guarded != null && guarded.posted) {
            // The request completed first; its flush disarms this timeout.
            return;
        }
        lt.guarded = null;
        if (guarded != null) {
            guarded.linkTimeout = null;
        }
        ring.completions.taskWork(() -> {
            int ret = guarded != null ? Cancel.cancelOne(ring, guarded) : 0;
            ring.completions.finish(lt, ret != 0 ? ret : -Errno.ETIME);
        });
    }

    static int removePrep(EmulatedRing ring, Request r, Request prev) {
        if (r.fixedFile() || r.bufIndex != 0 || r.len != 0 || r.fileIndex != 0) {
            return -Errno.EINVAL;
        }
        int tf = r.opFlags;
        if ((tf & IORING_TIMEOUT_UPDATE_MASK) == 0) {
            return tf != 0 ? -Errno.EINVAL : 0;
        }
        if (Integer.bitCount(tf & IORING_TIMEOUT_CLOCK_MASK) > 1
                || (tf & ~(IORING_TIMEOUT_UPDATE_MASK | IORING_TIMEOUT_ABS | IORING_TIMEOUT_CLOCK_MASK)) != 0) {
            return -Errno.EINVAL;
        }
        long ns = ring.io.timespecNanos(r.addr2());
        if (ns < 0) {
            return (int) ns;
        }
        r.nanos = ns;
        return 0;
    }

    static void remove(EmulatedRing ring, Request r) {
        int tf = r.opFlags;
        boolean linkUpdate = (tf & IORING_LINK_TIMEOUT_UPDATE) != 0;
        Request t = Request.find(linkUpdate ? ring.linkTimeoutsArmed : ring.timeouts, r.addr);
        if (t == null) {
            ring.completions.complete(r, -Errno.ENOENT);
            return;
        }
        if ((tf & IORING_TIMEOUT_UPDATE_MASK) == 0) {
            Cancel.cancelArmed(ring, t);
            ring.completions.complete(r, 0);
            return;
        }
        // An update: the new time, on the timeout's own clock. io_timeout_update also takes
        // the count away and moves the timeout to the tail.
        ring.reactor.cancelTimer(t.timer);
        if (!linkUpdate) {
            ring.timeouts.remove(t);
            t.count = 0;
            ring.timeouts.add(t);
        }
        int clock = (t.opFlags & IORING_TIMEOUT_CLOCK_MASK) | (tf & IORING_TIMEOUT_ABS);
        t.timer = ring.reactor.addTimer(deadline(ring, clock, r.nanos), t,
                linkUpdate ? Timeout::linkFired : Timeout::fired);
        ring.completions.complete(r, 0);
    }

    /** The System.nanoTime deadline of a request's timespec, relative or absolute on its clock. */
    private static long deadline(EmulatedRing ring, int flags, long nanos) {
        long now = System.nanoTime();
        if ((flags & IORING_TIMEOUT_ABS) == 0) {
            return saturatedAdd(now, nanos);
        }
        int clock = (flags & IORING_TIMEOUT_BOOTTIME) != 0 ? Linux.CLOCK_BOOTTIME
                : (flags & IORING_TIMEOUT_REALTIME) != 0 ? Linux.CLOCK_REALTIME : Linux.CLOCK_MONOTONIC;
        long delta = nanos - ring.io.clockNanos(clock);
        return saturatedAdd(now, Math.max(0, delta));
    }

    private static long saturatedAdd(long now, long d) {
        // Keep deadlines within half the nanoTime range, so that differences compare right.
        return now + Math.min(d, Long.MAX_VALUE / 2);
    }
}
