package dev.spawnring.internal.ring;

import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * What a {@link dev.spawnring.uring.Ring} needs from whatever runs its requests: a
 * submission queue of {@code struct io_uring_sqe} in native memory, and a completion
 * queue. {@link KernelRing} is io_uring itself; the emulated ring
 * ({@code dev.spawnring.internal.emulated}) runs the same SQEs in user space.
 *
 * <p>The backend sees the SQEs as the caller wrote them ({@code user_data} included)
 * and posts the completions as its own; it never sees spawnring's private opcodes,
 * which {@link SpawnLayer} handles above it. SQ and CQ positions are free-running
 * {@code int} counters, as in the kernel.
 */
public interface RingBackend {
    /** A completion copied out of the CQ. */
    final class RawCqe {
        public long userData;
        public int res;
        public int flags;
    }

    /** What {@code IORING_REGISTER_PROBE} says: the last opcode known, and which are supported. */
    record OpProbe(int lastOp, boolean[] supported) {
        public boolean supports(int opcode) {
            return opcode >= 0 && opcode < supported.length && supported[opcode];
        }
    }

    Backend backend();

    /** @return the number of SQ entries (a power of two) */
    int sqEntries();

    /** @return the number of CQ entries the backend holds before it overflows */
    int cqEntries();

    /** @return the {@code sqEntries * 64} bytes of SQEs, indexed by {@code position & (sqEntries - 1)} */
    MemorySegment sqes();

    /**
     * @return how many SQEs the backend has consumed so far (the kernel's SQ head); it
     *         moves only in {@link #submit}, and a consumed SQE is never read again
     */
    int sqHead();

    /**
     * Hands over the SQEs up to {@code tail} (exclusive) and waits until {@code waitNr}
     * completions can be peeked.
     *
     * @return how many SQEs this call consumed
     */
    int submit(int tail, int waitNr) throws IOException;

    /** Copies the completion at the CQ head into {@code out}; false when the CQ is empty. */
    boolean peek(RawCqe out) throws IOException;

    /** Consumes the completion at the CQ head. */
    void advance();

    /** Blocks until at least one completion can be peeked. */
    void await() throws IOException;

    /** @return the {@code IORING_SETUP_*} flags in force (0 for the emulation) */
    int setupFlags();

    /** @return the {@code IORING_FEAT_*} flags the backend offers */
    int features();

    /** @return the opcodes the backend runs */
    OpProbe probe() throws IOException;

    /**
     * @return whether a NOP with {@code IORING_NOP_INJECT_RESULT} completes with the result it
     *         carries (older kernels refuse the flag with {@code -EINVAL}, or ignore it)
     */
    boolean nopInjectSupported();

    /** Releases the backend's fds, memory and threads. Requests still running are dropped. */
    void close();
}
