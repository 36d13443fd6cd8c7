package dev.spawnring.internal.ring;

import static dev.spawnring.uring.IoUring.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.spawnring.internal.spawn.ChildProgram;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import java.lang.foreign.MemorySegment;

/**
 * The io_uring spawn proposal's CLONE/EXEC contract, as a layer over a ring's backend.
 *
 * <p>{@link dev.spawnring.uring.Ring#submit} hands this class each link chain that holds
 * one of spawnring's private opcodes, before the backend sees it. Such a chain does not
 * reach the backend: this class runs it and posts each request's completion itself, in
 * chain order, into the ring's user-space completion list.
 * <ul>
 *   <li><b>Prep failure</b> (a CLONE that is not the head, has a non-zero field or no
 *       link flag, has clone flags other than {@code CLONE_FILES} and {@code CLONE_INTO_CGROUP},
 *       an {@code fd} without {@code CLONE_INTO_CGROUP}, or has
 *       {@code CLONE_FILES} without a CLOSE_RANGE with {@code CLOSE_RANGE_UNSHARE} right
 *       after it; an EXEC with {@code buf_index}, {@code len} or {@code file_index}; in a
 *       CLONE chain, a NOP with unknown {@code nop_flags} or a READ/WRITE with
 *       {@code buf_index}): the chain fails as the kernel fails a chain with a bad SQE,
 *       hardlinks or not: the failing request {@code -EINVAL}, every other one
 *       {@code -ECANCELED}. Nothing is cloned.</li>
 *   <li><b>A chain headed by CLONE</b>: every request after it becomes a step of a
 *       {@link ChildProgram}, which the child runs; the CLONE's result is the child's pid.</li>
 *   <li><b>Spawn ops outside a CLONE chain</b> fail {@code -EINVAL} when issued, with the
 *       usual link rules for what follows ({@code -ECANCELED} unless hardlinked).</li>
 * </ul>
 *
 * <p>The one difference from a kernel that had these opcodes: a chain outside a CLONE
 * that holds kernel requests other than plain NOPs (a READ linked before an EXEC, say)
 * needs the backend to run those requests. There, and only there, each spawn request is
 * rewritten into a NOP that injects {@code -EINVAL} (its link flags kept) and the chain
 * goes to the backend; on a kernel without {@code IORING_NOP_INJECT_RESULT}
 * ({@link RingBackend#nopInjectSupported}) the chain fails as a prep failure instead.
 */
public final class SpawnLayer {
    /** Where the layer posts the completions of the chains it runs. */
    @FunctionalInterface
    public interface Completions {
        void post(long userData, int res);
    }

    private static final int LINK_FLAGS = IOSQE_IO_LINK | IOSQE_IO_HARDLINK;

    private final RingBackend backend;

    public SpawnLayer(RingBackend backend) {
        this.backend = backend;
    }

    /** @return whether this SQE holds one of spawnring's private opcodes */
    public static boolean isSpawn(MemorySegment sqe) {
        return isSpawnOp(Layouts.opcode(sqe));
    }

    /**
     * Takes a chain that holds a spawn opcode.
     *
     * @return true when the chain was run here and each of its completions posted to
     *         {@code out} (it must not reach the backend); false when its spawn requests
     *         were rewritten in place for the backend to run with the rest of the chain
     */
    public boolean take(MemorySegment[] chain, Completions out) {
        int[] prepError = new int[chain.length];
        boolean failed = false;
        for (int i = 0; i < chain.length; i++) {
            prepError[i] = prepError(chain, i);
            failed |= prepError[i] != 0;
        }
        if (failed) {
            postPrepFailure(chain, prepError, out);
        } else if (Layouts.opcode(chain[0]) == IORING_OP_CLONE) {
            runClone(chain, out);
        } else if (onlyPlainNops(chain)) {
            runOutsideClone(chain, out);
        } else if (backend.nopInjectSupported()) {
            for (MemorySegment sqe : chain) {
                if (isSpawn(sqe)) {
                    rewriteAsFailingNop(sqe);
                }
            }
            return false;
        } else {
            for (int i = 0; i < chain.length; i++) {
                prepError[i] = isSpawn(chain[i]) ? -Errno.EINVAL : 0;
            }
            postPrepFailure(chain, prepError, out);
        }
        return true;
    }

