package dev.spawnring.internal.process;

import static dev.spawnring.uring.IoUring.AT_FDCWD;
import static dev.spawnring.uring.IoUring.IORING_OP_CHDIR;

import dev.spawnring.internal.spawn.ChildProgram;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.uring.Sqe;
import java.lang.foreign.MemorySegment;

/**
 * One step of a {@link Launch}'s chain, as data: what it does and with what, prepped into an
 * SQE for the ring or added to a {@link ChildProgram} for a clone on the caller's thread, and
 * named (only when it failed) in the error.
 *
 * <p>Data and a {@code switch} on an int rather than a pair of lambdas per step: a cold JVM
 * spins a class for every distinct lambda, and a first spawn would pay for each of them.
 */
final class ChainStep {
    private static final int CLOSE_RANGE = 0;
    private static final int DUP2 = 1;
    private static final int CHDIR = 2;
    private static final int SETSID = 3;
    private static final int SETPGID = 4;
    private static final int UMASK = 5;
    private static final int SETRLIMIT = 6;
    private static final int SIG_DEFAULT = 7;
    private static final int SIG_MASK = 8;
    private static final int PDEATHSIG = 9;
    private static final int EXEC = 10;

    private final int op;
    private final int a;
    private final long b;
    private final long c;
    private final MemorySegment path;
    private final MemorySegment argv;
    private final MemorySegment envp;
    /** What the label names besides the op: the directory as the caller gave it, or null. */
    private final Object shown;

    private ChainStep(int op, int a, long b, long c, MemorySegment path, MemorySegment argv, MemorySegment envp,
            Object shown) {
        this.op = op;
        this.a = a;
        this.b = b;
        this.c = c;
        this.path = path;
        this.argv = argv;
        this.envp = envp;
        this.shown = shown;
    }

    /** {@code close_range(first, ~0, flags)}. */
    static ChainStep closeRange(int first, int flags) {
        return new ChainStep(CLOSE_RANGE, first, flags, 0, null, null, null, null);
    }

    /** {@code dup2(source, target)}. */
    static ChainStep dup2(int source, int target) {
        return new ChainStep(DUP2, source, target, 0, null, null, null, null);
    }

    /** {@code chdir(path)}; {@code shown} (or nothing, when null) names it in an error. */
    static ChainStep chdir(MemorySegment path, Object shown) {
        return new ChainStep(CHDIR, 0, 0, 0, path, null, null, shown);
    }

    /** {@code setsid()}. */
    static ChainStep setsid() {
        return new ChainStep(SETSID, 0, 0, 0, null, null, null, null);
    }

    /** {@code setpgid(0, pgid)}. */
    static ChainStep setpgid(int pgid) {
        return new ChainStep(SETPGID, pgid, 0, 0, null, null, null, null);
    }

    /** {@code umask(mask)}. */
    static ChainStep umask(int mask) {
        return new ChainStep(UMASK, mask, 0, 0, null, null, null, null);
    }

    /** {@code setrlimit(resource, {soft, hard})}. */
    static ChainStep setrlimit(int resource, long soft, long hard) {
        return new ChainStep(SETRLIMIT, resource, soft, hard, null, null, null, null);
    }

    /** Every signal's disposition back to its default. */
    static ChainStep signalDefaults() {
        return new ChainStep(SIG_DEFAULT, 0, 0, 0, null, null, null, null);
    }

    /** An empty signal mask. */
    static ChainStep clearSignalMask() {
        return new ChainStep(SIG_MASK, 0, 0, 0, null, null, null, null);
    }

    /** {@code prctl(PR_SET_PDEATHSIG, signal)}. */
    static ChainStep pdeathsig(int signal) {
        return new ChainStep(PDEATHSIG, signal, 0, 0, null, null, null, null);
    }

    /** {@code execveat(AT_FDCWD, path, argv, envp, flags)}: one candidate. */
    static ChainStep exec(MemorySegment path, MemorySegment argv, MemorySegment envp, int flags) {
        return new ChainStep(EXEC, flags, 0, 0, path, argv, envp, null);
    }

    /** Preps this step into {@code sqe}, for the ring. */
    void prep(Sqe sqe) {
        switch (op) {
            case CLOSE_RANGE -> sqe.prepCloseRange(a, ~0, (int) b);
            case DUP2 -> sqe.prepDup2(a, (int) b);
            case CHDIR -> sqe.prepRw(IORING_OP_CHDIR, 0, path.address(), 0, 0);
            case SETSID -> sqe.prepSetsid();
            case SETPGID -> sqe.prepSetpgid(a);
            case UMASK -> sqe.prepUmask(a);
            case SETRLIMIT -> sqe.prepSetrlimit(a, b, c);
            case SIG_DEFAULT -> sqe.prepSignalDefaults();
            case SIG_MASK -> sqe.prepSigmask(Linux.SIG_SETMASK, 0);
            case PDEATHSIG -> sqe.prepPdeathsig(a);
            case EXEC -> sqe.prepExecveat(AT_FDCWD, path, argv, envp, a);
            default -> throw new IllegalStateException("no chain step " + op);
        }
    }

    /** Adds this step to {@code program}, for a clone on the caller's thread. */
    void addTo(ChildProgram program, boolean hardlink) {
        switch (op) {
            case CLOSE_RANGE -> program.closeRange(a, ~0, (int) b, hardlink);
            case DUP2 -> program.dup2(a, (int) b, 0, hardlink);
            case CHDIR -> program.chdir(path, hardlink);
            case SETSID -> program.setsid(hardlink);
            case SETPGID -> program.setpgid(a, hardlink);
            case UMASK -> program.umask(a, hardlink);
            case SETRLIMIT -> program.setrlimit(a, b, c, hardlink);
            case SIG_DEFAULT -> program.sigDefault(hardlink);
            case SIG_MASK -> program.sigMask(Linux.SIG_SETMASK, 0, hardlink);
            case PDEATHSIG -> program.pdeathsig(a, hardlink);
            case EXEC -> program.exec(AT_FDCWD, path, argv, envp, a, hardlink);
            default -> throw new IllegalStateException("no chain step " + op);
        }
    }

    /** @return the step as an error names it, e.g. {@code dup2 7 -> 1 (stdout)} */
    String label() {
        return switch (op) {
            case CLOSE_RANGE -> b == Linux.CLOSE_RANGE_UNSHARE ? "close_range " + a + ".. (unshare the fd table)"
                    : "close_range " + a + "..";
            case DUP2 -> "dup2 " + a + " -> " + b + (b == 0 ? " (stdin)" : b == 1 ? " (stdout)" : b == 2 ? " (stderr)" : "");
            case CHDIR -> shown == null ? "chdir" : "chdir " + shown;
            case SETSID -> "setsid";
            case SETPGID -> "setpgid " + a;
            case UMASK -> "umask 0" + Integer.toOctalString(a);
            case SETRLIMIT -> "setrlimit " + a + " " + b + " " + c;
            case SIG_DEFAULT -> "reset signal dispositions";
            case SIG_MASK -> "clear signal mask";
            case PDEATHSIG -> "prctl PR_SET_PDEATHSIG " + a;
            case EXEC -> "exec";
            default -> "step " + op;
        };
    }
}
