package dev.spawnring.internal.emulated;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.internal.ring.Layouts;
import dev.spawnring.internal.ring.RingBackend;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.internal.sys.SysException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import dev.spawnring.uring.Backend;

/**
 * io_uring run in user space ({@link Backend#FALLBACK}), for where {@code io_uring_setup}
 * is refused: the same SQEs give the same completions as on Linux 6.18.
 *
 * <h2>How it runs</h2>
 * {@link #submit} consumes every new SQE at once (the SQ head moves to the tail). Each SQE
 * is copied and prepped; a link chain whose prep failed is failed as a whole, as the
 * kernel does; any other chain's head is issued right away. A request that can finish
 * without waiting finishes there (NOP, OPENAT, CLOSE, a READ with data, ...). One that
 * would wait registers with the ring's reactor ({@link Reactor}: one thread, an
 * epoll loop and a timer queue, started on the first such request), and finishes on that
 * thread when its file is ready or its time comes.
 *
 * <p>The order of completions follows the kernel's: a completion first goes to a batch,
 * which is flushed to the CQ at the end of the step that made it; what follows a
 * completion (the next request of the chain, the cancelled rest of it, a disarmed
 * LINK_TIMEOUT, the target of a cancel) is queued as "task work" and run after the flush.
 * So a chain's requests complete in chain order, and after the completions of other
 * chains submitted with it, as with io_uring.
 *
 * <h2>Threads</h2>
 * One lock guards all state: the submitting/reaping thread takes it in submit, peek,
 * advance and await; the reactor thread takes it for everything but {@code epoll_wait}.
 * Whatever a request did (including the bytes a read wrote into the caller's buffer) is
 * done before its completion is posted under the lock, and the reaper reads the CQ under
 * the same lock: unlock/lock is the happens-before edge.
 *
 * <h2>Kernel behaviour it reproduces (measured on 6.18)</h2>
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
 * closing that fd while it waits leaves it waiting until cancelled (see {@link #armFd}).
 */
public final class EmulatedRing implements RingBackend {
    /** The kernel's {@code IORING_OP_LAST - 1} on Linux 6.18: higher opcodes are {@code -EINVAL} at prep. */
    static final int LAST_OP = IORING_OP_PIPE;

    private static final int[] RUNS = {
        IORING_OP_NOP, IORING_OP_POLL_ADD, IORING_OP_POLL_REMOVE, IORING_OP_TIMEOUT,
        IORING_OP_TIMEOUT_REMOVE, IORING_OP_ASYNC_CANCEL, IORING_OP_LINK_TIMEOUT, IORING_OP_OPENAT,
        IORING_OP_CLOSE, IORING_OP_READ, IORING_OP_WRITE, IORING_OP_WAITID,
    };

    /** The ops this emulation runs. */
    public static final OpProbe PROBE;

    static {
        boolean[] ops = new boolean[256];
        for (int op : RUNS) {
            ops[op] = true;
        }
        PROBE = new OpProbe(LAST_OP, ops);
    }

    /** The IOSQE_* bits every SQE may carry. */
    private static final int SQE_VALID_FLAGS = 0x7F;
    private static final int NOP_KNOWN = IORING_NOP_INJECT_RESULT | IORING_NOP_FILE | IORING_NOP_FIXED_FILE
            | IORING_NOP_FIXED_BUFFER | IORING_NOP_TW;
    private static final int CANCEL_FLAGS = IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_FD
            | IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_FD_FIXED | IORING_ASYNC_CANCEL_USERDATA
            | IORING_ASYNC_CANCEL_OP;

    /** The kernel's MAX_RW_COUNT: a read or write of more is cut to this. */
    private static final long MAX_RW_COUNT = Integer.MAX_VALUE & ~(Linux.PAGE_SIZE - 1L);

    private final int entries;
    private final MemorySegment sqes;
    /** SQEs consumed; written and read by the submitting thread only. */
    private int sqHead;

    /** Guards everything below, shared with the reactor thread. */
    final ReentrantLock lock = new ReentrantLock();
    private final Condition cqNotEmpty = lock.newCondition();

    // The CQ: an unbounded circular buffer.
    private long[] cqUserData = new long[64];
    private int[] cqRes = new int[64];
    private int[] cqFlags = new int[64];
    private int cqHead;
    private int cqTail;
    /** Every CQE ever posted (the kernel's cached_cq_tail). */
    private long cqPosted;
    /** Timeouts ended by their timer or their count (the kernel's cq_timeouts): not events for counts. */
    private long cqTimeouts;

    private List<Request> batch = new ArrayList<>();
    private ArrayDeque<Runnable> taskWork = new ArrayDeque<>();

    private final IoCalls io = new IoCalls();
    /**
     * Its epoll fd and eventfd exist from the start (a ring's fd count does not change as it
     * is used); its thread starts with the first request that waits.
     */
    private final Reactor reactor;
    private long nextWaiterId = 1;
    private final Map<Long, Request> waiters = new HashMap<>();
    /** fds the emulation holds: in the kernel's world they do not exist (EBADF for the caller). */
    private final HashSet<Integer> internalFds = new HashSet<>();
    /** The caller's fds registered with epoll as they are, one request each (see {@link #armFd}). */
    private final HashSet<Integer> directFds = new HashSet<>();

    // Where waiting requests are, in the order a cancel looks (io-wq, poll, waitid, timeouts).
    private final LinkedHashSet<Request> iowqBlocked = new LinkedHashSet<>();
    private final LinkedHashSet<Request> pollArmed = new LinkedHashSet<>();
    private final LinkedHashSet<Request> waitidArmed = new LinkedHashSet<>();
    /** Armed TIMEOUTs in the kernel's timeout_list order: counted ones by target, then the rest. */
    private final ArrayList<Request> timeouts = new ArrayList<>();
    private final LinkedHashSet<Request> linkTimeoutsArmed = new LinkedHashSet<>();