    /** The error the proposal's prep functions give the SQE at {@code i}, or 0. */
    private static int prepError(MemorySegment[] chain, int i) {
        MemorySegment sqe = chain[i];
        boolean inCloneChain = Layouts.opcode(chain[0]) == IORING_OP_CLONE;
        boolean bad = switch (Layouts.opcode(sqe)) {
            case IORING_OP_CLONE -> i != 0
                    || (Layouts.flags(sqe) & LINK_FLAGS) == 0
                    || (Layouts.fd(sqe) != 0 && (Layouts.off(sqe) & Linux.CLONE_INTO_CGROUP) == 0)
                    || Layouts.fd(sqe) < 0 || Layouts.ioprio(sqe) != 0 || Layouts.addr3(sqe) != 0
                    || Layouts.len(sqe) != 0 || Layouts.opFlags(sqe) != 0 || Layouts.bufIndex(sqe) != 0
                    || Layouts.fileIndex(sqe) != 0
                    || !cloneFlagsAllowed(chain);
            case IORING_OP_EXEC -> Layouts.bufIndex(sqe) != 0 || Layouts.len(sqe) != 0 || Layouts.fileIndex(sqe) != 0;
            // In a CLONE chain spawnring preps the kernel ops too, with the kernel's rules.
            case IORING_OP_NOP -> inCloneChain && (Layouts.opFlags(sqe) & ~IORING_NOP_INJECT_RESULT) != 0;
            case IORING_OP_READ, IORING_OP_WRITE -> inCloneChain && Layouts.bufIndex(sqe) != 0;
            default -> false;
        };
        return bad ? -Errno.EINVAL : 0;
    }

    /**
     * The CLONE's flags ({@code addr2}) are 0, or {@code CLONE_FILES} with a first step that
     * unshares the fd table (until it has, the child would dup2 and close the submitter's
     * fds); either with {@code CLONE_INTO_CGROUP} (the cgroup's fd in {@code fd}).
     */
    private static boolean cloneFlagsAllowed(MemorySegment[] chain) {
        long flags = Layouts.off(chain[0]) & ~Linux.CLONE_INTO_CGROUP;
        if (flags == 0) {
            return true;
        }
        return flags == Linux.CLONE_FILES && chain.length > 1
                && Layouts.opcode(chain[1]) == IORING_OP_CLOSE_RANGE
                && (Layouts.opFlags(chain[1]) & Linux.CLOSE_RANGE_UNSHARE) != 0;
    }

    /** io_submit_fail_init: each failing request posts its error, every other one -ECANCELED. */
    private static void postPrepFailure(MemorySegment[] chain, int[] prepError, Completions out) {
        for (int i = 0; i < chain.length; i++) {
            out.post(Layouts.userData(chain[i]), prepError[i] != 0 ? prepError[i] : -Errno.ECANCELED);
        }
    }

    private static void runClone(MemorySegment[] chain, Completions out) {
        int[] results = new int[chain.length];
        try (ChildProgram program = new ChildProgram(Math.max(1, chain.length - 1))) {
            for (int i = 1; i < chain.length; i++) {
                addStep(program, chain[i]);
            }
            long pidfdAddr = Layouts.addr(chain[0]);
            MemorySegment pidfdOut = pidfdAddr == 0 ? null : MemorySegment.ofAddress(pidfdAddr).reinterpret(4);
            results[0] = program.run(pidfdOut, Layouts.off(chain[0]), Layouts.fd(chain[0]));
            for (int i = 1; i < chain.length; i++) {
                results[i] = program.result(i - 1);
            }
        }
        for (int i = 0; i < chain.length; i++) {
            out.post(Layouts.userData(chain[i]), results[i]);
        }
    }

