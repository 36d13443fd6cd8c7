package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.internal.spawn.ChildProgram;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import java.lang.foreign.MemorySegment;

/**
 * The io_uring spawn proposal's CLONE/EXEC contract, run in user space.
 *
 * <p>{@link Ring#submit} hands this class every chain that holds one of spawnring's
 * private opcodes, after the chain's SQEs got their tokens and before the backend
 * sees them. This class runs what must run here and rewrites each SQE into a plain
 * NOP whose completion carries the contract's result, so that both backends post
 * the completions through their ordinary path, in chain order:
 * <ul>
 *   <li><b>Prep failure</b> (a CLONE that is not the head, has a non-zero field or no
 *       link flag, has clone flags other than {@code CLONE_FILES}, or has
 *       {@code CLONE_FILES} without a CLOSE_RANGE with {@code CLOSE_RANGE_UNSHARE} right
 *       after it; an EXEC with {@code buf_index}, {@code len} or {@code file_index}):
 *       the failing SQE becomes a NOP the kernel rejects at prep ({@code -EINVAL}),
 *       other spawn ops plain linked NOPs, kernel ops stay: the kernel then fails the
 *       whole chain exactly as it fails a chain with a bad SQE ({@code -ECANCELED} for
 *       the rest, hardlinks or not). Nothing is cloned.</li>
 *   <li><b>A chain headed by CLONE</b>: every request after it becomes a step of a
 *       {@link ChildProgram}; the child runs them, and every SQE of the chain becomes
 *       a stand-alone NOP that injects its result: the CLONE's is the child's pid.</li>
 *   <li><b>Spawn ops outside a CLONE chain</b> fail when issued: each becomes a NOP
 *       injecting {@code -EINVAL} with its link flags kept, so the kernel applies the
 *       usual link rules to the chain around it.</li>
 * </ul>
 */
final class SpawnContract {
    /** A {@code nop_flags} bit no kernel knows: the kernel's NOP prep answers {@code -EINVAL}. */
    static final int NOP_FLAGS_PREP_FAILURE = 1 << 31;

    private static final int LINK_FLAGS = IOSQE_IO_LINK | IOSQE_IO_HARDLINK;

    private SpawnContract() {
    }

    static void run(Sqe[] chain) {
        int[] prepError = new int[chain.length];
        boolean failed = false;
        for (int i = 0; i < chain.length; i++) {
            prepError[i] = prepError(chain, i);
            failed |= prepError[i] != 0;
        }
        if (failed) {
            for (int i = 0; i < chain.length; i++) {
                if (prepError[i] != 0) {
                    rewrite(chain[i], NOP_FLAGS_PREP_FAILURE, 0, chain[i].flags() & LINK_FLAGS);
                } else if (isSpawnOp(chain[i].opcode())) {
                    rewrite(chain[i], 0, 0, chain[i].flags() & LINK_FLAGS);
                }
            }
            return;
        }
        if (chain[0].opcode() == IORING_OP_CLONE) {
            runClone(chain);
            return;
        }
        for (Sqe sqe : chain) {
            if (isSpawnOp(sqe.opcode())) {
                rewrite(sqe, IORING_NOP_INJECT_RESULT, -Errno.EINVAL, sqe.flags() & LINK_FLAGS);
            }
        }
    }

    /** The error the proposal's prep functions give this SQE, or 0. */
    private static int prepError(Sqe[] chain, int i) {
        Sqe sqe = chain[i];
        boolean inCloneChain = chain[0].opcode() == IORING_OP_CLONE;
        return switch (sqe.opcode()) {
            case IORING_OP_CLONE -> i != 0
                    || (sqe.flags() & LINK_FLAGS) == 0
                    || sqe.fd() != 0 || sqe.ioprio() != 0 || sqe.addr3() != 0
                    || sqe.len() != 0 || sqe.rwFlags() != 0 || sqe.bufIndex() != 0 || sqe.fileIndex() != 0
                    || !cloneFlagsAllowed(chain)
                    ? -Errno.EINVAL : 0;
            case IORING_OP_EXEC -> sqe.bufIndex() != 0 || sqe.len() != 0 || sqe.fileIndex() != 0 ? -Errno.EINVAL : 0;
            // In a CLONE chain spawnring preps the kernel ops too, with the kernel's rules.
            case IORING_OP_NOP -> inCloneChain && (sqe.rwFlags() & ~IORING_NOP_INJECT_RESULT) != 0 ? -Errno.EINVAL : 0;
            case IORING_OP_READ, IORING_OP_WRITE -> inCloneChain && sqe.bufIndex() != 0 ? -Errno.EINVAL : 0;
            default -> 0;
        };
    }