    // IOSQE_IO_DRAIN
    private boolean drainActive;
    private boolean drainNext;
    private boolean drainDisabled;
    private final ArrayDeque<Request> deferred = new ArrayDeque<>();
    /** Requests submitted and not yet completed (the kernel's nr_req_allocated). */
    private int alive;
    /** Of those, the ones waiting in {@link #deferred} (nr_drained). */
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
        internalFds.add(reactor.epfd);
        internalFds.add(reactor.evfd);
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
                MemorySegment sqe = sqes.asSlice(Layouts.SQE_SIZE * (pos & mask), Layouts.SQE_SIZE);
                Request r = new Request(sqe);
                alive++;
                Request prev = chain.isEmpty() ? null : chain.get(chain.size() - 1);
                int err = prep(r, prev, chain.isEmpty() ? null : chain.get(0));
                if (err != 0) {
                    r.prepError = err;
                }
                chain.add(r);
                if (!r.linked() || pos + 1 == tail) {
                    startChain(chain, r.linked());
                    chain = new ArrayList<>();
                }
            }
            int consumed = tail - sqHead;
            sqHead = tail;
            drive();
            while (cqTail - cqHead < waitNr) {
                checkUsable();
                cqNotEmpty.awaitUninterruptibly();
            }
            return consumed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The kernel's io_init_req and the op's prep: the failure, or 0. Also records what
     * the op needs later (times, paths, events).
     */
    private int prep(Request r, Request prev, Request chainHead) {
        int op = r.opcode;
        int f = r.sqeFlags;
        r.hardlink = (f & IOSQE_IO_HARDLINK) != 0;
        r.skipCqe = (f & IOSQE_CQE_SKIP_SUCCESS) != 0;
        if (op > LAST_OP) {
            return -Errno.EINVAL;
        }
        if ((f & ~SQE_VALID_FLAGS) != 0) {
            return -Errno.EINVAL;
        }
        if ((f & IOSQE_BUFFER_SELECT) != 0 && !bufferSelectOp(op)) {
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
        boolean knownOp = PROBE.supports(op);
        if (r.ioprio != 0 && knownOp && op != IORING_OP_READ && op != IORING_OP_WRITE) {
            return -Errno.EINVAL;
        }
        if (r.personality != 0) {
            return -Errno.EINVAL; // no personality is ever registered
        }
        boolean fixedFile = (f & IOSQE_FIXED_FILE) != 0;
        switch (op) {
            case IORING_OP_NOP -> {
                int nf = r.opFlags;
                if ((nf & ~NOP_KNOWN) != 0) {
                    return -Errno.EINVAL; // includes IORING_NOP_CQE32: this ring has no 32-byte CQEs
                }
            }
            case IORING_OP_READ, IORING_OP_WRITE -> {
                if (fixedFile) {
                    r.issueError = -Errno.EBADF; // no file is ever registered
                } else if ((f & IOSQE_BUFFER_SELECT) != 0) {
                    r.issueError = -Errno.ENOBUFS; // no buffer is ever provided
                }
            }
            case IORING_OP_OPENAT -> {
                if (r.bufIndex != 0) {
                    return -Errno.EINVAL;
                }
                if (fixedFile) {
                    return -Errno.EBADF;
                }
                int n = io.copyPath(r.addr);
                if (n < 0) {
                    return n;
                }
                r.path = new byte[n];
                MemorySegment.copy(io.path, ValueLayout.JAVA_BYTE, 0, r.path, 0, n);
                if (r.fileIndex != 0 && (r.opFlags & Linux.O_CLOEXEC) != 0) {
                    return -Errno.EINVAL;
                }
            }
            case IORING_OP_CLOSE -> {
                if (r.off != 0 || r.addr != 0 || r.len != 0 || r.opFlags != 0 || r.bufIndex != 0) {
                    return -Errno.EINVAL;
                }
                if (fixedFile) {
                    return -Errno.EBADF;
                }
                if (r.fileIndex != 0 && r.fd != 0) {
                    return -Errno.EINVAL;
                }
            }
            case IORING_OP_POLL_ADD -> {
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
                r.pollEvents = r.opFlags & ~IoCalls.EPOLL_CONTROL_BITS;
                if (fixedFile) {
                    r.issueError = -Errno.EBADF;
                }
            }
            case IORING_OP_POLL_REMOVE -> {
                if (r.bufIndex != 0 || r.fileIndex != 0) {
                    return -Errno.EINVAL;
                }
                int pf = r.len;
                if ((pf & ~(IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA | IORING_POLL_ADD_MULTI)) != 0) {
                    return -Errno.EINVAL;
                }
                if (pf == IORING_POLL_ADD_MULTI) {
                    return -Errno.EINVAL;
                }
                if ((pf & IORING_POLL_UPDATE_USER_DATA) == 0 && r.off != 0) {
                    return -Errno.EINVAL;
                }
                if ((pf & IORING_POLL_UPDATE_EVENTS) == 0 && r.opFlags != 0) {
                    return -Errno.EINVAL;
                }
            }
            case IORING_OP_TIMEOUT, IORING_OP_LINK_TIMEOUT -> {
                boolean link = op == IORING_OP_LINK_TIMEOUT;
                int count = (int) r.off; // a u32 in the kernel
                if (r.bufIndex != 0 || r.len != 1 || r.fileIndex != 0) {
                    return -Errno.EINVAL;
                }
                if (count != 0 && link) {
                    return -Errno.EINVAL;
                }
                int tf = r.opFlags;
                if ((tf & ~(IORING_TIMEOUT_ABS | IORING_TIMEOUT_CLOCK_MASK | IORING_TIMEOUT_ETIME_SUCCESS
                        | IORING_TIMEOUT_MULTISHOT)) != 0) {
                    return -Errno.EINVAL;
                }
                if (Integer.bitCount(tf & IORING_TIMEOUT_CLOCK_MASK) > 1) {
                    return -Errno.EINVAL;
                }
                if ((tf & IORING_TIMEOUT_MULTISHOT) != 0 && (tf & IORING_TIMEOUT_ABS) != 0) {
                    return -Errno.EINVAL;
                }
                r.count = count;
                r.multishot = !link && (tf & IORING_TIMEOUT_MULTISHOT) != 0;
                r.repeats = r.multishot ? count : 0;
                long ns = io.timespecNanos(r.addr);
                if (ns < 0) {
                    return (int) ns;
                }
                r.nanos = ns;
                if (link) {
                    if (prev == null || prev.opcode == IORING_OP_LINK_TIMEOUT) {
                        return -Errno.EINVAL;
                    }
                }
            }
            case IORING_OP_TIMEOUT_REMOVE -> {
                if (fixedFile) {
                    return -Errno.EINVAL;
                }
                if (r.bufIndex != 0 || r.len != 0 || r.fileIndex != 0) {
                    return -Errno.EINVAL;
                }
                int tf = r.opFlags;
                if ((tf & IORING_TIMEOUT_UPDATE_MASK) != 0) {
                    if (Integer.bitCount(tf & IORING_TIMEOUT_CLOCK_MASK) > 1) {
                        return -Errno.EINVAL;
                    }
                    if ((tf & ~(IORING_TIMEOUT_UPDATE_MASK | IORING_TIMEOUT_ABS | IORING_TIMEOUT_CLOCK_MASK)) != 0) {
                        return -Errno.EINVAL;
                    }
                    long ns = io.timespecNanos(r.addr2());
                    if (ns < 0) {
                        return (int) ns;
                    }
                    r.nanos = ns;
                } else if (tf != 0) {
                    return -Errno.EINVAL;
                }
            }
            case IORING_OP_ASYNC_CANCEL -> {
                if (r.off != 0 || r.fileIndex != 0) {
                    return -Errno.EINVAL;
                }
                int cf = r.opFlags;
                if ((cf & ~CANCEL_FLAGS) != 0) {
                    return -Errno.EINVAL;
                }
                if ((cf & IORING_ASYNC_CANCEL_FD) != 0 && (cf & IORING_ASYNC_CANCEL_ANY) != 0) {
                    return -Errno.EINVAL;
                }
                if ((cf & IORING_ASYNC_CANCEL_OP) != 0 && (cf & IORING_ASYNC_CANCEL_ANY) != 0) {
                    return -Errno.EINVAL;
                }
            }
            case IORING_OP_WAITID -> {
                if (r.addr != 0 || r.bufIndex != 0 || r.addr3 != 0 || r.opFlags != 0) {
                    return -Errno.EINVAL;
                }
            }
            default -> r.issueError = -Errno.EOPNOTSUPP;
        }
        return 0;
    }

    private static boolean bufferSelectOp(int op) {
        return op == IORING_OP_READ || op == IORING_OP_READV || op == IORING_OP_RECV || op == IORING_OP_RECVMSG
                || op == IORING_OP_READ_MULTISHOT || op == IORING_OP_SEND || op == IORING_OP_SENDMSG;
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
                    setFail(r);
                }
            }
            if (head.prepError == 0) {
                head.res = -Errno.ECANCELED;
                setFail(head);
            }
            head.hardlink = false;
            post(head);
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
    private void queueDeferred() {
        boolean drainSeen = false;
        boolean first = true;
        while (!deferred.isEmpty()) {
            Request d = deferred.peekFirst();
            drainSeen |= d.drain;
            if ((drainSeen || first) && alive != drained) {
                return;
            }
            deferred.pollFirst();
            drained -= d.chainSize;
            d.iowq = false; // released through task work, not io-wq's blocking path
            taskWork.add(() -> issue(d));
            first = false;
        }
    }

    // ---- issuing

    private void issue(Request r) {
        if (r.issueError != 0) {
            complete(r, r.issueError);
            return;
        }
        switch (r.opcode) {
            case IORING_OP_NOP -> issueNop(r);
            case IORING_OP_READ, IORING_OP_WRITE -> issueRw(r);
            case IORING_OP_OPENAT -> issueOpenat(r);
            case IORING_OP_CLOSE -> issueClose(r);
            case IORING_OP_POLL_ADD -> issuePollAdd(r);
            case IORING_OP_POLL_REMOVE -> issuePollRemove(r);
            case IORING_OP_TIMEOUT -> issueTimeout(r);
            case IORING_OP_TIMEOUT_REMOVE -> issueTimeoutRemove(r);
            case IORING_OP_ASYNC_CANCEL -> complete(r, cancel(r));
            case IORING_OP_WAITID -> issueWaitid(r);
            default -> complete(r, -Errno.EOPNOTSUPP);
        }
        // A request that went to wait asynchronously arms its LINK_TIMEOUT now (one that
        // completed already disarms it when its completion is flushed; one blocked in
        // io-wq arms it only after the call returns, so never while it waits).
        if (r.async && !r.posted && r.linkTimeout != null) {
            armLinkTimeout(r.linkTimeout);
        }
    }

    private void issueNop(Request r) {
        int nf = r.opFlags;
        int ret = (nf & IORING_NOP_INJECT_RESULT) != 0 ? r.len : 0;
        if ((nf & IORING_NOP_FILE) != 0) {
            if ((nf & IORING_NOP_FIXED_FILE) != 0 || !userFd(r.fd)) {
                complete(r, -Errno.EBADF);
                return;
            }
        }
        if ((nf & IORING_NOP_FIXED_BUFFER) != 0) {
            ret = -Errno.EFAULT; // no buffer is ever registered
        }
        complete(r, ret);
    }

    private void issueOpenat(Request r) {
        if (internalFds.contains(r.fd)) {
            complete(r, -Errno.EBADF);
            return;
        }
        MemorySegment.copy(r.path, 0, io.path, ValueLayout.JAVA_BYTE, 0, r.path.length);
        io.path.set(ValueLayout.JAVA_BYTE, r.path.length, (byte) 0);
        int flags = r.opFlags;
        if (r.fileIndex != 0) {
            flags |= Linux.O_CLOEXEC;
        }
        int fd;
        do {
            fd = Sys.openat(r.fd, io.path, flags, r.len);
        } while (fd == -Errno.EINTR);
        if (fd >= 0 && r.fileIndex != 0) {
            Sys.close(fd); // a fixed-file slot was asked for, and no file table is registered
            fd = -Errno.ENXIO;
        }
        complete(r, fd);
    }

    private void issueClose(Request r) {
        if (r.fileIndex != 0) {
            complete(r, -Errno.ENXIO);
            return;
        }
        if (internalFds.contains(r.fd) || r.fd < 0) {
            complete(r, -Errno.EBADF);
            return;
        }
        complete(r, Sys.close(r.fd));
    }

    // ---- READ / WRITE

    private void issueRw(Request r) {
        if (!userFd(r.fd)) {
            complete(r, -Errno.EBADF);
            return;
        }
        long n = rwAttempt(r, r.fd);
        if (n != IoCalls.WAIT) {
            complete(r, (int) n);
            return;
        }
        boolean write = r.opcode == IORING_OP_WRITE;
        int err = armFd(r, r.fd, write ? Linux.POLLOUT : Linux.POLLIN, true);
        if (err == 0) {
            if (r.iowq) {
                r.waitList = Request.LIST_IOWQ;
                iowqBlocked.add(r);
            } else {
                r.waitList = Request.LIST_POLL;
                pollArmed.add(r);
                r.async = true;
            }
            return;
        }
        if (err != -Errno.EPERM) {
            complete(r, err);
            return;
        }
        // epoll will not watch it (a regular file: EPERM): the call may block, as in a worker.
        long off = rwOffset(r);
        n = io.rwBlocking(write, r.fd, r.addr + r.progress, rwLength(r) - r.progress, off, r.opFlags, r);
        complete(r, (int) rwResult(r, n));
    }

    /** One go at a READ/WRITE on {@code fd}: the result, or WAIT. A WRITE in io-wq goes on until all is written. */
    private long rwAttempt(Request r, int fd) {
        boolean write = r.opcode == IORING_OP_WRITE;
        long total = rwLength(r);
        while (true) {
            long n = io.rwNonblocking(write, fd, r.addr + r.progress, total - r.progress, rwOffset(r), r.opFlags, r);
            if (n == IoCalls.WAIT) {
                return n;
            }
            if (write && r.iowq && n > 0 && r.progress + n < total) {
                r.progress += n; // a blocking write writes everything
                continue;
            }
            return rwResult(r, n);
        }
    }

    private static long rwResult(Request r, long n) {
        if (n < 0) {
            return r.progress > 0 ? r.progress : n;
        }
        return r.progress + n;
    }

    private static long rwOffset(Request r) {
        if (r.off == -1 || r.stream) {
            return -1;
        }
        return r.off + r.progress;
    }

    private static long rwLength(Request r) {
        return Math.min(Integer.toUnsignedLong(r.len), MAX_RW_COUNT);
    }

    // ---- POLL_ADD / POLL_REMOVE

    private static int pollResultMask(Request r) {
        return r.pollEvents | Linux.POLLERR | Linux.POLLHUP | Linux.POLLNVAL | Linux.EPOLLRDHUP;
    }

    private void issuePollAdd(Request r) {
        if (!userFd(r.fd)) {
            complete(r, -Errno.EBADF);
            return;
        }
        if (!r.multishot) {
            int rev = io.pollNow(r.fd, r.pollEvents | Linux.EPOLLRDHUP);
            if (rev < 0) {
                complete(r, rev);
                return;
            }
            if ((rev & pollResultMask(r)) != 0) {
                complete(r, rev & pollResultMask(r));
                return;
            }
        }
        // Multishot: edge-triggered, and epoll reports a file that is ready already at once.
        int events = r.pollEvents | Linux.EPOLLRDHUP | (r.multishot ? Linux.EPOLLET : 0);
        int err = armFd(r, r.fd, events, !r.multishot);
        if (err == -Errno.EPERM) {
            // epoll refuses the file (a regular file): poll says it is always ready.
            int rev = io.pollNow(r.fd, r.pollEvents | Linux.EPOLLRDHUP);
            complete(r, rev < 0 ? rev : rev & pollResultMask(r));
            return;
        }
        if (err < 0) {
            complete(r, err);
            return;
        }
        r.waitList = Request.LIST_POLL;
        pollArmed.add(r);
        r.async = true;
    }

    private void issuePollRemove(Request r) {
        Request target = null;
        for (Request p : pollArmed) {
            if (p.opcode == IORING_OP_POLL_ADD && p.userData == r.addr) {
                target = p;
                break;
            }
        }
        if (target == null) {
            complete(r, -Errno.ENOENT);
            return;
        }
        if (target.cancelling) {
            complete(r, -Errno.EALREADY); // its cancellation is under way
            return;
        }
        int pf = r.len;
        if ((pf & (IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA)) == 0) {
            cancelArmed(target);
            complete(r, 0);
            return;
        }
        // An update: the poll is taken down and armed again with its new events / user_data.
        disarm(target);
        if ((pf & IORING_POLL_UPDATE_EVENTS) != 0) {
            target.pollEvents = r.opFlags & ~IoCalls.EPOLL_CONTROL_BITS;
            target.multishot = (pf & IORING_POLL_ADD_MULTI) != 0;
        }
        if ((pf & IORING_POLL_UPDATE_USER_DATA) != 0) {
            target.userData = r.off;
        }
        complete(r, 0);
        issuePollAdd(target);
    }

    // ---- TIMEOUT / LINK_TIMEOUT / TIMEOUT_REMOVE

    /** The System.nanoTime deadline of a request's timespec, relative or absolute on its clock. */
    private long deadline(int flags, long nanos) {
        long now = System.nanoTime();
        if ((flags & IORING_TIMEOUT_ABS) == 0) {
            return saturatedAdd(now, nanos);
        }
        int clock = (flags & IORING_TIMEOUT_BOOTTIME) != 0 ? Linux.CLOCK_BOOTTIME
                : (flags & IORING_TIMEOUT_REALTIME) != 0 ? Linux.CLOCK_REALTIME : Linux.CLOCK_MONOTONIC;
        long delta = nanos - io.clockNanos(clock);
        return saturatedAdd(now, Math.max(0, delta));
    }

    private static long saturatedAdd(long now, long d) {
        // Keep deadlines within half the nanoTime range, so that differences compare right.
        return now + Math.min(d, Long.MAX_VALUE / 2);
    }

    private void issueTimeout(Request r) {
        reactor.start();
        if (r.count == 0 || r.multishot) {
            timeouts.add(r); // no count: at the tail
        } else {
            long tail = cqPosted - cqTimeouts;
            r.targetSeq = tail + Integer.toUnsignedLong(r.count);
            // The kernel's insertion sort: after the last counted timeout that completes no later.
            int at = timeouts.size();
            for (int i = timeouts.size() - 1; i >= 0; i--) {
                Request t = timeouts.get(i);
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
            timeouts.add(at, r);
        }
        r.waitList = Request.LIST_TIMEOUT;
        r.async = true;
        r.timer = reactor.addTimer(deadline(r.opFlags, r.nanos), r, io);
    }

    private static boolean noSeq(Request t) {
        return t.count == 0 || t.multishot;
    }

    private void armLinkTimeout(Request lt) {
        reactor.start();
        lt.waitList = Request.LIST_LINK_TIMEOUT;
        linkTimeoutsArmed.add(lt);
        lt.timer = reactor.addTimer(deadline(lt.opFlags, lt.nanos), lt, io);
    }

    private void issueTimeoutRemove(Request r) {
        int tf = r.opFlags;
        if ((tf & IORING_TIMEOUT_UPDATE_MASK) == 0) {
            Request t = findTimeout(r.addr);
            if (t == null) {
                complete(r, -Errno.ENOENT);
                return;
            }
            cancelArmed(t);
            complete(r, 0);
            return;
        }
        int mode = tf & (IORING_TIMEOUT_ABS | IORING_TIMEOUT_CLOCK_MASK);
        if ((tf & IORING_LINK_TIMEOUT_UPDATE) != 0) {
            Request lt = find(linkTimeoutsArmed, r.addr);
            if (lt == null) {
                complete(r, -Errno.ENOENT);
                return;
            }
            reactor.cancelTimer(lt.timer);
            lt.timer = reactor.addTimer(deadline(clockOf(lt.opFlags) | (mode & IORING_TIMEOUT_ABS), r.nanos), lt, io);
            complete(r, 0);
            return;
        }
        Request t = findTimeout(r.addr);
        if (t == null) {
            complete(r, -Errno.ENOENT);
            return;
        }
        // io_timeout_update: the timeout loses its count and goes to the tail, with its new time.
        reactor.cancelTimer(t.timer);
        timeouts.remove(t);
        t.count = 0;
        timeouts.add(t);
        t.timer = reactor.addTimer(deadline(clockOf(t.opFlags) | (mode & IORING_TIMEOUT_ABS), r.nanos), t, io);
        complete(r, 0);
    }

    private static int clockOf(int flags) {
        return flags & IORING_TIMEOUT_CLOCK_MASK;
    }

    private Request findTimeout(long userData) {
        return find(timeouts, userData);
    }

    /** The first request of {@code list} submitted with {@code userData}, or null. */
    private static Request find(Iterable<Request> list, long userData) {
        for (Request r : list) {
            if (r.userData == userData) {
                return r;
            }
        }
        return null;
    }

    /** After CQEs were posted: counted timeouts whose count is reached complete with 0. */
    private void flushCountTimeouts() {
        if (timeouts.isEmpty()) {
            return;
        }
        long seq = cqPosted - cqTimeouts;
        Iterator<Request> it = timeouts.iterator();
        while (it.hasNext()) {
            Request t = it.next();
            if (noSeq(t) || t.targetSeq - seq > 0) {
                break;
            }
            it.remove();
            t.waitList = Request.LIST_NONE;
            reactor.cancelTimer(t.timer);
            t.timer = null;
            cqTimeouts++;
            taskWork.add(() -> finish(t, 0));
        }
    }

    // ---- WAITID

    private void issueWaitid(Request r) {
        if (r.len == Linux.P_PIDFD && internalFds.contains(r.fd)) {
            complete(r, -Errno.EBADF);
            return;
        }
        int n = waitidAttempt(r, r.fd); // the pidfd, or the pid_t
        if (n != WAITID_WAIT) {
            complete(r, n);
            return;
        }
        int options = r.fileIndex;
        boolean exitOnly = (options & (Linux.WSTOPPED | Linux.WCONTINUED)) == 0;
        if (exitOnly && (r.len == Linux.P_PIDFD || r.len == Linux.P_PID)) {
            // A pidfd turns readable when the process exits: the caller's, or one opened for the pid.
            int pfd = r.len == Linux.P_PIDFD ? r.fd : Sys.pidfdOpen(r.fd, 0);
            if (pfd >= 0) {
                if (r.len == Linux.P_PID) {
                    internalFds.add(pfd);
                    r.waitFd = pfd;
                    r.waitFdOwned = true;
                }
                int err = armFd(r, pfd, Linux.POLLIN, true);
                if (err == 0) {
                    r.waitList = Request.LIST_WAITID;
                    waitidArmed.add(r);
                    r.async = true;
                    return;
                }
                closeWaitFd(r); // out of fds, say: polling below still works
            }
        }
        // No fd says when (P_ALL, P_PGID, stops, continues, no fd to spare): ask again on a timer,
        // 1 ms doubling to 50 ms.
        reactor.start();
        r.backoffNanos = 1_000_000L;
        r.waitList = Request.LIST_WAITID;
        waitidArmed.add(r);
        r.async = true;
        r.timer = reactor.addTimer(System.nanoTime() + r.backoffNanos, r, io);
    }

    private static final int WAITID_WAIT = Integer.MIN_VALUE;

    /** @return the WAITID result (0 or -errno), or WAITID_WAIT when nothing has happened yet */
    private int waitidAttempt(Request r, long id) {
        int which = r.len;
        int options = r.fileIndex;
        if ((options & Linux.WNOHANG) != 0) {
            return IoCalls.waitid(which, id, r.addr2(), options);
        }
        // Look without consuming, into our own siginfo; then fill the caller's, consuming as asked.
        int pid = io.waitidProbe(which, id, options | Linux.WNOHANG | Linux.WNOWAIT);
        if (pid < 0) {
            return pid;
        }
        if (pid == 0) {
            return WAITID_WAIT;
        }
        return IoCalls.waitid(which, id, r.addr2(), options | Linux.WNOHANG);
    }

    private long waitidId(Request r) {
        if (r.len == Linux.P_PIDFD) {
            return r.waitFd >= 0 ? r.waitFd : r.fd;
        }
        return r.fd;
    }

    // ---- ASYNC_CANCEL

    /** io_async_cancel: 0 or the count (ALL/ANY) of requests cancelled, -ENOENT, -EALREADY, -EBADF. */
    private int cancel(Request c) {
        int cf = c.opFlags;
        boolean byFd = (cf & IORING_ASYNC_CANCEL_FD) != 0;
        if (byFd) {
            if ((c.sqeFlags & IOSQE_FIXED_FILE) != 0 || (cf & IORING_ASYNC_CANCEL_FD_FIXED) != 0 || !userFd(c.fd)) {
                return -Errno.EBADF;
            }
        }
        boolean all = (cf & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY)) != 0;
        // io-wq first: a blocked call there is interrupted, not cancelled.
        boolean already = false;
        List<Request> workers = new ArrayList<>(iowqBlocked);
        java.util.Collections.reverse(workers); // io-wq looks at its newest worker first
        for (Request r : workers) {
            if (matches(r, c)) {
                interruptIowq(r);
                already = true;
                if (!all) {
                    break;
                }
            }
        }
        int n = 0;
        List<Request> polls = new ArrayList<>(pollArmed);
        java.util.Collections.reverse(polls); // the kernel's hash lists put the newest first
        for (Request r : polls) {
            if (matches(r, c)) {
                cancelArmed(r);
                if (!all) {
                    return 0;
                }
                n++;
            }
        }
        if (!byFd) {
            for (Request r : List.copyOf(waitidArmed)) {
                if (matches(r, c)) {
                    cancelArmed(r);
                    if (!all) {
                        return 1; // io_waitid_cancel answers how many it cancelled
                    }
                    n++;
                }
            }
            for (Request r : List.copyOf(timeouts)) {
                if (matches(r, c)) {
                    cancelArmed(r);
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

    /** io_cancel_req_match. */
    private static boolean matches(Request r, Request c) {
        int cf = c.opFlags;
        if ((cf & IORING_ASYNC_CANCEL_ANY) != 0) {
            return true;
        }
        boolean matchUserData = (cf & IORING_ASYNC_CANCEL_USERDATA) != 0 || (cf & (IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_OP)) == 0;
        if ((cf & IORING_ASYNC_CANCEL_FD) != 0 && (r.waitList != Request.LIST_POLL
                && r.waitList != Request.LIST_IOWQ || r.fd != c.fd)) {
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
    private void cancelArmed(Request r) {
        if (r.cancelling) {
            return;
        }
        if (r.waitList == Request.LIST_POLL) {
            r.cancelling = true;
            detach(r);
            taskWork.add(() -> {
                pollArmed.remove(r);
                r.waitList = Request.LIST_NONE;
                complete(r, -Errno.ECANCELED);
            });
            return;
        }
        disarm(r);
        taskWork.add(() -> complete(r, -Errno.ECANCELED));
    }

    /** A "signal" to the io-wq worker blocked in the call: it returns -EINTR, or what it wrote so far. */
    private void interruptIowq(Request r) {
        if (r.cancelling) {
            return;
        }
        r.cancelling = true;
        detach(r);
        // The worker wakes up and completes after what the cancel itself took down.
        taskWork.add(() -> taskWork.add(() -> {
            iowqBlocked.remove(r);
            r.waitList = Request.LIST_NONE;
            complete(r, r.progress > 0 ? (int) r.progress : -Errno.EINTR);
        }));
    }

    /** io_try_cancel of one request, for its LINK_TIMEOUT: 0 (1 for a WAITID), -EALREADY or -ENOENT. */
    private int cancelOne(Request r) {
        switch (r.waitList) {
            case Request.LIST_IOWQ -> {
                interruptIowq(r);
                return -Errno.EALREADY;
            }
            case Request.LIST_POLL, Request.LIST_TIMEOUT -> {
                cancelArmed(r);
                return 0;
            }
            case Request.LIST_WAITID -> {
                cancelArmed(r);
                return 1; // io_waitid_cancel answers how many it cancelled
            }
            default -> {
                return -Errno.ENOENT;
            }
        }
    }

    // ---- waiting on files

    /**
     * Registers {@code r} with the reactor's epoll for {@code events} on {@code fd}, or on
     * {@code r.waitFd} when it already holds one (a pidfd opened for a WAITID by pid).
     *
     * <p>The caller's fd is registered as it is, so that waiting costs no fd (the kernel's
     * reference to the file costs none either, and fd-counting code sees no difference).
     * epoll takes an fd once: a second request waiting on the same fd gets a private
     * close-on-exec dup. Two differences with the kernel's file reference follow, both
     * only for a caller that closes an fd while a request still waits on it: the request
     * then waits until it is cancelled (epoll forgets a file once it is closed), or, if the
     * number was reused for another file meanwhile, it completes with -EBADF when woken
     * (checked with fstat) rather than act on the wrong file.
     *
     * @return 0, or -errno (-EPERM: epoll does not watch this kind of file)
     */
    private int armFd(Request r, int fd, int events, boolean oneshot) {
        reactor.start();
        if (r.waitFd < 0) {
            if (!directFds.contains(fd)) {
                int err = io.fileId(fd, r.fileId);
                if (err < 0) {
                    return err;
                }
                directFds.add(fd);
                r.waitFd = fd;
                r.waitFdOwned = false;
            } else {
                int d = IoCalls.dupCloexec(fd);
                if (d < 0) {
                    return d;
                }
                internalFds.add(d);
                r.waitFd = d;
                r.waitFdOwned = true;
            }
        }
        long id = nextWaiterId++;
        int e = events | (oneshot ? Linux.EPOLLONESHOT : 0);
        int err = io.epollCtl(reactor.epfd, Linux.EPOLL_CTL_ADD, r.waitFd, e, id);
        if (err < 0) {
            closeWaitFd(r);
            return err;
        }
        r.waiterId = id;
        waiters.put(id, r);
        return 0;
    }

    /** Does the caller's fd a request watches still name the file it named when the wait began? */
    private boolean sameFile(Request r) {
        if (r.waitFdOwned) {
            return true;
        }
        long[] now = new long[2];
        return io.fileId(r.waitFd, now) == 0 && now[0] == r.fileId[0] && now[1] == r.fileId[1];
    }

    private void rearm(Request r, int events) {
        int err = io.epollCtl(reactor.epfd, Linux.EPOLL_CTL_MOD, r.waitFd, events | Linux.EPOLLONESHOT, r.waiterId);
        if (err < 0) {
            disarm(r);
            complete(r, err);
        }
    }

    /** Takes a request out of every wait structure and closes its private fd. */
    private void disarm(Request r) {
        switch (r.waitList) {
            case Request.LIST_POLL -> pollArmed.remove(r);
            case Request.LIST_IOWQ -> iowqBlocked.remove(r);
            case Request.LIST_WAITID -> waitidArmed.remove(r);
            case Request.LIST_TIMEOUT -> timeouts.remove(r);
            case Request.LIST_LINK_TIMEOUT -> linkTimeoutsArmed.remove(r);
            default -> {
            }
        }
        r.waitList = Request.LIST_NONE;
        detach(r);
    }

    /** Stops a request's timer and epoll registration and closes its private fd. */
    private void detach(Request r) {
        if (r.timer != null) {
            reactor.cancelTimer(r.timer);
            r.timer = null;
        }
        if (r.waiterId != 0) {
            waiters.remove(r.waiterId);
            io.epollDel(reactor.epfd, r.waitFd);
            r.waiterId = 0;
        }
        closeWaitFd(r);
    }

    private void closeWaitFd(Request r) {
        if (r.waitFd >= 0) {
            if (r.waitFdOwned) {
                internalFds.remove(r.waitFd);
                Sys.close(r.waitFd);
            } else {
                directFds.remove(r.waitFd);
            }
            r.waitFd = -1;
        }
    }

    /** Is {@code fd} an open fd of the caller's (not one of ours)? */
    private boolean userFd(int fd) {
        return fd >= 0 && !internalFds.contains(fd) && IoCalls.isOpen(fd);
    }

    // ---- the reactor's callbacks (lock held, on the reactor thread)

    void onReady(long id, int events) {
        Request r = waiters.get(id);
        if (r == null) {
            return; // taken down since (cancelled)
        }
        if (!sameFile(r)) {
            // The caller closed the fd and its number now names another file: never touch that one.
            disarm(r);
            complete(r, -Errno.EBADF);
            return;
        }
        switch (r.opcode) {
            case IORING_OP_READ, IORING_OP_WRITE -> {
                long n = rwAttempt(r, r.waitFd);
                if (n == IoCalls.WAIT) {
                    rearm(r, r.opcode == IORING_OP_WRITE ? Linux.POLLOUT : Linux.POLLIN);
                    return;
                }
                disarm(r);
                complete(r, (int) n);
            }
            case IORING_OP_POLL_ADD -> {
                int res = events & pollResultMask(r);
                if (r.multishot) {
                    if (res != 0) {
                        postAux(r.userData, res, IORING_CQE_F_MORE);
                    }
                    return;
                }
                disarm(r);
                complete(r, res);
            }
            case IORING_OP_WAITID -> {
                int n = waitidAttempt(r, waitidId(r));
                if (n == WAITID_WAIT) {
                    rearm(r, Linux.POLLIN);
                    return;
                }
                disarm(r);
                complete(r, n);
            }
            default -> {
            }
        }
    }

    void onTimer(Reactor.Timer t) {
        Request r = t.request;
        if (r.timer != t) {
            return;
        }
        r.timer = null;
        switch (r.opcode) {
            case IORING_OP_TIMEOUT -> timeoutFired(r);
            case IORING_OP_LINK_TIMEOUT -> linkTimeoutFired(r);
            case IORING_OP_WAITID -> {
                int n = waitidAttempt(r, waitidId(r));
                if (n == WAITID_WAIT) {
                    r.backoffNanos = Math.min(r.backoffNanos * 2, 50_000_000L);
                    r.timer = reactor.addTimer(System.nanoTime() + r.backoffNanos, r, io);
                    return;
                }
                disarm(r);
                complete(r, n);
            }
            default -> {
            }
        }
    }

    /** io_timeout_fn + io_timeout_complete. */
    private void timeoutFired(Request r) {
        timeouts.remove(r);
        r.waitList = Request.LIST_NONE;
        cqTimeouts++;
        boolean more = r.multishot && (r.count == 0 || (r.repeats > 0 && --r.repeats > 0));
        if (more) {
            taskWork.add(() -> {
                if ((r.opFlags & IORING_TIMEOUT_ETIME_SUCCESS) == 0) {
                    setFail(r);
                }
                postAux(r.userData, -Errno.ETIME, IORING_CQE_F_MORE);
                timeouts.add(r);
                r.waitList = Request.LIST_TIMEOUT;
                r.timer = reactor.addTimer(deadline(r.opFlags, r.nanos), r, io);
            });
            return;
        }
        taskWork.add(() -> complete(r, -Errno.ETIME));
    }

    /** io_link_timeout_fn + io_req_task_link_timeout. */
    private void linkTimeoutFired(Request lt) {
        linkTimeoutsArmed.remove(lt);
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
        taskWork.add(() -> {
            int ret = guarded != null ? cancelOne(guarded) : 0;
            finish(lt, ret != 0 ? ret : -Errno.ETIME);
        });
    }

    void drainWakeups(int evfd) {
        io.eventfdDrain(evfd);
    }

    void reactorFailed(Throwable t) {
        lock.lock();
        try {
            reactorFailure = t;
            cqNotEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ---- completion

    /** An op's own completion: failures (and short reads/writes) fail the chain. */
    private void complete(Request r, int res) {
        r.res = res;
        boolean fail = res < 0;
        if (r.opcode == IORING_OP_TIMEOUT && res == -Errno.ETIME
                && (r.opFlags & IORING_TIMEOUT_ETIME_SUCCESS) != 0) {
            fail = false;
        }
        if ((r.opcode == IORING_OP_READ || r.opcode == IORING_OP_WRITE) && res >= 0 && res != rwLength(r)) {
            fail = true; // a short read or write breaks the link, as in the kernel
        }
        if (fail) {
            setFail(r);
        }
        post(r);
    }

    /** A completion that does not fail anything (LINK_TIMEOUT results, a count reached). */
    private void finish(Request r, int res) {
        r.res = res;
        post(r);
    }

    /** req_set_fail. */
    private static void setFail(Request r) {
        r.failed = true;
        if (r.skipCqe) {
            r.skipCqe = false;
            r.skipLinkCqes = true;
        }
    }

    private void post(Request r) {
        r.posted = true;
        batch.add(r);
    }

    /** A CQE of a request that goes on (IORING_CQE_F_MORE), straight to the CQ. */
    private void postAux(long userData, int res, int flags) {
        cqPush(userData, res, flags);
        flushCountTimeouts();
    }

    /**
     * Runs everything that is due: flushes the completion batch to the CQ, then task work
     * (and the batches it makes) until none is left. Lock held.
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
                cqPush(r.userData, r.res, 0);
            }
            alive--;
        }
        flushCountTimeouts();
        for (Request r : done) {
            afterCompletion(r);
        }
        if (!deferred.isEmpty()) {
            queueDeferred();
        }
    }

    /** io_queue_next: the LINK_TIMEOUT is disarmed, then the chain goes on or is cancelled. */
    private void afterCompletion(Request r) {
        Request lt = r.linkTimeout;
        if (lt != null) {
            r.linkTimeout = null;
            lt.guarded = null;
            disarm(lt);
            taskWork.add(() -> finish(lt, -Errno.ECANCELED));
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
        taskWork.add(() -> {
            next.iowq = iowq;
            issue(next);
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
        taskWork.add(() -> {
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

    private void cqPush(long userData, int res, int flags) {
        int cap = cqUserData.length;
        if (cqTail - cqHead == cap) {
            int n = cap * 2;
            long[] t = new long[n];
            int[] rs = new int[n];
            int[] fl = new int[n];
            for (int i = 0; i < cap; i++) {
                int from = (cqHead + i) & (cap - 1);
                t[i] = cqUserData[from];
                rs[i] = cqRes[from];
                fl[i] = cqFlags[from];
            }
            cqUserData = t;
            cqRes = rs;
            cqFlags = fl;
            cqTail = cqTail - cqHead;
            cqHead = 0;
            cap = n;
        }
        int at = cqTail & (cap - 1);
        cqUserData[at] = userData;
        cqRes[at] = res;
        cqFlags[at] = flags;
        cqTail++;
        cqPosted++;
        cqNotEmpty.signalAll();
    }

    @Override
    public boolean peek(RawCqe out) throws IOException {
        lock.lock();
        try {
            if (cqTail == cqHead) {
                checkUsable();
                return false;
            }
            int at = cqHead & (cqUserData.length - 1);
            out.userData = cqUserData[at];
            out.res = cqRes[at];
            out.flags = cqFlags[at];
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void advance() {
        lock.lock();
        try {
            if (cqTail != cqHead) {
                cqHead++;
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void await() throws IOException {
        lock.lock();
        try {
            while (cqTail == cqHead) {
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
        Reactor rx;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            rx = reactor;
            rx.stop(io);
            cqNotEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        rx.join();
        lock.lock();
        try {
            // Requests still waiting are dropped: their fds are closed, no completion is posted.
            for (Request r : List.copyOf(waiters.values())) {
                disarm(r);
            }
            for (Request r : List.copyOf(waitidArmed)) {
                disarm(r);
            }
            for (Request r : List.copyOf(timeouts)) {
                disarm(r);
            }
            for (Request r : List.copyOf(linkTimeoutsArmed)) {
                disarm(r);
            }
            for (int fd : internalFds) {
                if (fd != rx.epfd && fd != rx.evfd) {
                    Sys.close(fd);
                }
            }
            internalFds.clear();
            rx.closeFds();
            deferred.clear();
            batch.clear();
            taskWork.clear();
            NativeMemory.free(sqes);
            io.free();
        } finally {
            lock.unlock();
        }
    }
}
