package dev.spawnring.internal.process;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.Platform;
import dev.spawnring.Platform.Feature;
import dev.spawnring.internal.ring.KernelRing;
import dev.spawnring.internal.spawn.ChildProgram;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Kernel;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeLibrary;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.internal.sys.SysException;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Cqe;
import dev.spawnring.uring.Probe;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The probes behind {@link Platform#probe()}: one harmless system call per feature (a
 * two-entry ring, a pidfd of this process, signal 0, an empty {@code close_range}), and one
 * child that unshares its fd table and then kills itself, for what only a clone can tell.
 * Each feature says what this kernel has and which path spawnring takes for it.
 */
public final class PlatformProbe {
    /** The optional setup flags KernelRing asks for (and drops where refused), with their releases. */
    private static final Object[][] SETUP_FLAGS = {
        {IORING_SETUP_NO_SQARRAY, "IORING_SETUP_NO_SQARRAY", "6.6",
            "the SQ indexed directly, no index array", "an SQ index array, kept as the identity"},
        {IORING_SETUP_SUBMIT_ALL, "IORING_SETUP_SUBMIT_ALL", "5.18",
            "a batch goes in whole, past a request that fails when issued",
            "a request that fails when issued ends io_uring_enter; the rest goes in at the next submit"},
        {IORING_SETUP_COOP_TASKRUN, "IORING_SETUP_COOP_TASKRUN", "5.19",
            "completions run when the loop enters the kernel, without interrupting it",
            "completions run as task work that interrupts the loop thread"},
        {IORING_SETUP_TASKRUN_FLAG, "IORING_SETUP_TASKRUN_FLAG", "5.19",
            "IORING_SQ_TASKRUN tells the loop to enter the kernel for waiting completions",
            "peekCqe sees what the kernel has posted (completions are not deferred without COOP_TASKRUN)"},
        {IORING_SETUP_CLAMP, "IORING_SETUP_CLAMP", "5.6", "ring sizes clamped to the kernel's maximum",
            "ring sizes within the kernel's maximum"},
    };

    /** The io_uring ops the process API relies on (every one since 5.6), with what it does with each. */
    private static final Object[][] OPS = {
        {IORING_OP_READ, "pipe and eventfd reads"},
        {IORING_OP_WRITE, "pipe writes"},
        {IORING_OP_POLL_ADD, "exits, where WAITID is missing"},
        {IORING_OP_TIMEOUT, "timeouts and their grace periods"},
        {IORING_OP_TIMEOUT_REMOVE, "timeouts called off"},
        {IORING_OP_ASYNC_CANCEL, "reads and writes called off, what is in flight when a loop ends"},
    };

    private PlatformProbe() {
    }

    /** @return what this machine offers, as {@link Platform#probe()} documents */
    public static Platform.Report probe() {
        List<Feature> features = new ArrayList<>();
        String uringReason = Ring.ioUringUnavailableReason();
        String disabled = read("/proc/sys/kernel/io_uring_disabled");
        if (uringReason != null && disabled != null && !disabled.equals("0")) {
            uringReason += " (kernel.io_uring_disabled = " + disabled + ")";
        }
        Backend forced;
        String forcedProblem = "";
        try {
            forced = Backend.forced();
        } catch (IllegalArgumentException e) {
            forced = null;
            forcedProblem = "; " + e.getMessage();
        }
        Backend backend = forced != null ? forced : uringReason == null ? Backend.IO_URING : Backend.FALLBACK;
        String how = forced != null ? " (forced by -D" + Backend.PROPERTY + ")" : "";
        features.add(new Feature(Platform.IO_URING, uringReason == null,
                (backend == Backend.IO_URING ? "IO_URING: the kernel's io_uring"
                        : "FALLBACK: spawnring's emulated ring over epoll") + how + forcedProblem,
                uringReason == null ? "" : uringReason));
        ioUring(features, uringReason, backend);
        for (Kernel.Requirement r : Kernel.requirements()) {
            features.add(new Feature(r.name(), r.present(), r.present() ? r.usedFor()
                    : "none: spawnring needs it (Linux " + r.since() + "+); Spawner.create and Ring.open refuse",
                    r.present() ? "" : r.describe()));
        }
        features.add(groupSignal());
        features.add(clone3());
        features.add(unshareInChild());
        features.add(memfd());
        features.addAll(CgroupProbe.probe());
        return new Platform.Report(Kernel.release(), backend, nativeLibrary(), features);
    }

