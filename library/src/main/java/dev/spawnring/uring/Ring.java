package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.SysException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A submission/completion ring with liburing's vocabulary, on io_uring where the
 * kernel allows it and on spawnring's emulation ({@link Backend#FALLBACK})
 * elsewhere. Both give the same completions for the same submissions.
 *
 * <pre>{@code
 * try (Ring ring = Ring.open(64)) {
 *     ring.getSqe().prepNop().userData(1).flags(IoUring.IOSQE_IO_LINK);
 *     ring.getSqe().prepNopInject(-22).userData(2);
 *     ring.submitAndWait(2);
 *     for (int i = 0; i < 2; i++) {
 *         Cqe cqe = ring.waitCqe();
 *         System.out.println(cqe.userData() + " -> " + cqe.res());
 *         ring.cqeSeen(cqe);
 *     }
 * }
 * }</pre>
 *
 * <p>Requests linked with {@code IOSQE_IO_LINK}/{@code IOSQE_IO_HARDLINK} form a chain
 * that ends at the submission boundary, as in io_uring. A chain headed by
 * {@link Sqe#prepClone() CLONE} starts a child process and runs the rest of the
 * chain in it (the io_uring spawn proposal's contract, see {@link Sqe#prepClone()}).
 * Whoever submits a CLONE reaps the child (for example with
 * {@link Sqe#prepWaitid WAITID}); spawnring never waits on "any child".
 *
 * <p>A ring is not thread-safe: one thread at a time submits and reaps, as with
 * liburing. It is an {@link AutoCloseable}; using it after {@link #close()} throws
 * {@link IllegalStateException}.
 */
public final class Ring implements AutoCloseable {
    private static final int MAX_ENTRIES = 32768;

    private final RingBackend impl;
    private final Sqe[] sqes;
    private final int sqMask;
    private final Requests requests = new Requests();
    private final RingBackend.RawCqe raw = new RingBackend.RawCqe();
    /** SQEs handed out by getSqe so far (free-running). */
    private int sqeTail;
    /** SQEs given to the backend so far (free-running). */
    private int published;
    /** The completion at the CQ head, as returned by peekCqe and not yet seen. */
    private Cqe head;
    private long headToken;
    private boolean closed;

    private Ring(RingBackend impl) {
        this.impl = impl;
        int n = impl.sqEntries();
        this.sqMask = n - 1;
        this.sqes = new Sqe[n];
        MemorySegment all = impl.sqes();
        for (int i = 0; i < n; i++) {
            sqes[i] = new Sqe(all.asSlice(Layouts.SQE_SIZE * i, Layouts.SQE_SIZE));
        }
    }

    /**
     * Opens a ring on io_uring where the kernel allows it, else on {@link Backend#FALLBACK};
     * {@code -Dspawnring.backend=io_uring|fallback} forces one.
     *
     * @param entries SQ entries, 1 to 32768, rounded up to a power of two
     * @throws IOException when the forced backend cannot be opened, or the process has no fd
     *                     left ({@code EMFILE}, {@code ENFILE}: that is not io_uring refused)
     */
    public static Ring open(int entries) throws IOException {
        Backend forced = Backend.forced();
        if (forced != null) {
            return open(entries, forced);
        }
        try {
            return open(entries, Backend.IO_URING);
        } catch (SysException e) {
            if (e.errno() == Errno.EMFILE || e.errno() == Errno.ENFILE) {
                // Out of fds is not io_uring refused: say so, rather than settle for FALLBACK for good.
                throw e;
            }
            return open(entries, Backend.FALLBACK);
        }
    }

    /**
     * Opens a ring on the given backend.
     *
     * @param entries SQ entries, 1 to 32768, rounded up to a power of two
     * @throws SysException when io_uring is refused ({@code io_uring_setup: EPERM (...)})
     */
    public static Ring open(int entries, Backend backend) throws IOException {
        return open(entries, backend, 0);
    }

    /**
     * Opens a ring on the given backend with extra {@code IORING_SETUP_*} flags, for
     * example {@code IORING_SETUP_SINGLE_ISSUER} when one platform thread owns the ring
     * (not used by default: a virtual thread may move between carriers).
     */
    public static Ring open(int entries, Backend backend, int extraSetupFlags) throws IOException {
        if (entries < 1 || entries > MAX_ENTRIES) {
            throw new IllegalArgumentException("ring entries must be 1.." + MAX_ENTRIES + ", got " + entries);
        }
        java.util.Objects.requireNonNull(backend, "backend");
        int n = 1;
        while (n < entries) {
            n <<= 1;
        }
        return switch (backend) {
            case IO_URING -> new Ring(KernelRing.open(n, extraSetupFlags));
            case FALLBACK -> new Ring(new EmulatedRing(n));
        };
    }

    /** @return what runs this ring's requests */
    public Backend backend() {
        return impl.backend();
    }

    /** @return the number of SQ entries */
    public int sqEntries() {
        return impl.sqEntries();
    }

    /** @return the number of CQ entries (more completions than this wait in an overflow list) */
    public int cqEntries() {
        return impl.cqEntries();
    }

    /** @return the {@code IORING_SETUP_*} flags the kernel accepted (0 for FALLBACK) */
    public int setupFlags() {
        return impl.setupFlags();
    }

    /** @return the {@code IORING_FEAT_*} flags of the kernel (those the emulation offers for FALLBACK) */
    public int features() {
        return impl.features();
    }

    /** @return how many submitted requests have not been completed and seen */
    public int inFlight() {
        return requests.inFlight();
    }

    /**
     * The opcodes this ring supports: {@code IORING_REGISTER_PROBE} for io_uring, the
     * emulated set for FALLBACK. spawnring's private opcodes are not listed.
     */
    public Probe probe() throws IOException {
        ensureOpen();
        if (impl instanceof KernelRing k) {
            return k.probe();
        }
        return EmulatedRing.PROBE;
    }

    /** @return how many SQEs {@link #getSqe()} can hand out before the queue is full */
    public int sqSpaceLeft() {
        ensureOpen();
        return sqes.length - (sqeTail - impl.sqHead());
    }

    /**
     * @return a zeroed SQE to fill, or {@code null} when the submission queue is full
     *         (submit, then try again)
     */
    public Sqe getSqe() {
        ensureOpen();
        if (sqeTail - impl.sqHead() >= sqes.length) {
            return null;
        }
        Sqe sqe = sqes[sqeTail & sqMask];
        sqe.reset();
        sqeTail++;
        return sqe;
    }

    /**
     * Submits every SQE got since the last submit.
     *
     * @return how many were consumed (0 when the kernel's completion backlog must be reaped first)
     */
    public int submit() throws IOException {
        return submitAndWait(0);
    }

    /**
     * Submits every SQE got since the last submit and waits until at least {@code waitNr}
     * completions can be reaped.
     */
    public int submitAndWait(int waitNr) throws IOException {
        ensureOpen();
        if (waitNr < 0) {
            throw new IllegalArgumentException("waitNr must be >= 0, got " + waitNr);
        }
        int count = sqeTail - published;
        if (count > 0) {
            prepareChains(published, sqeTail);
            published = sqeTail;
        }
        return impl.submit(published, count, waitNr);
    }

    /** Blocks until a completion is there and returns it (see it with {@link #cqeSeen}). */
    public Cqe waitCqe() throws IOException {
        while (true) {
            Cqe cqe = peekCqe();
            if (cqe != null) {
                return cqe;
            }
            impl.await();
        }
    }

    /** @return the completion at the head of the queue, or {@code null} when there is none */
    public Cqe peekCqe() throws IOException {
        ensureOpen();
        if (head != null) {
            return head;
        }
        if (!impl.peek(raw)) {
            return null;
        }
        headToken = raw.token;
        head = new Cqe(requests.userData(raw.token), raw.res, raw.flags);
        return head;
    }

    /** Marks {@code cqe}, the one {@link #peekCqe}/{@link #waitCqe} returned, as consumed. */
    public void cqeSeen(Cqe cqe) {
        ensureOpen();
        if (cqe == null || cqe != head) {
            throw new IllegalArgumentException("cqeSeen: " + cqe + " is not the completion at the head of the queue");
        }
        head = null;
        if ((cqe.flags() & IORING_CQE_F_MORE) == 0) {
            requests.release(headToken);
        }
        impl.advance();
    }

    /**
     * Closes the ring: requests still in flight are cancelled and reaped first (so no memory
     * they use is freed under them), then the ring's fds, memory and threads are released.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            drainInFlight();
        } finally {
            closed = true;
            for (int pos = published; pos != sqeTail; pos++) {
                sqes[pos & sqMask].freeOwned();
            }
            impl.close();
            requests.releaseAll();
        }
    }

    private void drainInFlight() {
        try {
            if (head != null) {
                cqeSeen(head);
            }
            for (Cqe c; (c = peekCqe()) != null; ) {
                cqeSeen(c);
            }
            if (requests.inFlight() == 0) {
                return;
            }
            // Cancel every request still running, then reap until nothing is left.
            Sqe cancel = getSqeForClose();
            if (cancel == null) {
                return;
            }
            cancel.prepCancel(0, IORING_ASYNC_CANCEL_ANY).userData(-1);
            submit();
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (requests.inFlight() > 0 && System.nanoTime() < deadline) {
                Cqe c = peekCqe();
                if (c == null) {
                    Thread.sleep(1);
                    continue;
                }
                cqeSeen(c);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            // Closing goes on: the backend is released below whatever the drain met.
        }
    }

    private Sqe getSqeForClose() throws IOException {
        Sqe s = getSqe();
        if (s == null) {
            submit();
            s = getSqe();
        }
        return s;
    }

    /**
     * Gives every new SQE a token in place of its user_data, and hands chains that hold
     * spawnring's private opcodes to {@link SpawnContract}, which runs them and rewrites
     * them into plain requests the backend completes.
     */
    private void prepareChains(int from, int to) {
        int chainStart = from;
        boolean spawnChain = false;
        for (int pos = from; pos != to; pos++) {
            Sqe sqe = sqes[pos & sqMask];
            long userData = sqe.userData();
            long token = requests.add(userData, sqe.takeOwned());
            sqe.userData(token);
            int op = sqe.opcode();
            if (op == IORING_OP_ASYNC_CANCEL || op == IORING_OP_POLL_REMOVE || op == IORING_OP_TIMEOUT_REMOVE) {
                translateTarget(sqe, token);
            }
            spawnChain |= isSpawnOp(op);
            boolean linked = (sqe.flags() & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK)) != 0;
            if (!linked || pos + 1 == to) {
                if (spawnChain) {
                    SpawnContract.run(chain(chainStart, pos + 1));
                }
                chainStart = pos + 1;
                spawnChain = false;
            }
        }
    }

    private Sqe[] chain(int from, int to) {
        Sqe[] out = new Sqe[to - from];
        for (int pos = from; pos != to; pos++) {
            out[pos - from] = sqes[pos & sqMask];
        }
        return out;
    }

    /** Cancel-like requests name their target by the caller's user_data: point them at its token. */
    private void translateTarget(Sqe sqe, long selfToken) {
        int cancelFlags = sqe.seg.get(java.lang.foreign.ValueLayout.JAVA_INT, Layouts.SQE_op_flags);
        if (sqe.opcode() == IORING_OP_ASYNC_CANCEL
                && (cancelFlags & (IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_FD)) != 0) {
            return;
        }
        long target = sqe.seg.get(java.lang.foreign.ValueLayout.JAVA_LONG, Layouts.SQE_addr);
        long token = requests.find(target, selfToken);
        // No such request: a token nothing carries, so the kernel answers -ENOENT.
        sqe.addr(token >= 0 ? token : Long.MIN_VALUE);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("ring is closed");
        }
    }

    /** @return e.g. {@code "io_uring_setup: EPERM (Operation not permitted)"} if io_uring cannot be used, else null */
    public static String ioUringUnavailableReason() {
        try {
            KernelRing k = KernelRing.open(2, 0);
            k.close();
            return null;
        } catch (SysException e) {
            return e.getMessage();
        }
    }
}
