package dev.spawnring.internal.process;

import dev.spawnring.Platform;
import dev.spawnring.Platform.Feature;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeLibrary;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.IoUring;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The probes behind {@link Platform#probe()}: one harmless system call per feature. */
public final class PlatformProbe {
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
        features.add(waitid(uringReason, backend));
        features.add(pidfdOpen());
        features.add(clone3());
        features.add(groupSignal());
        features.add(memfd());
        String kernel = read("/proc/sys/kernel/osrelease");
        return new Platform.Report(kernel != null ? kernel : System.getProperty("os.version"), backend,
                nativeLibrary(), features);
    }

    private static Feature waitid(String uringReason, Backend backend) {
        boolean supported = false;
        String reason = uringReason;
        if (uringReason == null) {
            try (Ring ring = Ring.open(2, Backend.IO_URING)) {
                supported = ring.probe().supports(IoUring.IORING_OP_WAITID);
                reason = supported ? "" : "not among the opcodes IORING_REGISTER_PROBE reports (Linux 6.7+)";
            } catch (IOException | RuntimeException e) {
                reason = "IORING_REGISTER_PROBE: " + e.getMessage();
            }
        }
        String path = backend == Backend.FALLBACK ? "emulated: the pidfd polled, then waitid"
                : supported ? "io_uring WAITID on the pidfd"
                : "none: a Spawner on IO_URING cannot wait for its children here (-D" + Backend.PROPERTY
                        + "=fallback can)";
        return new Feature(Platform.IORING_OP_WAITID, supported, path, supported ? "" : reason);
    }

    private static Feature pidfdOpen() {
        int pidfd = Sys.pidfdOpen(Sys.getpid(), 0);
        if (pidfd >= 0) {
            Sys.close(pidfd);
            return new Feature(Platform.PIDFD_OPEN, true, "every child watched and signalled through its pidfd", "");
        }
        return new Feature(Platform.PIDFD_OPEN, false, "none: spawnring needs pidfds (Linux 5.3+)",
                "pidfd_open: " + Errno.describe(-pidfd));
    }

    private static Feature clone3() {
        // A NULL argument: EFAULT or EINVAL means it is there, ENOSYS that it is not (or is filtered).
        long r = Sys.syscall(Sys.SYS_clone3, 0L, 0L);
        boolean yes = r != -Errno.ENOSYS;
        return new Feature(Platform.CLONE3, yes,
                yes ? "clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_CLEAR_SIGHAND)"
                        : "clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD), handlers reset in the child",
                yes ? "" : "clone3: " + Errno.describe(Errno.ENOSYS));
    }

    /** Signal 0 to this process's own group through its pidfd: only EINVAL says the flag is unknown. */
    private static Feature groupSignal() {
        int pidfd = Sys.pidfdOpen(Sys.getpid(), 0);
        int r = pidfd < 0 ? pidfd : Sys.pidfdSendSignal(pidfd, 0, Linux.PIDFD_SIGNAL_PROCESS_GROUP);
        if (pidfd >= 0) {
            Sys.close(pidfd);
        }
        boolean yes = r != -Errno.EINVAL && pidfd >= 0;
        return new Feature(Platform.PIDFD_SIGNAL_PROCESS_GROUP, yes,
                yes ? "group signals through the leader's pidfd" : "kill(-pgid) while the group's leader is unreaped",
                yes ? "" : (pidfd < 0 ? "pidfd_open: " : "pidfd_send_signal: ") + Errno.describe(-r));
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
