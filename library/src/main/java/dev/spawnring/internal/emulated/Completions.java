package dev.spawnring.internal.emulated;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.internal.ring.RingBackend.RawCqe;
import dev.spawnring.internal.sys.Errno;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;

/**
 * The completion side of an {@link EmulatedRing}, ordered as the kernel's: a completion
 * first goes to a batch, which is flushed to the CQ at the end of the step that made it;
 * what follows a completion (the next request of the chain, the cancelled rest of it, a
 * disarmed LINK_TIMEOUT, the target of a cancel) is queued as task work and run after the
 * flush. So a chain's requests complete in chain order, after the completions of the
 * other chains submitted with it.
 *
 * <p>The CQ is an unbounded circular buffer: what would overflow the kernel's CQ waits in
 * order, as with {@code IORING_FEAT_NODROP}. Everything here runs under the ring's lock.
 */
final class Completions {
    private final EmulatedRing ring;
    private final Condition cqNotEmpty;

    private long[] cqUserData = new long[64];
    private int[] cqRes = new int[64];
    private int[] cqFlags = new int[64];
    private int cqHead;
    private int cqTail;
    /** Every CQE ever posted (the kernel's cached_cq_tail). */
    long posted;
    /** Timeouts ended by their timer or their count (the kernel's cq_timeouts): not events for counts. */
    long timeoutsEnded;
    /** Requests submitted and not yet completed (the kernel's nr_req_allocated). */
    int alive;

    private List<Request> batch = new ArrayList<>();
    private ArrayDeque<Runnable> taskWork = new ArrayDeque<>();

    Completions(EmulatedRing ring, Condition cqNotEmpty) {
        this.ring = ring;
        this.cqNotEmpty = cqNotEmpty;
    }

    /** Queues {@code work} to run after the current batch is flushed. */
    void taskWork(Runnable work) {
        taskWork.add(work);
    }

    /** An op's own completion: failures (and short reads/writes) fail the chain. */
    void complete(Request r, int res) {
        r.res = res;
        boolean fail = res < 0;
        if (r.opcode == IORING_OP_TIMEOUT && res == -Errno.ETIME
                && (r.opFlags & IORING_TIMEOUT_ETIME_SUCCESS) != 0) {
            fail = false;
        }
        if ((r.opcode == IORING_OP_READ || r.opcode == IORING_OP_WRITE) && res >= 0 && res != Rw.length(r)) {
            fail = true; // a short read or write breaks the link, as in the kernel
        }
        if (fail) {
            setFail(r);
        }
        post(r);
    }

    /** A completion that does not fail anything (LINK_TIMEOUT results, a count reached). */
    void finish(Request r, int res) {
        r.res = res;
        post(r);
    }

    /** req_set_fail. */
    static void setFail(Request r) {
        r.failed = true;
        if (r.skipCqe) {
            r.skipCqe = false;
            r.skipLinkCqes = true;
        }
    }

    void post(Request r) {
        r.posted = true;
        batch.add(r);
    }

    /** A CQE of a request that goes on ({@code IORING_CQE_F_MORE}), straight to the CQ. */
    void postAux(long userData, int res, int flags) {
        push(userData, res, flags);
        Timeout.flushCounted(ring);
    }

    /**
     * Runs everything that is due: flushes the batch to the CQ, then task work (and the
     * batches it makes) until none is left.
     */
    void drive() {
        flush();
        while (!taskWork.isEmpty()) {
            ArrayDeque<Runnable> run = taskWork;
            taskWork = new ArrayDeque<>();
            for (Runnable t : run) {
                t.run();
            }
            flush();
        }
    }

    private void flush() {
        if (batch.isEmpty()) {
            return;
        }
        List<Request> done = batch;
        batch = new ArrayList<>();
        for (Request r : done) {
            if (!r.skipCqe) {
                push(r.userData, r.res, 0);
            }
            alive--;
        }
        Timeout.flushCounted(ring);
        for (Request r : done) {
            afterCompletion(r);
        }
        ring.queueDeferred();
    }

    /** io_queue_next: the LINK_TIMEOUT is disarmed, then the chain goes on or is cancelled. */
    private void afterCompletion(Request r) {
        Request lt = r.linkTimeout;
        if (lt != null) {
            r.linkTimeout = null;
            lt.guarded = null;
            ring.waits.disarm(lt);
            taskWork(() -> finish(lt, -Errno.ECANCELED));
        }
        Request next = r.next;
        if (next == null) {
            return;
        }
        r.next = null;
        if (r.failed && !r.hardlink) {
            failLinks(r, next);
            return;
        }
        // A chain run by an io-wq worker goes on there, unless this step waited asynchronously.
        boolean iowq = r.iowq && !r.async;
        taskWork(() -> {
            next.iowq = iowq;
            ring.issue(next);
        });
    }

    /** io_fail_links: the rest of the chain completes -ECANCELED (or its own prep error). */
    private void failLinks(Request r, Request first) {
        boolean ignore = r.skipLinkCqes;
        for (Request m = first; m != null; m = m.next) {
            m.skipCqe = ignore;
            if (m.linkTimeout != null) {
                m.linkTimeout.skipCqe = ignore;
            }
        }
        taskWork(() -> {
            Request m = first;
            while (m != null) {
                Request nxt = m.next;
                m.next = null;
                Request lt = m.linkTimeout;
                m.linkTimeout = null;
                m.res = m.failed ? m.res : -Errno.ECANCELED;
                post(m);
                if (lt != null) {
                    lt.guarded = null;
                    lt.res = lt.failed ? lt.res : -Errno.ECANCELED;
                    post(lt);
                }
                m = nxt;
            }
        });
    }

    // ---- the CQ

    private void push(long userData, int res, int flags) {
        int cap = cqUserData.length;
        if (cqTail - cqHead == cap) {
            grow(cap * 2);
            cap *= 2;
        }
        int at = cqTail & (cap - 1);
        cqUserData[at] = userData;
        cqRes[at] = res;
        cqFlags[at] = flags;
        cqTail++;
        posted++;
        cqNotEmpty.signalAll();
    }

    private void grow(int n) {
        int cap = cqUserData.length;
        long[] u = new long[n];
        int[] rs = new int[n];
        int[] fl = new int[n];
        for (int i = 0; i < cap; i++) {
            int from = (cqHead + i) & (cap - 1);
            u[i] = cqUserData[from];
            rs[i] = cqRes[from];
            fl[i] = cqFlags[from];
        }
        cqUserData = u;
        cqRes = rs;
        cqFlags = fl;
        cqTail -= cqHead;
        cqHead = 0;
    }

    /** @return how many completions wait in the CQ */
    int ready() {
        return cqTail - cqHead;
    }

    /** Copies the completion at the CQ head into {@code out}; false when there is none. */
    boolean peek(RawCqe out) {
        if (cqTail == cqHead) {
            return false;
        }
        int at = cqHead & (cqUserData.length - 1);
        out.userData = cqUserData[at];
        out.res = cqRes[at];
        out.flags = cqFlags[at];
        return true;
    }

    void advance() {
        if (cqTail != cqHead) {
            cqHead++;
        }
    }

    /** The ring is closing: nothing queued runs any more. */
    void drop() {
        batch.clear();
        taskWork.clear();
    }
}
