package dev.spawnring.internal.process;

import dev.spawnring.Platform;
import dev.spawnring.Platform.Feature;
import dev.spawnring.internal.spawn.ChildProgram;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The process-tree part of {@link Platform#probe()}: where trees are made
 * ({@link CgroupPlace}), tried for real with a test cgroup and a test child cloned into it
 * ({@code CLONE_INTO_CGROUP}; the child kills itself at once and is reaped, the cgroup
 * removed), whether {@code cgroup.kill} is there, and which controllers the trees get.
 */
final class CgroupProbe {
    private CgroupProbe() {
    }

    static List<Feature> probe() {
        List<Feature> out = new ArrayList<>();
        CgroupPlace place = CgroupPlace.find(null);
        String fallback = "none: children asking for a cgroup start in a process group of their own, which the"
                + " tree calls kill";
        if (place.parent() == null) {
            out.add(new Feature(Platform.CGROUP_TREES, false, fallback, place.reason()));
            out.add(new Feature(Platform.CLONE_INTO_CGROUP, false, "not tried: no cgroup to clone into", ""));
            out.add(new Feature(Platform.CGROUP_KILL, false, "not tried: no cgroup", ""));
            out.add(new Feature(Platform.CGROUP_CONTROLLERS, false, "none: every cgroupLimit is refused", ""));
            return out;
        }
        Cgroup cg;
        try {
            cg = Cgroup.create(place.parent(), Map.of());
        } catch (Cgroup.Refused e) {
            out.add(new Feature(Platform.CGROUP_TREES, false, fallback,
                    place.parent() + " (" + place.how() + "): " + e.step() + ": " + Errno.describe(e.errno())));
            return out;
        }
        boolean kill = Files.exists(cg.path().resolve("cgroup.kill"));
        String controllers = Cgroup.readQuietly(cg.path().resolve("cgroup.controllers")).strip();
        int cloned = cloneInto(cg);
        cg.cloneFailed(); // the test child is reaped: the cgroup is empty
        boolean trees = cloned > 0;
        String where = place.parent() + " (" + place.how() + ")";
        out.add(new Feature(Platform.CGROUP_TREES, trees,
                trees ? "a cgroup per child under " + where : fallback,
                trees ? place.reason() : where + ": a test clone into a cgroup: " + Errno.describe(-cloned)));
        out.add(new Feature(Platform.CLONE_INTO_CGROUP, trees,
                trees ? "clone3(CLONE_INTO_CGROUP): the child never runs outside its cgroup" : "none",
                trees ? "" : "a test clone: " + Errno.describe(-cloned)));
        out.add(new Feature(Platform.CGROUP_KILL, kill,
                kill ? "cgroup.kill: the tree killed at once" : "cgroup.freeze, SIGKILL to each member by pidfd, thaw",
                kill ? "" : "no cgroup.kill in a new cgroup (Linux 5.14+)"));
        List<String> limits = new ArrayList<>();
        for (String file : Cgroup.LIMIT_FILES) {
            if (controllers.contains(file.substring(0, file.indexOf('.')))) {
                limits.add(file);
            }
        }
        out.add(new Feature(Platform.CGROUP_CONTROLLERS, !limits.isEmpty(),
                "usage: cpu.stat" + (controllers.contains("memory") ? ", memory.peak" : "")
                        + (controllers.contains("pids") ? ", pids.peak" : "") + "; limits: "
                        + (limits.isEmpty() ? "none (cgroupLimit is refused)" : String.join(", ", limits)),
                limits.isEmpty() ? "no memory, pids or cpu controller enabled in " + place.parent()
                        + "/cgroup.subtree_control (cgroup.controllers of a tree: "
                        + (controllers.isEmpty() ? "none" : controllers) + ")" : ""));
        return out;
    }

    /** @return the pid of a test child cloned into {@code cg} (reaped before this returns), or -errno */
    private static int cloneInto(Cgroup cg) {
        MemorySegment pidfd = NativeMemory.calloc(4);
        try (ChildProgram p = new ChildProgram(1)) {
            p.nop(0, false); // no exec: the child kills itself
            int pid = p.run(pidfd, Linux.CLONE_INTO_CGROUP, cg.dirFd());
            if (pid > 0) {
                PlatformProbe.reapTestChild(pidfd.get(ValueLayout.JAVA_INT, 0));
            }
            return pid;
        } catch (RuntimeException | LinkageError e) {
            return -Errno.EIO;
        } finally {
            NativeMemory.free(pidfd);
        }
    }
}
