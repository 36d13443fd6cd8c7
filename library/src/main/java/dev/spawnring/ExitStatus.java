package dev.spawnring;

import dev.spawnring.internal.sys.Linux;
import dev.spawnring.uring.IoUring;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * How a child ended: it exited with a code, or a signal killed it; whether its
 * {@link Command#timeout timeout} had fired by then; and, for a child started in a cgroup of
 * its own ({@link Command#inNewCgroup()}), what its whole tree used.
 *
 * <p>Equality is about how the child ended: {@code code}, {@code signal} and
 * {@code coreDumped}. {@code timedOut} says why and {@code usage} what it cost; both are left
 * out of {@link #equals} and {@link #hashCode}, so {@code ExitStatus.killed(Signal.SIGTERM)}
 * equals the status of a child that a timeout's SIGTERM killed.
 *
 * @param code       the exit code (0-255) when it exited, else -1
 * @param signal     the signal that killed it, else 0
 * @param coreDumped whether the kill left a core dump
 * @param timedOut   whether the command's timeout fired (its SIGTERM was sent) before the child ended
 * @param usage      what the child's cgroup had used when the child exited, or null when it had none
 */
public record ExitStatus(int code, int signal, boolean coreDumped, boolean timedOut, TreeUsage usage) {
    /**
     * The status of a child that had no cgroup of its own.
     *
     * @param code       the exit code (0-255) when it exited, else -1
     * @param signal     the signal that killed it, else 0
     * @param coreDumped whether the kill left a core dump
     * @param timedOut   whether the command's timeout fired before the child ended
     */
    public ExitStatus(int code, int signal, boolean coreDumped, boolean timedOut) {
        this(code, signal, coreDumped, timedOut, null);
    }

    /**
     * The status of a child that ended without a timeout firing.
     *
     * @param code       the exit code (0-255) when it exited, else -1
     * @param signal     the signal that killed it, else 0
     * @param coreDumped whether the kill left a core dump
     */
    public ExitStatus(int code, int signal, boolean coreDumped) {
        this(code, signal, coreDumped, false);
    }

    /**
     * Returns the status of a child that exited with {@code code}, no timeout having fired.
     *
     * @param code an exit code, 0-255
     * @return the status
     */
    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0, false);
    }

    /**
     * Returns the status of a child that {@code signal} killed without a core dump, no timeout
     * having fired.
     *
     * @param signal a signal number ({@link Signal})
     * @return the status
     */
    public static ExitStatus killed(int signal) {
        return new ExitStatus(-1, signal, false);
    }

    /**
     * Reads the status from a {@code siginfo_t} that {@code waitid(WEXITED)} (or an io_uring
     * WAITID) has filled, for code that reaps its own children from the ring.
     *
     * @param siginfo at least {@link IoUring#SIGINFO_SIZE} bytes
     * @return how the child ended
     * @throws IllegalArgumentException when its {@code si_code} is not an exit
     */
    public static ExitStatus fromSiginfo(MemorySegment siginfo) {
        return fromSiginfo(siginfo.get(ValueLayout.JAVA_INT, Linux.SI_CODE),
                siginfo.get(ValueLayout.JAVA_INT, Linux.SI_STATUS));
    }

    /** From {@code siginfo_t}'s {@code si_code} and {@code si_status} as {@code waitid} fills them. */
    static ExitStatus fromSiginfo(int siCode, int siStatus) {
        return switch (siCode) {
            case Linux.CLD_EXITED -> exited(siStatus);
            case Linux.CLD_KILLED -> killed(siStatus);
            case Linux.CLD_DUMPED -> new ExitStatus(-1, siStatus, true);
            default -> throw new IllegalArgumentException("not an exit: si_code " + siCode);
        };
    }

    /**
     * Returns whether the child exited, rather than being killed by a signal.
     *
     * @return true when {@link #signal()} is 0
     */
    public boolean exited() {
        return signal == 0;
    }

    /**
     * Returns whether a signal killed the child.
     *
     * @return true when {@link #signal()} is not 0
     */
    public boolean signaled() {
        return signal != 0;
    }

    /**
     * Returns whether the child exited with code 0, whether or not its timeout had fired: a
     * child that heeds the timeout's SIGTERM and exits 0 succeeded (see {@link #timedOut()}).
     *
     * @return true for exit code 0
     */
    public boolean success() {
        return signal == 0 && code == 0;
    }

    /**
     * The number a shell would show: the code, or 128 + the signal, as
     * {@code Process.exitValue()} reports for a killed process.
     *
     * @return the code, or 128 + the signal
     */
    public int exitValue() {
        return signal == 0 ? code : 128 + signal;
    }

    /**
     * Compares how the children ended: code, signal and core dump, not {@link #timedOut()}.
     *
     * @param o the object to compare with
     * @return true when {@code o} is an {@code ExitStatus} with the same code, signal and core dump
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof ExitStatus s && s.code == code && s.signal == signal && s.coreDumped == coreDumped;
    }

    @Override
    public int hashCode() {
        return (code * 31 + signal) * 2 + (coreDumped ? 1 : 0);
    }

    /**
     * Describes how the child ended.
     *
     * @return e.g. {@code "exit 0"}, {@code "killed by signal 15"},
     *         {@code "killed by signal 11 (core dumped)"}, {@code "killed by signal 15 (timed out)"}
     */
    @Override
    public String toString() {
        String how = signal == 0 ? "exit " + code : "killed by signal " + signal + (coreDumped ? " (core dumped)" : "");
        return timedOut ? how + " (timed out)" : how;
    }
}