    /** The setup flags, the ops, WAITID, NOP inject-result and cancel-any: io_uring's features. */
    private static void ioUring(List<Feature> features, String uringReason, Backend backend) {
        int setupFlags = 0;
        Probe ops = null;
        boolean inject = false;
        int cancelAny = Errno.ENOSYS;
        String reason = uringReason;
        if (uringReason == null) {
            try (Ring ring = Ring.open(2, Backend.IO_URING)) {
                setupFlags = ring.setupFlags();
                ops = ring.probe();
                cancelAny = cancelAny(ring);
            } catch (IOException | RuntimeException e) {
                reason = "a ring: " + e.getMessage();
            }
            try {
                KernelRing k = KernelRing.open(2, 0);
                try {
                    inject = k.nopInjectSupported();
                } finally {
                    k.close();
                }
            } catch (SysException e) {
                reason = "a ring: " + e.getMessage();
            }
        }
        boolean usable = reason == null;
        String noRing = "io_uring unusable: " + reason;
        for (Object[] f : SETUP_FLAGS) {
            boolean yes = usable && (setupFlags & (int) f[0]) != 0;
            features.add(new Feature((String) f[1], yes, usable ? (String) (yes ? f[3] : f[4]) : "FALLBACK: not asked",
                    yes ? "" : usable ? "refused by io_uring_setup (Linux " + f[2] + "+); asked again without it"
                            : noRing));
        }
        for (Object[] op : OPS) {
            boolean yes = usable && ops != null && ops.supports((int) op[0]);
            String name = "IORING_OP_" + opName((int) op[0]);
            features.add(new Feature(name, yes, yes ? "io_uring: " + op[1]
                    : backend == Backend.FALLBACK ? "FALLBACK emulates it: " + op[1]
                    : "none: the process API on IO_URING needs it (-D" + Backend.PROPERTY + "=fallback does not)",
                    yes ? "" : usable ? "not among the opcodes IORING_REGISTER_PROBE reports" : noRing));
        }
        boolean waitid = usable && ops != null && ops.supports(IORING_OP_WAITID);
        features.add(new Feature(Platform.IORING_OP_WAITID, waitid,
                backend == Backend.FALLBACK ? "FALLBACK emulates it: the pidfd polled on epoll, then waitid"
                        : waitid ? "exits seen by an io_uring WAITID (WNOWAIT) on the pidfd"
                        : "exits seen by an io_uring POLL_ADD on the pidfd, then waitid(P_PIDFD, WNOHANG | WNOWAIT)",
                waitid ? "" : usable ? "not among the opcodes IORING_REGISTER_PROBE reports (Linux 6.7+)" : noRing));
        boolean injectYes = usable && inject;
        features.add(new Feature(Platform.IORING_NOP_INJECT_RESULT, injectYes,
                backend == Backend.FALLBACK ? "FALLBACK emulates it"
                        : injectYes ? "a misplaced spawn op in a chain of kernel requests fails alone, -EINVAL"
                        : "a misplaced spawn op in a chain of kernel requests fails the whole chain at prep"
                                + " (spawn chains post their own completions either way)",
                injectYes ? "" : usable ? "a NOP with IORING_NOP_INJECT_RESULT did not complete with its result"
                        : noRing));
        boolean cancelYes = usable && cancelAny == 0;
        features.add(new Feature(Platform.IORING_ASYNC_CANCEL_ANY, cancelYes,
                backend == Backend.FALLBACK ? "FALLBACK emulates it"
                        : cancelYes ? "Ring.close cancels what is in flight with one request"
                        : "an ending event loop cancels each of its requests by user_data; Ring.close of a ring"
                                + " with requests in flight waits up to 2 s for them",
                cancelYes ? "" : usable ? "ASYNC_CANCEL: " + Errno.describe(cancelAny) + " (Linux 5.19+)" : noRing));
    }

    /** @return 0 when an ASYNC_CANCEL with IORING_ASYNC_CANCEL_ANY is understood (nothing to cancel: ENOENT), else its errno */
    private static int cancelAny(Ring ring) throws IOException {
        ring.getSqe().prepCancel(0, IORING_ASYNC_CANCEL_ANY).userData(1);
        ring.submitAndWait(1);
        Cqe cqe = ring.waitCqe();
        ring.cqeSeen(cqe);
        return cqe.res() == -Errno.ENOENT || cqe.res() >= 0 ? 0 : -cqe.res();
    }

