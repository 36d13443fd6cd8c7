package dev.spawnring.internal.sys;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the running kernel offers, probed once per JVM with harmless system calls, for the
 * features spawnring cannot do without ({@link #requirements}, checked by {@code Ring.open})
 * and those it takes another path without ({@link #groupSignalByPidfd}).
 *
 * <p>The minimum is {@value #MINIMUM}: the newest feature spawnring cannot do without is
 * {@code close_range}'s {@code CLOSE_RANGE_CLOEXEC}, which came in 5.11. The check is by
 * feature, not by version number, so a distribution kernel that carries the features under
 * an older number (RHEL 9's 5.14, say) passes it, and one whose seccomp profile refuses a
 * required call is named with the errno it got.
 */
public final class Kernel {
    /** The oldest Linux release with everything spawnring cannot do without ({@code Platform.MINIMUM_KERNEL}). */
    public static final String MINIMUM = "5.11";

    /** Makes the process API behave as on a kernel before 6.9 (tests of that path on a newer kernel). */
    public static final String NO_GROUP_SIGNAL_PROPERTY = "spawnring.debug.noPidfdGroupSignal";

    /** A feature spawnring cannot do without, and whether this kernel has it. */
    public record Requirement(String name, String since, String usedFor, int errno) {
        /** @return whether the probe succeeded */
        public boolean present() {
            return errno == 0;
        }

        /** @return e.g. {@code "close_range CLOSE_RANGE_CLOEXEC (Linux 5.11): EINVAL (Invalid argument)"} */
        public String describe() {
            return name + " (Linux " + since + ")" + (present() ? "" : ": " + Errno.describe(errno));
        }
    }

    private static volatile List<Requirement> requirements;
    private static volatile Boolean groupSignal;

    private Kernel() {
    }

    /** @return the kernel release, e.g. {@code "6.1.0-57-amd64"} */
    public static String release() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.version", "unknown");
        }
    }

    /**
     * The features spawnring cannot do without, each probed once per JVM: {@code pidfd_open},
     * {@code pidfd_send_signal}, {@code waitid(P_PIDFD)}, {@code close_range} with
     * {@code CLOSE_RANGE_CLOEXEC}. (The clone needs {@code CLONE_PIDFD}, 5.2, and
     * {@code close_range}'s {@code CLOSE_RANGE_UNSHARE}, 5.9: older than what is probed here.)
     */
    public static List<Requirement> requirements() {
        List<Requirement> r = requirements;
        if (r == null) {
            r = probeRequirements();
            requirements = r;
        }
        return r;
    }

    private static List<Requirement> probeRequirements() {
        List<Requirement> out = new ArrayList<>();
        int pidfd = Sys.pidfdOpen(Sys.getpid(), 0);
        out.add(new Requirement("pidfd_open", "5.3", "every child is watched through its pidfd", err(pidfd)));
        int signal = pidfd < 0 ? pidfd : Sys.pidfdSendSignal(pidfd, 0, 0);
        out.add(new Requirement("pidfd_send_signal", "5.1", "every signal to a child", err(signal)));
        int waitid = pidfd;
        if (pidfd >= 0) {
            MemorySegment siginfo = NativeMemory.calloc(Linux.SIGINFO_SIZE);
            try {
                // This process is not its own child: ECHILD says P_PIDFD is understood, EINVAL that it is not.
                waitid = Sys.waitid(Linux.P_PIDFD, pidfd, siginfo, Linux.WEXITED | Linux.WNOHANG);
                waitid = waitid == -Errno.ECHILD ? 0 : waitid;
            } finally {
                NativeMemory.free(siginfo);
            }
            Sys.close(pidfd);
        }
        out.add(new Requirement("waitid P_PIDFD", "5.4", "reaping a child", err(waitid)));
        // An empty range (no fd is numbered ~0U): 0 where the flag is known, EINVAL where it is
        // not, ENOSYS without close_range. CLOSE_RANGE_UNSHARE must not be probed here: it would
        // give this thread an fd table of its own.
        int closeRange = Sys.closeRange(-1, -1, Linux.CLOSE_RANGE_CLOEXEC);
        out.add(new Requirement("close_range CLOSE_RANGE_CLOEXEC", "5.11",
                "closing every other fd in the child", err(closeRange)));
        return List.copyOf(out);
    }

    private static int err(int r) {
        return r < 0 ? -r : 0;
    }

    /**
     * @return null when this kernel has every requirement, else why spawnring cannot run here,
     *         naming the kernel, the minimum and the missing feature
     */
    public static String unsupportedReason() {
        return unsupportedReason(release(), requirements());
    }

    /** {@link #unsupportedReason()} for a given release and probe results. */
    public static String unsupportedReason(String release, List<Requirement> requirements) {
        for (Requirement r : requirements) {
            if (!r.present()) {
                return "spawnring needs Linux " + MINIMUM + " or later: this kernel (" + release + ") lacks "
                        + r.describe() + ", needed for " + r.usedFor();
            }
        }
        return null;
    }

    /**
     * Throws unless this kernel has everything spawnring cannot do without.
     *
     * @throws IOException naming the kernel, the minimum and the missing feature
     */
    public static void requireSupported() throws IOException {
        String reason = unsupportedReason();
        if (reason != null) {
            throw new IOException(reason);
        }
    }

    /**
     * {@code pidfd_send_signal}'s {@code PIDFD_SIGNAL_PROCESS_GROUP} (Linux 6.9): a group
     * signalled through its leader's pidfd, which names the group's {@code struct pid}, so a
     * group that later took the same number is never hit, even once the leader is reaped.
     * Probed once (signal 0 through this process's pidfd: EINVAL says the flag is unknown);
     * {@code -Dspawnring.debug.noPidfdGroupSignal=true} answers no.
     */
    public static boolean groupSignalByPidfd() {
        if (Boolean.getBoolean(NO_GROUP_SIGNAL_PROPERTY)) {
            return false;
        }
        Boolean g = groupSignal;
        if (g == null) {
            g = groupSignalProbe() == 0;
            groupSignal = g;
        }
        return g;
    }

    /** @return 0 when this kernel has {@code PIDFD_SIGNAL_PROCESS_GROUP}, else the errno that said no */
    public static int groupSignalProbe() {
        int pidfd = Sys.pidfdOpen(Sys.getpid(), 0);
        if (pidfd < 0) {
            return -pidfd;
        }
        // Signal 0 to the group this process leads: ESRCH when it leads none, which is fine;
        // only EINVAL says the flag is unknown.
        int r = Sys.pidfdSendSignal(pidfd, 0, Linux.PIDFD_SIGNAL_PROCESS_GROUP);
        Sys.close(pidfd);
        return r == -Errno.EINVAL ? Errno.EINVAL : 0;
    }
}
