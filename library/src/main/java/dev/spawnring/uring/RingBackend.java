package dev.spawnring.uring;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * What a {@link Ring} needs from whatever runs its requests: a submission queue of
 * {@code struct io_uring_sqe} in native memory, and a completion queue of
 * (token, res, flags). {@link KernelRing} is io_uring itself; {@link EmulatedRing}
 * runs the same SQEs in user space.
 *
 * <p>SQ and CQ positions are free-running {@code int} counters, as in the kernel.
 */
abstract class RingBackend {
    /** A completion as the backend holds it: the token is the ring's, not the caller's. */
    static final class RawCqe {
        long token;
        int res;
        int flags;
    }

    abstract Backend backend();

    /** @return the number of SQ entries (a power of two) */
    abstract int sqEntries();

    /** @return the number of CQ entries the backend holds before it overflows */
    abstract int cqEntries();

    /** @return the {@code sqEntries * 64} bytes of SQEs, indexed by {@code position & (sqEntries - 1)} */
    abstract MemorySegment sqes();

    /** @return how many SQEs the backend has consumed so far (the kernel's SQ head) */
    abstract int sqHead();

    /**
     * Hands over the SQEs up to {@code tail} (exclusive) and waits for {@code waitNr} completions.
     *
     * @param count how many SQEs are new since the last call
     * @return how many SQEs were consumed
     */
    abstract int submit(int tail, int count, int waitNr) throws IOException;

    /** Copies the completion at the CQ head into {@code out}; false when the CQ is empty. */
    abstract boolean peek(RawCqe out) throws IOException;

    /** Consumes the completion at the CQ head. */
    abstract void advance();

    /** Blocks until at least one completion can be peeked. */
    abstract void await() throws IOException;

    /** @return the {@code IORING_SETUP_*} flags in force (0 for the emulation) */
    abstract int setupFlags();

    /** @return the {@code IORING_FEAT_*} flags the backend offers */
    abstract int features();

    /** Releases the backend's fds, memory and threads. Requests still running are dropped. */
    abstract void close();
}
