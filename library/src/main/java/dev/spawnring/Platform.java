package dev.spawnring;

import dev.spawnring.internal.process.PlatformProbe;
import dev.spawnring.uring.Backend;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * What this machine offers spawnring, feature by feature, and which path spawnring takes
 * for each: the same facts {@code spawnring probe} prints.
 *
 * <pre>{@code
 * Platform.Report r = Platform.probe();
 * System.out.println(r.kernel() + ", backend " + r.backend());
 * for (Platform.Feature f : r.features()) {
 *     System.out.println(f.name() + ": " + (f.available() ? "yes" : "no: " + f.reason()) + " -> " + f.path());
 * }
 * }</pre>
 *
 * Feature names are the kernel's: {@link #IO_URING}; the {@code IORING_SETUP_*} flags a ring
 * asks for and the {@code IORING_OP_*} ops the process API uses, named as in the kernel's
 * headers; {@link #IORING_OP_WAITID}, {@link #IORING_NOP_INJECT_RESULT},
 * {@link #IORING_ASYNC_CANCEL_ANY}, {@link #PIDFD_OPEN}, {@link #PIDFD_SEND_SIGNAL},
 * {@link #WAITID_P_PIDFD}, {@link #CLOSE_RANGE_CLOEXEC}, {@link #PIDFD_SIGNAL_PROCESS_GROUP},
 * {@link #CLONE3}, {@link #CLOSE_RANGE_UNSHARE}, {@link #MEMFD_CREATE}, and for process trees
 * {@link #CGROUP_TREES}, {@link #CLONE_INTO_CGROUP}, {@link #CGROUP_KILL},
 * {@link #CGROUP_CONTROLLERS}. The list may grow.
 *
 * <p>spawnring needs Linux {@value #MINIMUM_KERNEL} or later: {@link Spawner#create()} and
 * {@code Ring.open} refuse an older kernel at once, naming the feature it lacks. Above that,
 * each newer feature it lacks has its own other path, which {@link Feature#path()} names.
 */
public final class Platform {
    /** io_uring itself: {@code io_uring_setup(2)} allowed (not by seccomp, not by {@code kernel.io_uring_disabled}). */
    public static final String IO_URING = "io_uring";
    /** The oldest Linux release spawnring runs on: it has every feature spawnring cannot do without. */
    public static final String MINIMUM_KERNEL = "5.11";
    /** io_uring's WAITID (Linux 6.7): a child's exit as a ring completion. */
    public static final String IORING_OP_WAITID = "IORING_OP_WAITID";
    /** A NOP that completes with a result it carries (Linux 6.x); older kernels refuse it. */
    public static final String IORING_NOP_INJECT_RESULT = "IORING_NOP_INJECT_RESULT";
    /** An ASYNC_CANCEL of every request in flight (Linux 5.19). */
    public static final String IORING_ASYNC_CANCEL_ANY = "IORING_ASYNC_CANCEL_ANY";
    /** {@code pidfd_send_signal(2)} (Linux 5.1): every signal to a child. Required. */
    public static final String PIDFD_SEND_SIGNAL = "pidfd_send_signal";
    /** {@code waitid(P_PIDFD, ...)} (Linux 5.4): reaping a child by its pidfd. Required. */
    public static final String WAITID_P_PIDFD = "waitid P_PIDFD";
    /** {@code close_range(2)}'s {@code CLOSE_RANGE_CLOEXEC} (Linux 5.11): every other fd closed in the child. Required. */
    public static final String CLOSE_RANGE_CLOEXEC = "close_range CLOSE_RANGE_CLOEXEC";
    /** {@code close_range(2)}'s {@code CLOSE_RANGE_UNSHARE} (Linux 5.9), tried in a child: a clone on this process's fd table. Required. */
    public static final String CLOSE_RANGE_UNSHARE = "close_range CLOSE_RANGE_UNSHARE";
    /** {@code pidfd_open(2)} (Linux 5.3): children are watched and signalled through pidfds. Required. */
    public static final String PIDFD_OPEN = "pidfd_open";
    /** {@code clone3(2)} (Linux 5.3), which the child interpreter clones with. */
    public static final String CLONE3 = "clone3";
    /** {@code pidfd_send_signal}'s {@code PIDFD_SIGNAL_PROCESS_GROUP} (Linux 6.9): a group signalled through its leader's pidfd. */
    public static final String PIDFD_SIGNAL_PROCESS_GROUP = "PIDFD_SIGNAL_PROCESS_GROUP";
    /**
     * Where children started {@link Command#inNewCgroup() in a new cgroup} get theirs: the
     * parent cgroup found (and how: configured, own cgroup, the v2 mount), tried with a test
     * child cloned into a test cgroup; or why nowhere, and so that they fall back to their
     * process groups.
     */
    public static final String CGROUP_TREES = "cgroup trees";
    /** {@code clone3(CLONE_INTO_CGROUP)} (Linux 5.7): a child that never runs outside its cgroup. */
    public static final String CLONE_INTO_CGROUP = "CLONE_INTO_CGROUP";
    /** {@code cgroup.kill} (Linux 5.14): a tree killed at once; before, freeze, kill each member, thaw. */
    public static final String CGROUP_KILL = "cgroup.kill";
    /**
     * The controllers enabled for the cgroups trees are made in, and so which of
     * {@link Command#cgroupLimit}'s files can be set and which {@link TreeUsage} peaks are known.
     */
    public static final String CGROUP_CONTROLLERS = "cgroup controllers";
    /** {@code memfd_create(2)} (Linux 3.17), behind {@link Stdio#memfd()}. */
    public static final String MEMFD_CREATE = "memfd_create";

    private Platform() {
    }

    /**
     * One feature spawnring leans on.
     *
     * @param name      its kernel name, e.g. {@link #PIDFD_SIGNAL_PROCESS_GROUP}
     * @param available whether this kernel (and this process's seccomp profile) offers it
     * @param path      what spawnring does here, e.g. {@code "kill(-pgid) while the group's leader is unreaped"}
     * @param reason    why it is not available (the call and the errno that said so); empty when it is
     */
    public record Feature(String name, boolean available, String path, String reason) {
        /** Refuses nulls. */
        public Feature {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * What {@link #probe()} found.
     *
     * @param kernel        the kernel release, e.g. {@code "6.8.0-45-generic"}
     * @param backend       the backend {@link Spawner#create()} takes here (a forced one when
     *                      {@code -Dspawnring.backend} says so)
     * @param nativeLibrary the child interpreter's version ({@code "spawnring-native 1"}), or why it did not load
     * @param features      each feature, in a fixed order
     */
    public record Report(String kernel, Backend backend, String nativeLibrary, List<Feature> features) {
        /** Copies the features. */
        public Report {
            features = List.copyOf(features);
        }

        /**
         * Returns the feature of that name.
         *
         * @param name a feature's name, e.g. {@link #IO_URING}
         * @return that feature
         * @throws NoSuchElementException when no feature has that name
         */
        public Feature feature(String name) {
            return features.stream().filter(f -> f.name().equals(name)).findFirst()
                    .orElseThrow(() -> new NoSuchElementException("no feature " + name + " in " + features));
        }
    }

    /**
     * Probes this machine now: each probe is a harmless system call (a two-entry ring opened
     * and closed, a pidfd of this process, signal 0 through it, an empty {@code close_range},
     * ...), and one child cloned as a spawn clones, which tries {@code CLOSE_RANGE_UNSHARE} and
     * kills itself at once (it is reaped before this returns).
     *
     * @return what was found; never fails (a probe that fails is a feature not available)
     */
    public static Report probe() {
        return PlatformProbe.probe();
    }
}
