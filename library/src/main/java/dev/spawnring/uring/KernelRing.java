package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.internal.sys.SysException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * io_uring itself: {@code io_uring_setup}, the mmap'd SQ/CQ rings and SQE array,
 * {@code io_uring_enter}.
 *
 * <p>Memory order, as the kernel documents it: the SQ tail is stored with release
 * (the SQEs before it are visible to the kernel first); the CQ tail is loaded with
 * acquire (the CQEs before it are visible to us); the CQ head is stored with
 * release after the CQE was copied; the SQ head and SQ flags are loaded with acquire.
 */
final class KernelRing extends RingBackend {
    /** Setup flags tried first, newest features dropped one by one where the kernel refuses them. */
    private static final int[] OPTIONAL_FLAGS = {
        IORING_SETUP_NO_SQARRAY, IORING_SETUP_SUBMIT_ALL, IORING_SETUP_COOP_TASKRUN,
        // With COOP_TASKRUN, completions may wait as task work until we enter the kernel;
        // TASKRUN_FLAG makes the kernel say so (IORING_SQ_TASKRUN), so peekCqe knows to enter.
        IORING_SETUP_TASKRUN_FLAG, IORING_SETUP_CLAMP,
    };

    private static final VarHandle INT = JAVA_INT.varHandle();

    private final int ringFd;
    private final int setupFlags;
    private final int features;
    private final int sqEntries;
    private final int cqEntries;
    private final int cqMask;
    private final MemorySegment ringMem;
    private final MemorySegment cqMem;
    private final MemorySegment sqes;
    private final long sqHeadOff;
    private final long sqTailOff;
    private final long sqFlagsOff;
    private final long cqHeadOff;
    private final long cqTailOff;
    private final long cqesOff;
    private int cqHead;
    private boolean closed;

    private KernelRing(int ringFd, int setupFlags, MemorySegment params) throws SysException {
        this.ringFd = ringFd;
        this.setupFlags = setupFlags;
        this.features = params.get(JAVA_INT, Layouts.PARAMS_features);
        this.sqEntries = params.get(JAVA_INT, Layouts.PARAMS_sq_entries);
        this.cqEntries = params.get(JAVA_INT, Layouts.PARAMS_cq_entries);
        int sqArray = params.get(JAVA_INT, Layouts.sqOff("array"));
        int cqes = params.get(JAVA_INT, Layouts.cqOff("cqes"));
        boolean noSqArray = (setupFlags & IORING_SETUP_NO_SQARRAY) != 0;
        long sqSize = noSqArray ? 0 : sqArray + 4L * sqEntries;
        long cqSize = cqes + Layouts.CQE_SIZE * cqEntries;
        int prot = Linux.PROT_READ | Linux.PROT_WRITE;
        int flags = Linux.MAP_SHARED | Linux.MAP_POPULATE;
        MemorySegment sqRing = null;
        MemorySegment cqRing = null;
        MemorySegment sqeArray = null;
        try {
            if ((features & IORING_FEAT_SINGLE_MMAP) != 0) {
                sqRing = Sys.mmap("io_uring rings", Math.max(sqSize, cqSize), prot, flags, ringFd, IORING_OFF_SQ_RING);
                cqRing = sqRing;
            } else {
                sqRing = Sys.mmap("io_uring SQ ring", sqSize, prot, flags, ringFd, IORING_OFF_SQ_RING);
                cqRing = Sys.mmap("io_uring CQ ring", cqSize, prot, flags, ringFd, IORING_OFF_CQ_RING);
            }
            sqeArray = Sys.mmap("io_uring SQEs", Layouts.SQE_SIZE * sqEntries, prot, flags, ringFd, IORING_OFF_SQES);
        } catch (SysException e) {
            if (sqRing != null) {
                Sys.munmap(sqRing);
            }
            if (cqRing != null && cqRing != sqRing) {
                Sys.munmap(cqRing);
            }
            throw e;
        }
        this.ringMem = sqRing;
        this.cqMem = cqRing;
        this.sqes = sqeArray;
        this.sqHeadOff = params.get(JAVA_INT, Layouts.sqOff("head"));
        this.sqTailOff = params.get(JAVA_INT, Layouts.sqOff("tail"));
        this.sqFlagsOff = params.get(JAVA_INT, Layouts.sqOff("flags"));
        this.cqHeadOff = params.get(JAVA_INT, Layouts.cqOff("head"));
        this.cqTailOff = params.get(JAVA_INT, Layouts.cqOff("tail"));
        this.cqesOff = cqes;
        this.cqMask = cqRing.get(JAVA_INT, params.get(JAVA_INT, Layouts.cqOff("ring_mask")));
        if (!noSqArray) {
            // The indirection array maps SQ position to SQE index; spawnring keeps it the identity.
            for (int i = 0; i < sqEntries; i++) {
                ringMem.set(JAVA_INT, sqArray + 4L * i, i);
            }
        }
        this.cqHead = (int) INT.getAcquire(cqMem, cqHeadOff);
    }

