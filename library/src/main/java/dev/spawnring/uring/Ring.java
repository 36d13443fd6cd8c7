package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.internal.emulated.EmulatedRing;
import dev.spawnring.internal.ring.KernelRing;
import dev.spawnring.internal.ring.RingBackend;
import dev.spawnring.internal.ring.SpawnLayer;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Kernel;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.ring.Layouts;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.SysException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Objects;

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
 * <p>An SQE's {@code user_data} reaches the backend unchanged and comes back in its
 * completion; a cancel, POLL_REMOVE or TIMEOUT_REMOVE names its target by it, as with
 * io_uring.
 *
 * <p>Requests linked with {@code IOSQE_IO_LINK}/{@code IOSQE_IO_HARDLINK} form a chain
 * that ends at the submission boundary, as in io_uring. A chain headed by
 * {@link Sqe#prepClone() CLONE} starts a child process and runs the rest of the
 * chain in it (the io_uring spawn proposal's contract, see {@link Sqe#prepClone()}).
 * A chain that holds these spawn opcodes runs within {@link #submit}: its completions
 * are there when submit returns, served ahead of the backend's, and the other chains of
 * the submission go to the backend as they were. Whoever submits a CLONE reaps the child
 * (for example with {@link Sqe#prepWaitid WAITID}); spawnring never waits on "any child".
 *
 * <p>A ring is not thread-safe: one thread at a time submits and reaps, as with
 * liburing. It is an {@link AutoCloseable}; using it after {@link #close()} throws
 * {@link IllegalStateException}.
 */
public final class Ring implements AutoCloseable {
    private static final int MAX_ENTRIES = 32768;

    private final RingBackend backend;
    private final SpawnLayer spawnLayer;
    private final Sqe[] sqes;
    private final int sqMask;
    /** The siginfo a WAITID without one of its own writes into. */
    private final MemorySegment scratchSiginfo = NativeMemory.calloc(Linux.SIGINFO_SIZE);
    /** The completions of the chains the spawn layer ran: served ahead of the backend's CQ. */
    private final ArrayDeque<Cqe> spawnCqes = new ArrayDeque<>();
    private final RingBackend.RawCqe raw = new RingBackend.RawCqe();
    /** SQEs handed out by getSqe so far (free-running). */
    private int sqeTail;
    /** SQEs given to the backend so far. */
    private int published;
    /** SQEs whose copied memory has been freed: the backend consumed them. */
    private int released;
    private int inFlight;
    /** The completion at the CQ head, as returned by peekCqe and not yet seen. */
    private Cqe head;
    private boolean headIsSpawn;
    private boolean closed;

    private Ring(RingBackend backend) {
        this.backend = backend;
        this.spawnLayer = new SpawnLayer(backend);
        int n = backend.sqEntries();
        this.sqMask = n - 1;
        this.sqes = new Sqe[n];
        MemorySegment all = backend.sqes();
        for (int i = 0; i < n; i++) {
            sqes[i] = new Sqe(all.asSlice(Layouts.SQE_SIZE * i, Layouts.SQE_SIZE), scratchSiginfo);
        }
    }

    /** A ring over any backend (tests wrap a real one to watch what it is given). */
    static Ring over(RingBackend backend) {
        return new Ring(backend);
    }

    /**
     * Opens a ring on io_uring where the kernel allows it, else on {@link Backend#FALLBACK};
     * {@code -Dspawnring.backend=io_uring|fallback} ({@link Backend#PROPERTY}) forces one.
     *
     * @param entries SQ entries, 1 to 32768, rounded up to a power of two
     * @return the open ring; {@link #backend()} tells which
     * @throws IOException when the forced backend cannot be opened, or the process has no fd
     *                     left ({@code EMFILE}, {@code ENFILE}: that is not io_uring refused)
     * @throws IllegalArgumentException when {@code entries} is out of range, or
     *                                  {@link Backend#PROPERTY} names no backend
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
     * Opens a ring on the given backend, with no fallback.
     *
     * @param entries SQ entries, 1 to 32768, rounded up to a power of two
     * @param backend what runs the ring's requests
     * @return the open ring
     * @throws IOException when the backend cannot be opened, e.g. io_uring refused, with a
     *                     message such as {@code io_uring_setup: EPERM (...)}
     * @throws IllegalArgumentException when {@code entries} is out of range
     */
    public static Ring open(int entries, Backend backend) throws IOException {
        return open(entries, backend, 0);
    }

    /**
     * Opens a ring on the given backend with extra {@code IORING_SETUP_*} flags, for
     * example {@code IORING_SETUP_SINGLE_ISSUER} when one platform thread owns the ring
     * (not used by default: a virtual thread may move between carriers).
     *
     * @param entries         SQ entries, 1 to 32768, rounded up to a power of two
     * @param backend         what runs the ring's requests
     * @param extraSetupFlags {@code IORING_SETUP_*} flags for {@code io_uring_setup}, or 0
     * @return the open ring
     * @throws IOException when the backend cannot be opened, e.g. io_uring refused or the
     *                     kernel refusing a flag; on a kernel older than spawnring's minimum
     *                     (Linux 5.11), naming the kernel, the minimum and the missing feature
     * @throws IllegalArgumentException when {@code entries} is out of range, and for
     *                                  {@code IORING_SETUP_SQPOLL}, which a ring refuses
     */
    public static Ring open(int entries, Backend backend, int extraSetupFlags) throws IOException {
        if (entries < 1 || entries > MAX_ENTRIES) {
            throw new IllegalArgumentException("ring entries must be 1.." + MAX_ENTRIES + ", got " + entries);
        }
        Objects.requireNonNull(backend, "backend");
        Kernel.requireSupported();
        if ((extraSetupFlags & IORING_SETUP_SQPOLL) != 0) {
            throw new IllegalArgumentException("IORING_SETUP_SQPOLL is not supported: the kernel would read SQEs"
                    + " after submit returns, and a ring frees what a prep copied (paths, timespecs, argv) then");
        }
        int n = 1;
        while (n < entries) {
            n <<= 1;
        }
        return new Ring(switch (backend) {
            case IO_URING -> KernelRing.open(n, extraSetupFlags);
            case FALLBACK -> new EmulatedRing(n);
        });
    }

    /**
     * Returns what runs this ring's requests.
     *
     * @return {@link Backend#IO_URING} or {@link Backend#FALLBACK}
     */
    public Backend backend() {
        return backend.backend();
    }

    /**
     * Returns the number of SQ entries: the {@code entries} asked for, rounded up to a power
     * of two.
     *
     * @return the SQ size
     */
    public int sqEntries() {
        return backend.sqEntries();
    }

    /**
     * Returns the number of CQ entries; more completions than this wait in an overflow list.
     *
     * @return the CQ size
     */
    public int cqEntries() {
        return backend.cqEntries();
    }

    /**
     * Returns the {@code IORING_SETUP_*} flags the ring was set up with.
     *
     * @return the flags the kernel accepted; 0 for FALLBACK
     */
    public int setupFlags() {
        return backend.setupFlags();
    }

    /**
     * Returns the {@code IORING_FEAT_*} flags of the backend.
     *
     * @return the kernel's features; for FALLBACK, those the emulation offers
     */
    public int features() {
        return backend.features();
    }

    /**
     * Returns how many requests were submitted and have not completed yet: each counts until
     * its last completion (one without {@link IoUring#IORING_CQE_F_MORE}) is
     * {@link #cqeSeen seen}.
     *
     * @return the number of requests in flight
     */
    public int inFlight() {
        return inFlight;
    }

    /**
     * Returns the opcodes this ring supports: {@code IORING_REGISTER_PROBE} for io_uring, the
     * emulated set for FALLBACK. spawnring's private opcodes are not listed.
     *
     * @return the supported opcodes
     * @throws IOException when the kernel refuses the probe
     */
    public Probe probe() throws IOException {
        ensureOpen();
        RingBackend.OpProbe p = backend.probe();
        return new Probe(p.lastOp(), p.supported());
    }

    /**
     * Returns how many SQEs {@link #getSqe()} can hand out before the submission queue is full.
     *
     * @return the free SQ entries
     */
    public int sqSpaceLeft() {
        ensureOpen();
        return sqes.length - (sqeTail - released);
    }

    /**
     * Hands out the next SQE, zeroed, to fill with a {@code prepXxx} call; it goes to the
     * backend at the next {@link #submit}.
     *
     * @return the SQE, or {@code null} when the submission queue is full (submit, then try
     *         again)
     */
    public Sqe getSqe() {
        ensureOpen();
        if (sqeTail - released >= sqes.length) {
            return null;
        }
        Sqe sqe = slot(sqeTail++);
        sqe.reset();
        return sqe;
    }

    /**
     * Submits every SQE got since the last submit. Chains that hold spawnring's private
     * opcodes run here, before this returns.
     *
     * @return how many were consumed; 0 when the kernel's completion backlog must be reaped
     *         first (the SQEs stay queued for the next submit)
     * @throws IOException when the backend fails ({@code io_uring_enter})
     */
    public int submit() throws IOException {
        return submitAndWait(0);
    }

    /**
     * Submits every SQE got since the last submit and waits until at least {@code waitNr}
     * completions can be reaped, those of chains run at submit included.
     *
     * @param waitNr how many completions to wait for, 0 or more
     * @return how many SQEs were consumed; 0, without waiting, when the kernel's completion
     *         backlog must be reaped first (the SQEs stay queued for the next submit)
     * @throws IOException when the backend fails ({@code io_uring_enter})
     * @throws IllegalArgumentException when {@code waitNr} is negative
     */
    public int submitAndWait(int waitNr) throws IOException {
        ensureOpen();
        if (waitNr < 0) {
            throw new IllegalArgumentException("waitNr must be >= 0, got " + waitNr);
        }
        int taken = sqeTail != published ? takeSpawnChains() : 0;
        published = sqeTail;
        try {
            return taken + backend.submit(published, Math.max(0, waitNr - spawnCqes.size()));
        } finally {
            releaseConsumed();
        }
    }

    /**
     * Returns the completion at the head of the queue, blocking until there is one. It stays
     * at the head until {@link #cqeSeen} marks it consumed.
     *
     * @return the completion
     * @throws IOException when the backend fails while waiting
     */
    public Cqe waitCqe() throws IOException {
        while (true) {
            Cqe cqe = peekCqe();
            if (cqe != null) {
                return cqe;
            }
            backend.await();
        }
    }

    /**
     * Returns the completion at the head of the queue without waiting. It stays at the head,
     * returned again by each call, until {@link #cqeSeen} marks it consumed.
     *
     * @return the completion, or {@code null} when there is none
     * @throws IOException when the backend fails
     */
    public Cqe peekCqe() throws IOException {
        ensureOpen();
        if (head == null) {
            headIsSpawn = !spawnCqes.isEmpty();
            if (headIsSpawn) {
                head = spawnCqes.peekFirst();
            } else if (backend.peek(raw)) {
                head = new Cqe(raw.userData, raw.res, raw.flags);
            }
        }
        return head;
    }

    /**
     * Marks the completion at the head of the queue as consumed, so the next one can be read.
     *
     * @param cqe the completion {@link #peekCqe} or {@link #waitCqe} returned last
     * @throws IllegalArgumentException when {@code cqe} is not the one at the head
     */
    public void cqeSeen(Cqe cqe) {
        ensureOpen();
        if (cqe == null || cqe != head) {
            throw new IllegalArgumentException("cqeSeen: " + cqe + " is not the completion at the head of the queue");
        }
        head = null;
        if (headIsSpawn) {
            spawnCqes.pollFirst();
        } else {
            backend.advance();
        }
        if ((cqe.flags() & IORING_CQE_F_MORE) == 0 && inFlight > 0) {
            inFlight--;
        }
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
            for (int pos = released; pos != sqeTail; pos++) {
                slot(pos).freeOwned();
            }
            released = sqeTail;
            backend.close();
            NativeMemory.free(scratchSiginfo);
            spawnCqes.clear();
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
            if (inFlight == 0) {
                return;
            }
            // Cancel every request still running, then reap until nothing is left.
            Sqe cancel = getSqe();
            if (cancel == null) {
                submit();
                cancel = getSqe();
            }
            if (cancel == null) {
                return;
            }
            cancel.prepCancel(0, IORING_ASYNC_CANCEL_ANY).userData(-1);
            submit();
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (inFlight > 0 && System.nanoTime() < deadline) {
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

    private Sqe slot(int pos) {
        return sqes[pos & sqMask];
    }

    /**
     * Hands each new chain that holds a spawn opcode to the spawn layer, which runs it and
     * posts its completions here; those chains leave the SQ, and the SQEs after them move
     * down (none of them is published yet). A chain the layer rewrote for the backend stays.
     *
     * @return how many SQEs the layer took (in flight until their completions are seen)
     */
    private int takeSpawnChains() {
        int write = published;
        int chainStart = published;
        int taken = 0;
        boolean spawn = false;
        try {
            for (int pos = published; pos != sqeTail; pos++) {
                spawn |= SpawnLayer.isSpawn(slot(pos).seg);
                boolean linked = (slot(pos).flags() & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK)) != 0;
                if (linked && pos + 1 != sqeTail) {
                    continue;
                }
                int end = pos + 1;
                if (spawn && spawnLayer.take(chain(chainStart, end), this::postSpawn)) {
                    for (int p = chainStart; p != end; p++) {
                        slot(p).freeOwned();
                    }
                    taken += end - chainStart;
                    inFlight += end - chainStart;
                } else {
                    for (int p = chainStart; p != end; p++, write++) {
                        if (p != write) {
                            slot(p).moveTo(slot(write));
                        }
                    }
                }
                chainStart = end;
                spawn = false;
            }
        } catch (RuntimeException | Error e) {
            // The layer failed (spawnring's native library would not load, say): the failing
            // chain and those after it are dropped; the chains kept before it stay queued.
            for (int p = chainStart; p != sqeTail; p++) {
                slot(p).freeOwned();
            }
            sqeTail = write;
            throw e;
        }
        sqeTail = write;
        return taken;
    }

    private MemorySegment[] chain(int from, int to) {
        MemorySegment[] out = new MemorySegment[to - from];
        for (int pos = from; pos != to; pos++) {
            out[pos - from] = slot(pos).seg;
        }
        return out;
    }

    private void postSpawn(long userData, int res) {
        spawnCqes.addLast(new Cqe(userData, res, 0));
    }

    /** The SQEs the backend consumed since the last call are in flight: frees what their preps copied. */
    private void releaseConsumed() {
        int consumed = backend.sqHead();
        for (; released != consumed; released++) {
            slot(released).freeOwned();
            inFlight++;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("ring is closed");
        }
    }

    /**
     * Tells why this process cannot use io_uring, by opening and closing a two-entry ring.
     *
     * @return e.g. {@code "io_uring_setup: EPERM (Operation not permitted)"}, or {@code null}
     *         when io_uring can be used
     */
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