    private static Feature groupSignal() {
        int errno = Kernel.groupSignalProbe();
        boolean yes = errno == 0;
        return new Feature(Platform.PIDFD_SIGNAL_PROCESS_GROUP, yes,
                yes ? "group signals through the leader's pidfd; a child that exits in its timeout's grace period"
                        + " is reaped at once, its pidfd kept for the SIGKILL to what is left of its group"
                        : "kill(-pgid) while the group's leader is unreaped; a child that exits in its timeout's"
                        + " grace period is reaped at once, after a SIGKILL to what is left of its group",
                yes ? "" : "pidfd_send_signal: " + Errno.describe(errno) + " (Linux 6.9+)");
    }

    private static Feature clone3() {
        // A NULL argument: EFAULT or EINVAL means it is there, ENOSYS that it is not (or is filtered).
        long r = Sys.syscall(Sys.SYS_clone3, 0L, 0L);
        boolean yes = r != -Errno.ENOSYS;
        return new Feature(Platform.CLONE3, yes,
                yes ? "clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_CLEAR_SIGHAND [| CLONE_FILES])"
                        : "clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD [| CLONE_FILES]), handlers reset in the child",
                yes ? "" : "clone3: " + Errno.describe(Errno.ENOSYS));
    }

    /** Waits for the test child {@code pidfd} names (it kills itself), reaps it and closes the pidfd. */
    static void reapTestChild(int pidfd) {
        MemorySegment siginfo = NativeMemory.calloc(Linux.SIGINFO_SIZE);
        try {
            Sys.waitid(Linux.P_PIDFD, pidfd, siginfo, Linux.WEXITED);
        } finally {
            NativeMemory.free(siginfo);
            Sys.close(pidfd);
        }
    }

    /**
     * {@code CLOSE_RANGE_UNSHARE} cannot be tried in this process (it would give the calling
     * thread an fd table of its own): a child cloned as the process API clones (CLONE_FILES,
     * the pidfd, the clone3 flags) tries it on an empty range and kills itself; it is reaped here.
     */
    private static Feature unshareInChild() {
        int step = -Errno.ECANCELED;
        int pid;
        MemorySegment pidfd = NativeMemory.calloc(4);
        try (ChildProgram p = new ChildProgram(1)) {
            p.closeRange(-1, -1, Linux.CLOSE_RANGE_UNSHARE, false);
            pid = p.run(pidfd, Linux.CLONE_FILES);
            if (pid > 0) {
                step = p.result(0);
                reapTestChild(pidfd.get(ValueLayout.JAVA_INT, 0));
            }
        } catch (RuntimeException | LinkageError e) {
            return new Feature(Platform.CLOSE_RANGE_UNSHARE, false, "none: spawnring needs it (Linux 5.9+)",
                    "a test clone: " + e.getMessage());
        } finally {
            NativeMemory.free(pidfd);
        }
        boolean yes = pid > 0 && step == 0;
        return new Feature(Platform.CLOSE_RANGE_UNSHARE, yes,
                yes ? "the child clones on this process's fd table (CLONE_FILES) and copies only the fds it keeps"
                        : "none: spawnring needs it (Linux 5.9+)",
                yes ? "" : pid < 0 ? "a test clone: " + Errno.describe(-pid)
                        : "close_range in a test child: " + Errno.describe(-step));
    }

    private static Feature memfd() {
        int fd = Sys.memfdCreate("spawnring-probe", Linux.MFD_CLOEXEC);
        if (fd >= 0) {
            Sys.close(fd);
            return new Feature(Platform.MEMFD_CREATE, true, "Stdio.memfd() available", "");
        }
        return new Feature(Platform.MEMFD_CREATE, false, "none: Stdio.memfd() fails",
                "memfd_create: " + Errno.describe(-fd));
    }

    private static String nativeLibrary() {
        try {
            return NativeLibrary.version();
        } catch (RuntimeException | LinkageError e) {
            return "unavailable: " + e.getMessage();
        }
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException e) {
            return null;
        }
    }
}