    /**
     * Sets up a ring with the best flags this kernel accepts.
     *
     * @param extraFlags flags the caller insists on (e.g. {@code IORING_SETUP_SINGLE_ISSUER})
     * @throws SysException {@code io_uring_setup: EPERM (...)} and the like when io_uring is refused
     */
    static KernelRing open(int entries, int extraFlags) throws SysException {
        MemorySegment params = NativeMemory.calloc(Layouts.PARAMS.byteSize());
        try {
            int optional = 0;
            for (int f : OPTIONAL_FLAGS) {
                optional |= f;
            }
            while (true) {
                int flags = optional | extraFlags;
                params.fill((byte) 0);
                params.set(JAVA_INT, Layouts.PARAMS_flags, flags);
                int fd = (int) Sys.syscall(Sys.SYS_io_uring_setup, entries, params.address());
                if (fd == -Errno.EINVAL && optional != 0) {
                    // An older kernel: drop the newest optional flag and try again.
                    optional &= ~Integer.highestOneBit(optional);
                    continue;
                }
                Errno.check("io_uring_setup", fd);
                try {
                    return new KernelRing(fd, flags, params);
                } catch (SysException e) {
                    Sys.close(fd);
                    throw e;
                }
            }
        } finally {
            NativeMemory.free(params);
        }
    }

    @Override
    Backend backend() {
        return Backend.IO_URING;
    }

    @Override
    int sqEntries() {
        return sqEntries;
    }

    @Override
    int cqEntries() {
        return cqEntries;
    }

    @Override
    MemorySegment sqes() {
        return sqes;
    }

    @Override
    int sqHead() {
        return (int) INT.getAcquire(ringMem, sqHeadOff);
    }

    int ringFd() {
        return ringFd;
    }

    @Override
    int submit(int tail, int count, int waitNr) throws IOException {
        // Release: the SQEs written before this store are visible to the kernel after it.
        INT.setRelease(ringMem, sqTailOff, tail);
        int flags = waitNr > 0 ? IORING_ENTER_GETEVENTS : 0;
        if (count == 0 && waitNr == 0) {
            return 0;
        }
        while (true) {
            long r = enter(count, waitNr, flags);
            if (r == -Errno.EINTR) {
                continue;
            }
            if (r == -Errno.EBUSY || r == -Errno.EAGAIN) {
                // The CQ overflowed into the kernel's backlog: completions must be reaped first.
                return 0;
            }
            return (int) Errno.check("io_uring_enter", r);
        }
    }

    @Override
    boolean peek(RawCqe out) throws IOException {
        // Acquire: the CQE contents are visible once the tail that covers them is.
        int tail = (int) INT.getAcquire(cqMem, cqTailOff);
        if (tail == cqHead) {
            int sqFlags = (int) INT.getAcquire(ringMem, sqFlagsOff);
            if ((sqFlags & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN)) == 0) {
                return false;
            }
            // Completions wait in the kernel's overflow list or as task work: flush them.
            long r = enter(0, 0, IORING_ENTER_GETEVENTS);
            if (r < 0 && r != -Errno.EINTR && r != -Errno.EBUSY) {
                Errno.check("io_uring_enter", r);
            }
            tail = (int) INT.getAcquire(cqMem, cqTailOff);
            if (tail == cqHead) {
                return false;
            }
        }
        long at = cqesOff + Layouts.CQE_SIZE * (cqHead & cqMask);
        out.token = cqMem.get(JAVA_LONG, at + Layouts.CQE_user_data);
        out.res = cqMem.get(JAVA_INT, at + Layouts.CQE_res);
        out.flags = cqMem.get(JAVA_INT, at + Layouts.CQE_flags);
        return true;
    }

    @Override
    void advance() {
        cqHead++;
        // Release: the kernel may reuse the entry only after we are done reading it.
        INT.setRelease(cqMem, cqHeadOff, cqHead);
    }

    @Override
    void await() throws IOException {
        while (true) {
            long r = enter(0, 1, IORING_ENTER_GETEVENTS);
            if (r == -Errno.EINTR) {
                continue;
            }
            Errno.check("io_uring_enter", r);
            return;
        }
    }

    @Override
    int setupFlags() {
        return setupFlags;
    }

    @Override
    int features() {
        return features;
    }

    /** {@code IORING_REGISTER_PROBE}: which opcodes this kernel supports. */
    Probe probe() throws SysException {
        MemorySegment p = NativeMemory.calloc(Layouts.PROBE.byteSize());
        try {
            Errno.check("io_uring_register(IORING_REGISTER_PROBE)",
                    Sys.syscall(Sys.SYS_io_uring_register, ringFd, IORING_REGISTER_PROBE, p.address(), 256));
            int lastOp = Byte.toUnsignedInt(p.get(java.lang.foreign.ValueLayout.JAVA_BYTE, Layouts.PROBE_last_op));
            boolean[] supported = new boolean[256];
            for (int op = 0; op <= lastOp && op < 256; op++) {
                short f = p.get(java.lang.foreign.ValueLayout.JAVA_SHORT,
                        Layouts.PROBE_ops + Layouts.PROBE_OP.byteSize() * op + Layouts.PROBE_OP_flags);
                supported[op] = (f & IO_URING_OP_SUPPORTED) != 0;
            }
            return new Probe(lastOp, supported);
        } finally {
            NativeMemory.free(p);
        }
    }

    private long enter(int toSubmit, int minComplete, int flags) {
        return Sys.syscall(Sys.SYS_io_uring_enter, ringFd, toSubmit, minComplete, flags, 0L, 0L);
    }

    @Override
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        Sys.munmap(sqes);
        if (cqMem != ringMem) {
            Sys.munmap(cqMem);
        }
        Sys.munmap(ringMem);
        Sys.close(ringFd);
    }
}