    /** One request linked after the CLONE, as the step the child runs. */
    private static void addStep(ChildProgram p, MemorySegment sqe) {
        boolean hard = (Layouts.flags(sqe) & IOSQE_IO_HARDLINK) != 0;
        int fd = Layouts.fd(sqe);
        int len = Layouts.len(sqe);
        int opFlags = Layouts.opFlags(sqe);
        switch (Layouts.opcode(sqe)) {
            case IORING_OP_NOP -> p.nop((opFlags & IORING_NOP_INJECT_RESULT) != 0 ? len : 0, hard);
            case IORING_OP_OPENAT -> p.openat(fd, ptr(Layouts.addr(sqe)), opFlags, len, hard);
            case IORING_OP_CLOSE -> p.closeFd(fd, hard);
            case IORING_OP_READ -> p.read(fd, ptr(Layouts.addr(sqe)), Integer.toUnsignedLong(len), Layouts.off(sqe),
                    hard);
            case IORING_OP_WRITE -> p.write(fd, ptr(Layouts.addr(sqe)), Integer.toUnsignedLong(len), Layouts.off(sqe),
                    hard);
            case IORING_OP_DUP2 -> p.dup2(fd, len, opFlags, hard);
            case IORING_OP_CLOSE_RANGE -> p.closeRange(fd, len, opFlags, hard);
            case IORING_OP_CHDIR -> p.chdir(ptr(Layouts.addr(sqe)), hard);
            case IORING_OP_FCHDIR -> p.fchdir(fd, hard);
            case IORING_OP_SETSID -> p.setsid(hard);
            case IORING_OP_SETPGID -> p.setpgid(len, hard);
            case IORING_OP_UMASK -> p.umask(len, hard);
            case IORING_OP_SETRLIMIT -> p.setrlimit(len, Layouts.addr(sqe), Layouts.off(sqe), hard);
            case IORING_OP_SIGDEFAULT -> p.sigDefault(hard);
            case IORING_OP_SIGMASK -> p.sigMask(len, Layouts.addr(sqe), hard);
            case IORING_OP_PDEATHSIG -> p.pdeathsig(len, hard);
            case IORING_OP_EXEC -> p.exec(fd, ptr(Layouts.addr(sqe)), ptr(Layouts.off(sqe)), ptr(Layouts.addr3(sqe)),
                    opFlags, hard);
            default -> p.fail(-Errno.EOPNOTSUPP, hard);
        }
    }

    private static MemorySegment ptr(long address) {
        return MemorySegment.ofAddress(address);
    }

    /**
     * Whether every request that is not a spawn op is a NOP this class can complete as the
     * kernel would: no {@code IOSQE_*} flag but the link ones, no {@code nop_flags} but
     * {@code IORING_NOP_INJECT_RESULT}, no {@code ioprio} or {@code personality}.
     */
    private static boolean onlyPlainNops(MemorySegment[] chain) {
        for (MemorySegment sqe : chain) {
            if (isSpawn(sqe)) {
                continue;
            }
            if (Layouts.opcode(sqe) != IORING_OP_NOP || (Layouts.flags(sqe) & ~LINK_FLAGS) != 0
                    || (Layouts.opFlags(sqe) & ~IORING_NOP_INJECT_RESULT) != 0
                    || Layouts.ioprio(sqe) != 0 || Layouts.personality(sqe) != 0) {
                return false;
            }
        }
        return true;
    }

    /** A chain of spawn ops and plain NOPs outside a CLONE: spawn ops fail -EINVAL, with the link rules. */
    private static void runOutsideClone(MemorySegment[] chain, Completions out) {
        boolean cancelled = false;
        for (MemorySegment sqe : chain) {
            int res;
            if (cancelled) {
                res = -Errno.ECANCELED;
            } else if (isSpawn(sqe)) {
                res = -Errno.EINVAL;
            } else {
                res = (Layouts.opFlags(sqe) & IORING_NOP_INJECT_RESULT) != 0 ? Layouts.len(sqe) : 0;
            }
            out.post(Layouts.userData(sqe), res);
            cancelled |= res < 0 && (Layouts.flags(sqe) & IOSQE_IO_HARDLINK) == 0;
        }
    }

    /** Turns a spawn SQE into a NOP that injects -EINVAL, keeping its link flags and user_data. */
    private static void rewriteAsFailingNop(MemorySegment sqe) {
        long userData = Layouts.userData(sqe);
        int flags = Layouts.flags(sqe) & LINK_FLAGS;
        sqe.fill((byte) 0);
        sqe.set(JAVA_BYTE, Layouts.SQE_opcode, (byte) IORING_OP_NOP);
        sqe.set(JAVA_BYTE, Layouts.SQE_flags, (byte) flags);
        sqe.set(JAVA_INT, Layouts.SQE_fd, -1);
        sqe.set(JAVA_INT, Layouts.SQE_op_flags, IORING_NOP_INJECT_RESULT);
        sqe.set(JAVA_INT, Layouts.SQE_len, -Errno.EINVAL);
        sqe.set(JAVA_LONG, Layouts.SQE_user_data, userData);
    }
}
