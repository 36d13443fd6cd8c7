package dev.spawnring.internal.ring;

import static dev.spawnring.uring.IoUring.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.internal.sys.SysException;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * io_uring itself: {@code io_uring_setup}, the mmap'd SQ/CQ rings and SQE array,
 * {@code io_uring_enter}. Never with {@code IORING_SETUP_SQPOLL}: the kernel reads the
 * SQEs in {@code io_uring_enter}, so they are consumed when {@link #submit} returns.
 *
 * <h2>Memory order</h2>
 * The rings are shared with the kernel, which pairs its accesses with these (one
 * vocabulary, {@link VarHandle}'s):
 * <ul>
 *   <li>SQ tail: {@code setRelease}, so the SQEs written before it are visible to the
 *       kernel once the tail that covers them is;</li>
 *   <li>SQ head: {@code getAcquire}, pairing with the kernel's release store once it has
 *       read the SQEs before it (their slots may then be written again);</li>
 *   <li>CQ tail: {@code getAcquire}, so the CQEs before it are visible once it is;</li>
 *   <li>CQ head: {@code setRelease} after the CQE was copied, so the kernel reuses the
 *       entry only once we are done reading it;</li>
 *   <li>SQ flags: {@code getOpaque}, a hint ({@code IORING_SQ_CQ_OVERFLOW},
 *       {@code IORING_SQ_TASKRUN}) acted on through a system call.</li>
 * </ul>
 */
public final class KernelRing implements RingBackend {
    /** Setup flags tried first, newest features dropped one by one where the kernel refuses them. */
    private static final int[] OPTIONAL_FLAGS = {
        IORING_SETUP_NO_SQARRAY, IORING_SETUP_SUBMIT_ALL, IORING_SETUP_COOP_TASKRUN,
        // With COOP_TASKRUN, completions may wait as task work until we enter the kernel;
        // TASKRUN_FLAG makes the kernel say so (IORING_SQ_TASKRUN), so peekCqe knows to enter.
        IORING_SETUP_TASKRUN_FLAG, IORING_SETUP_CLAMP,
    };

    private static final VarHandle INT = JAVA_INT.varHandle();
    /** The result {@link #nopInjectSupported} asks a NOP to inject. */
    private static final int INJECT_PROBE = 0x5eed;

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
    /** {@link #nopInjectSupported}: 0 not asked yet, 1 yes, -1 no. */
    private int nopInject;
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
    public static KernelRing open(int entries, int extraFlags) throws SysException {
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
    public Backend backend() {
        return Backend.IO_URING;
    }

    @Override
    public int sqEntries() {
        return sqEntries;
    }

    @Override
    public int cqEntries() {
        return cqEntries;
    }

    @Override
    public MemorySegment sqes() {
        return sqes;
    }

    @Override
    public int sqHead() {
        // Acquire: pairs with the kernel's release store of the head once it has read the SQEs.
        return (int) INT.getAcquire(ringMem, sqHeadOff);
    }

    @Override
    public int submit(int tail, int waitNr) throws IOException {
        int pending = tail - sqHead();
        // Release: the SQEs written before this store are visible to the kernel after it.
        INT.setRelease(ringMem, sqTailOff, tail);
        if (pending == 0 && waitNr == 0) {
            return 0;
        }
        int flags = waitNr > 0 ? IORING_ENTER_GETEVENTS : 0;
        while (true) {
            long r = enter(pending, waitNr, flags);
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
    public boolean peek(RawCqe out) throws IOException {
        // Acquire: the CQE contents are visible once the tail that covers them is.
        int tail = (int) INT.getAcquire(cqMem, cqTailOff);
        if (tail == cqHead) {
            // Opaque: a hint; the system call below is what orders anything after it.
            int sqFlags = (int) INT.getOpaque(ringMem, sqFlagsOff);
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
        out.userData = cqMem.get(JAVA_LONG, at + Layouts.CQE_user_data);
        out.res = cqMem.get(JAVA_INT, at + Layouts.CQE_res);
        out.flags = cqMem.get(JAVA_INT, at + Layouts.CQE_flags);
        return true;
    }

    @Override
    public void advance() {
        cqHead++;
        // Release: the kernel may reuse the entry only after we are done reading it.
        INT.setRelease(cqMem, cqHeadOff, cqHead);
    }

    @Override
    public void await() throws IOException {
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
    public int setupFlags() {
        return setupFlags;
    }

    @Override
    public int features() {
        return features;
    }

    /** {@code IORING_REGISTER_PROBE}: which opcodes this kernel supports. */
    @Override
    public OpProbe probe() throws SysException {
        MemorySegment p = NativeMemory.calloc(Layouts.PROBE.byteSize());
        try {
            Errno.check("io_uring_register(IORING_REGISTER_PROBE)",
                    Sys.syscall(Sys.SYS_io_uring_register, ringFd, IORING_REGISTER_PROBE, p.address(),
                            Layouts.PROBE_OPS));
            int lastOp = Byte.toUnsignedInt(p.get(JAVA_BYTE, Layouts.PROBE_last_op));
            boolean[] supported = new boolean[Layouts.PROBE_OPS];
            for (int op = 0; op <= lastOp && op < Layouts.PROBE_OPS; op++) {
                long at = Layouts.PROBE_ops + Layouts.PROBE_OP.byteSize() * op;
                short f = p.get(JAVA_SHORT, at + Layouts.PROBE_OP_flags);
                supported[op] = (f & IO_URING_OP_SUPPORTED) != 0;
            }
            return new OpProbe(lastOp, supported);
        } finally {
            NativeMemory.free(p);
        }
    }

    /**
     * Asked once per ring, the first time it matters: one NOP with
     * {@code IORING_NOP_INJECT_RESULT} on a ring of its own (this ring's CQ is the caller's),
     * which must complete with the result it injects.
     */
    @Override
    public boolean nopInjectSupported() {
        if (nopInject == 0) {
            nopInject = injectsResult() ? 1 : -1;
        }
        return nopInject > 0;
    }

    private static boolean injectsResult() {
        KernelRing k;
        try {
            k = open(1, 0);
        } catch (SysException e) {
            return false;
        }
        try {
            MemorySegment sqe = k.sqes.asSlice(0, Layouts.SQE_SIZE);
            sqe.fill((byte) 0);
            sqe.set(JAVA_BYTE, Layouts.SQE_opcode, (byte) IORING_OP_NOP);
            sqe.set(JAVA_INT, Layouts.SQE_op_flags, IORING_NOP_INJECT_RESULT);
            sqe.set(JAVA_INT, Layouts.SQE_len, INJECT_PROBE);
            RawCqe cqe = new RawCqe();
            return k.submit(k.sqHead() + 1, 1) == 1 && k.peek(cqe) && cqe.res == INJECT_PROBE;
        } catch (IOException e) {
            return false;
        } finally {
            k.close();
        }
    }

    private long enter(int toSubmit, int minComplete, int flags) {
        return Sys.syscall(Sys.SYS_io_uring_enter, ringFd, toSubmit, minComplete, flags, 0L, 0L);
    }

    @Override
    public void close() {
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