    /**
     * The CLONE's flags ({@code addr2}) are 0, or {@code CLONE_FILES} with a first step that
     * unshares the fd table: until it has, the child would dup2 and close the submitter's fds.
     */
    private static boolean cloneFlagsAllowed(Sqe[] chain) {
        long flags = chain[0].addr2();
        if (flags == 0) {
            return true;
        }
        return flags == Linux.CLONE_FILES && chain.length > 1
                && chain[1].opcode() == IORING_OP_CLOSE_RANGE
                && (chain[1].rwFlags() & Linux.CLOSE_RANGE_UNSHARE) != 0;
    }

    private static void runClone(Sqe[] chain) {
        int[] results = new int[chain.length];
        try (ChildProgram program = new ChildProgram(Math.max(1, chain.length - 1))) {
            for (int i = 1; i < chain.length; i++) {
                addStep(program, chain[i]);
            }
            long pidfdAddr = chain[0].addr();
            MemorySegment pidfdOut = pidfdAddr == 0 ? null : MemorySegment.ofAddress(pidfdAddr).reinterpret(4);
            results[0] = program.run(pidfdOut, chain[0].addr2());
            for (int i = 1; i < chain.length; i++) {
                results[i] = program.result(i - 1);
            }
        }
        for (int i = 0; i < chain.length; i++) {
            rewrite(chain[i], IORING_NOP_INJECT_RESULT, results[i], 0);
        }
    }

    /** One request linked after the CLONE, as the step the child runs. */
    private static void addStep(ChildProgram p, Sqe sqe) {
        boolean hard = (sqe.flags() & IOSQE_IO_HARDLINK) != 0;
        switch (sqe.opcode()) {
            case IORING_OP_NOP -> p.nop((sqe.rwFlags() & IORING_NOP_INJECT_RESULT) != 0 ? sqe.len() : 0, hard);
            case IORING_OP_OPENAT -> p.openat(sqe.fd(), ptr(sqe.addr()), sqe.rwFlags(), sqe.len(), hard);
            case IORING_OP_CLOSE -> p.closeFd(sqe.fd(), hard);
            case IORING_OP_READ -> p.read(sqe.fd(), ptr(sqe.addr()), Integer.toUnsignedLong(sqe.len()), sqe.off(), hard);
            case IORING_OP_WRITE -> p.write(sqe.fd(), ptr(sqe.addr()), Integer.toUnsignedLong(sqe.len()), sqe.off(), hard);
            case IORING_OP_DUP2 -> p.dup2(sqe.fd(), sqe.len(), sqe.rwFlags(), hard);
            case IORING_OP_CLOSE_RANGE -> p.closeRange(sqe.fd(), sqe.len(), sqe.rwFlags(), hard);
            case IORING_OP_CHDIR -> p.chdir(ptr(sqe.addr()), hard);
            case IORING_OP_FCHDIR -> p.fchdir(sqe.fd(), hard);
            case IORING_OP_SETSID -> p.setsid(hard);
            case IORING_OP_SETPGID -> p.setpgid(sqe.len(), hard);
            case IORING_OP_UMASK -> p.umask(sqe.len(), hard);
            case IORING_OP_SETRLIMIT -> p.setrlimit(sqe.len(), sqe.addr(), sqe.off(), hard);
            case IORING_OP_SIGDEFAULT -> p.sigDefault(hard);
            case IORING_OP_SIGMASK -> p.sigMask(sqe.len(), sqe.addr(), hard);
            case IORING_OP_PDEATHSIG -> p.pdeathsig(sqe.len(), hard);
            case IORING_OP_EXEC -> p.exec(sqe.fd(), ptr(sqe.addr()), ptr(sqe.off()), ptr(sqe.addr3()),
                    sqe.rwFlags(), hard);
            default -> p.fail(-Errno.EOPNOTSUPP, hard);
        }
    }

    private static MemorySegment ptr(long address) {
        return MemorySegment.ofAddress(address);
    }

    /** Turns {@code sqe} into a NOP with the given flags and result, keeping its token. */
    private static void rewrite(Sqe sqe, int nopFlags, int res, int sqeFlags) {
        long token = sqe.userData();
        sqe.seg.fill((byte) 0);
        sqe.prepNop().nopFlags(nopFlags).len(res).flags(sqeFlags).userData(token);
    }
}
