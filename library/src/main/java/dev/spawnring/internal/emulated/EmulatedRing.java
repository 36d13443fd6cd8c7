package dev.spawnring.internal.emulated;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.internal.ring.Layouts;
import dev.spawnring.internal.ring.RingBackend;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.SysException;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * io_uring run in user space ({@link Backend#FALLBACK}), for where {@code io_uring_setup}
 * is refused: the same SQEs give the same completions as on Linux 6.18. This class is the
 * core, the kernel's io_uring.c: submission, link chains, {@code IOSQE_IO_DRAIN}; the
 * completion side is {@link Completions}, and each op family has its class, found through
 * {@link OpDefs}.
 *
 * <h2>How it runs</h2>
 * {@link #submit} consumes every new SQE at once (the SQ head moves to the tail). Each SQE
 * is copied and prepped, so the caller may reuse or free what it points to once submit
 * returns, as the kernel copies paths and timespecs at prep; a link chain whose prep
 * failed is failed as a whole, as the kernel does; any other chain's head is issued right
 * away. A request that can finish without waiting finishes there (NOP, OPENAT, CLOSE, a
 * READ with data, ...). One that would wait registers with the ring's reactor
 * ({@link Reactor}: one thread, an epoll loop and a timer queue, started on the first such
 * request), and finishes on that thread when its file is ready or its time comes.
 * Completions are ordered as the kernel orders them (see {@link Completions}).
 *
 * <h2>Threads</h2>
 * One lock guards all state: the submitting/reaping thread takes it in submit, peek,
 * advance and await; the reactor thread takes it for everything but {@code epoll_wait}.
 * Whatever a request did (including the bytes a read wrote into the caller's buffer) is
 * done before its completion is posted under the lock, and the reaper reads the CQ under
 * the same lock: unlock/lock is the happens-before edge.
 *
 * <h2>Kernel behaviour it reproduces (Linux 6.18)</h2>
 * <ul>
 * <li>prep failures (IOSQE bits, nop_flags, TIMEOUT len, LINK_TIMEOUT placement, an empty
 *     or unreadable OPENAT path, a bad timespec, ...) fail the whole chain, HARDLINK or not;
 * <li>a short READ/WRITE (including EOF) breaks a LINK like a failure;
 * <li>a firing LINK_TIMEOUT posts before the request it cancels; it posts the cancel's
 *     answer when that is not 0 (1 for a WAITID);
 * <li>a chain whose last SQE still carries a link flag runs "in io-wq": a READ/WRITE there
 *     blocks, a cancel answers -EALREADY and the call ends -EINTR (or with what it wrote),
 *     and its LINK_TIMEOUT is not armed while it blocks;
 * <li>ASYNC_CANCEL with ALL/ANY answers a count (0 when nothing); cancelling a WAITID
 *     answers 1; a poll being cancelled is found (and counted) again in the same submission;
 * <li>TIMEOUT counts follow cached_cq_tail - cq_timeouts: completions flushed after the
 *     timeout was armed count, ending timeouts do not; IOSQE_IO_DRAIN; IOSQE_CQE_SKIP_SUCCESS
 *     (and the links a failing skip request cancels post nothing); multishot POLL_ADD and
 *     TIMEOUT; TIMEOUT_REMOVE updates; POLL_REMOVE updates.
 * </ul>
 *
 * <h2>Differences from io_uring</h2>
 * Ops it does not run complete with {@code -EOPNOTSUPP} when issued (see {@link #PROBE}).
 * A blocking syscall on a regular file, or an OPENAT of a FIFO, runs on the thread that
 * issues it (the submitter or the reactor), where the kernel would use a worker. A
 * multishot POLL_ADD's first completion comes from the reactor thread a moment after
 * submit, not before submit returns. A waiting request watches the caller's fd itself:
 * closing that fd while it waits leaves it waiting until cancelled (see {@link Waits#armFd}).
 */
public final class EmulatedRing implements RingBackend {
    /** The ops this emulation runs. */
    public static final OpProbe PROBE = OpDefs.PROBE;

    /** The IOSQE_* bits every SQE may carry. */
    private static final int SQE_VALID_FLAGS = IOSQE_FIXED_FILE | IOSQE_IO_DRAIN | IOSQE_IO_LINK
            | IOSQE_IO_HARDLINK | IOSQE_ASYNC | IOSQE_BUFFER_SELECT | IOSQE_CQE_SKIP_SUCCESS;

    private final int entries;
    private final MemorySegment sqes;
    /** SQEs consumed; written and read by the submitting thread only. */
    private int sqHead;

    /** Guards everything below, shared with the reactor thread. */
    final ReentrantLock lock = new ReentrantLock();
    private final Condition cqNotEmpty = lock.newCondition();
    final Completions completions = new Completions(this, cqNotEmpty);
    final IoCalls io = new IoCalls();
    /**
     * Its epoll fd and eventfd exist from the start (a ring's fd count does not change as it
     * is used); its thread starts with the first request that waits.
     */
    final Reactor reactor;
    final Waits waits = new Waits(this);

    // Where waiting requests are, in the order a cancel looks (io-wq, poll, waitid, timeouts).
    final LinkedHashSet<Request> iowqBlocked = new LinkedHashSet<>();
    final LinkedHashSet<Request> pollArmed = new LinkedHashSet<>();
    final LinkedHashSet<Request> waitidArmed = new LinkedHashSet<>();
    /** Armed TIMEOUTs in the kernel's timeout_list order: counted ones by target, then the rest. */
    final ArrayList<Request> timeouts = new ArrayList<>();
    final LinkedHashSet<Request> linkTimeoutsArmed = new LinkedHashSet<>();

    // IOSQE_IO_DRAIN
    private boolean drainActive;
    private boolean drainNext;
    private boolean drainDisabled;
    private final ArrayDeque<Request> deferred = new ArrayDeque<>();
    /** Of the requests alive ({@link Completions#alive}), the ones waiting in {@link #deferred} (nr_drained). */
    private int drained;

    private boolean closed;
    private Throwable reactorFailure;

    /**
     * @param entries SQ entries, a power of two
     * @throws SysException when the reactor's epoll fd or eventfd cannot be made (EMFILE, ...)
     */
    public EmulatedRing(int entries) throws SysException {
        if (Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("SQ entries must be a power of two, got " + entries);
        }
        this.entries = entries;
        try {
            this.reactor = new Reactor(this, io);
        } catch (SysException | RuntimeException e) {
            io.free();
            throw e;
        }
        waits.addInternal(reactor.epfd);
        waits.addInternal(reactor.evfd);
        this.sqes = NativeMemory.calloc(Layouts.SQE_SIZE * entries);
    }

    @Override
    public Backend backend() {
        return Backend.FALLBACK;
    }

    @Override
    public int sqEntries() {
        return entries;
    }

    @Override
    public int cqEntries() {
        return 2 * entries;
    }

    @Override
    public MemorySegment sqes() {
        return sqes;
    }

    @Override
    public int sqHead() {
        return sqHead;
    }

    @Override
    public int setupFlags() {
        return 0;
    }

    @Override
    public int features() {
        return IORING_FEAT_NODROP | IORING_FEAT_SUBMIT_STABLE | IORING_FEAT_RW_CUR_POS;
    }

    @Override
    public OpProbe probe() {
        return PROBE;
    }

    /** As on Linux 6.18. */
    @Override
    public boolean nopInjectSupported() {
        return true;
    }

    // ---- submission

    @Override
    public int submit(int tail, int waitNr) throws IOException {
        lock.lock();
        try {
            checkUsable();
            List<Request> chain = new ArrayList<>();
            int mask = entries - 1;
            for (int pos = sqHead; pos != tail; pos++) {
                Request r = new Request(sqes.asSlice(Layouts.SQE_SIZE * (pos & mask), Layouts.SQE_SIZE));
                completions.alive++;
                Request prev = chain.isEmpty() ? null : chain.get(chain.size() - 1);
                r.prepError = init(r, prev, chain.isEmpty() ? null : chain.get(0));
                chain.add(r);
                if (!r.linked() || pos + 1 == tail) {
                    startChain(chain, r.linked());
                    chain = new ArrayList<>();
                }
            }
            int consumed = tail - sqHead;
            sqHead = tail;
            completions.drive();
            while (completions.ready() < waitNr) {
                checkUsable();
                cqNotEmpty.awaitUninterruptibly();
            }
            return consumed;
        } finally {
            lock.unlock();
        }
    }

    /** The kernel's io_init_req, then the op's prep: the failure, or 0. */
    private int init(Request r, Request prev, Request chainHead) {
        int op = r.opcode;
        int f = r.sqeFlags;
        r.hardlink = (f & IOSQE_IO_HARDLINK) != 0;
        r.skipCqe = (f & IOSQE_CQE_SKIP_SUCCESS) != 0;
        if (op > OpDefs.LAST_OP || (f & ~SQE_VALID_FLAGS) != 0) {
            return -Errno.EINVAL;
        }
        OpDefs.Def def = OpDefs.def(op);
        if ((f & IOSQE_BUFFER_SELECT) != 0 && !def.bufferSelect()) {
            return -Errno.EOPNOTSUPP;
        }
        if ((f & IOSQE_CQE_SKIP_SUCCESS) != 0) {
            drainDisabled = true;
        }
        if ((f & IOSQE_IO_DRAIN) != 0) {
            if (drainDisabled) {
                return -Errno.EOPNOTSUPP;
            }
            r.drain = true;
            drainActive = true;
            if (chainHead != null) {
                // Drain in the middle of a link: the head drains, and so does what follows the link.
                chainHead.drain = true;
                drainNext = true;
            }
        }
        if (drainNext && chainHead == null) {
            drainNext = false;
            drainActive = true;
            r.drain = true;
        }
        if (r.ioprio != 0 && def.runs() && !def.ioprio()) {
            return -Errno.EINVAL;
        }
        if (r.personality != 0) {
            return -Errno.EINVAL; // no personality is ever registered
        }
        if (!def.runs()) {
            r.issueError = -Errno.EOPNOTSUPP;
            return 0;
        }
        return def.prep().prep(this, r, prev);
    }

    /** A whole chain has been prepped: fail it, defer it (drain) or issue its head. */
    private void startChain(List<Request> chain, boolean dangling) {
        Request head = chain.get(0);
        boolean prepFailed = false;
        for (Request r : chain) {
            prepFailed |= r.prepError != 0;
        }
        if (prepFailed) {
            // io_submit_fail_init + io_queue_sqe_fallback: every request with a prep error
            // completes with it, the others with -ECANCELED; nothing runs, HARDLINK or not.
            for (int i = 0; i + 1 < chain.size(); i++) {
                chain.get(i).next = chain.get(i + 1);
            }
            for (Request r : chain) {
                if (r.prepError != 0) {
                    r.res = r.prepError;
                    Completions.setFail(r);
                }
            }
            if (head.prepError == 0) {
                head.res = -Errno.ECANCELED;
                Completions.setFail(head);
            }
            head.hardlink = false;
            completions.post(head);
            return;
        }
        // A LINK_TIMEOUT leaves the chain and guards the request before it.
        Request last = null;
        for (Request r : chain) {
            if (r.opcode == IORING_OP_LINK_TIMEOUT) {
                last.linkTimeout = r;
                r.guarded = last;
                continue;
            }
            if (last != null) {
                last.next = r;
            }
            last = r;
        }
        head.chainSize = chain.size();
        // A chain still open at the end of the submission is punted to io-wq by the kernel.
        head.iowq = dangling;
        if (drainActive) {
            deferred.add(head);
            drained += head.chainSize;
            queueDeferred();
            if (!head.drain && deferred.isEmpty()) {
                drainActive = false;
            }
            return;
        }
        issue(head);
    }

    /** io_queue_deferred: releases drained chains once nothing submitted before them is alive. */
    void queueDeferred() {
        boolean drainSeen = false;
        boolean first = true;
        while (!deferred.isEmpty()) {
            Request d = deferred.peekFirst();
            drainSeen |= d.drain;
            if ((drainSeen || first) && completions.alive != drained) {
                return;
            }
            deferred.pollFirst();
            drained -= d.chainSize;
            d.iowq = false; // released through task work, not io-wq's blocking path
            completions.taskWork(() -> issue(d));
            first = false;
        }
    }

    /** Issues a request through its op's definition, or fails it with what its prep found. */
    void issue(Request r) {
        if (r.issueError != 0) {
            completions.complete(r, r.issueError);
            return;
        }
        OpDefs.def(r.opcode).issue().issue(this, r);
        // A request that went to wait asynchronously arms its LINK_TIMEOUT now (one that
        // completed already disarms it when its completion is flushed; one blocked in
        // io-wq arms it only after the call returns, so never while it waits).
        if (r.async && !r.posted && r.linkTimeout != null) {
            Timeout.armLink(this, r.linkTimeout);
        }
    }

    /** The reactor thread died: every call from now on says so. */
    void reactorFailed(Throwable t) {
        lock.lock();
        try {
            reactorFailure = t;
            cqNotEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ---- the CQ

    @Override
    public boolean peek(RawCqe out) throws IOException {
        lock.lock();
        try {
            if (!completions.peek(out)) {
                checkUsable();
                return false;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void advance() {
        lock.lock();
        try {
            completions.advance();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void await() throws IOException {
        lock.lock();
        try {
            while (completions.ready() == 0) {
                checkUsable();
                cqNotEmpty.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    private void checkUsable() throws IOException {
        if (closed) {
            throw new IllegalStateException("ring is closed");
        }
        if (reactorFailure != null) {
            throw new IOException("FALLBACK ring: its reactor thread failed", reactorFailure);
        }
    }

    // ---- close

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            reactor.stop();
            cqNotEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        reactor.join();
        lock.lock();
        try {
            // Requests still waiting are dropped: their fds are closed, no completion is posted.
            waits.dropAll(reactor.epfd, reactor.evfd);
            reactor.closeFds();
            deferred.clear();
            completions.drop();
            NativeMemory.free(sqes);
            io.free();
        } finally {
            lock.unlock();
        }
    }
}
