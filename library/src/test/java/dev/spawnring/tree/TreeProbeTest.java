package dev.spawnring.tree;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.Platform;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Trees;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link Platform#probe()} says where trees are made, after trying it (a test child cloned
 * into a test cgroup, which is removed), whether {@code cgroup.kill} is there and which limits
 * can be set; and says why not where no cgroup v2 is writable.
 */
@Tag(KernelSuiteMain.TAG)
class TreeProbeTest {
    @Test
    void theProbeSaysWhereTreesAreMadeAndLeavesNoCgroup() throws Exception {
        Path parent = Trees.assumeTreesHere();
        Set<String> before = Trees.spawnringCgroups(parent);

        Platform.Report r = Platform.probe();

        Platform.Feature trees = r.feature(Platform.CGROUP_TREES);
        assertTrue(trees.available(), trees.toString());
        assertTrue(trees.path().startsWith("a cgroup per child under " + parent + " ("), trees.path());
        assertTrue(r.feature(Platform.CLONE_INTO_CGROUP).available());
        assertTrue(r.feature(Platform.CGROUP_KILL).available(), "Linux 5.14+ has cgroup.kill");
        Platform.Feature controllers = r.feature(Platform.CGROUP_CONTROLLERS);
        assertTrue(controllers.path().startsWith("usage: cpu.stat"), controllers.path());
        if (!Trees.controllerEnabled(parent, "memory") && !Trees.controllerEnabled(parent, "pids")
                && !Trees.controllerEnabled(parent, "cpu")) {
            assertTrue(controllers.path().endsWith("limits: none (cgroupLimit is refused)"), controllers.path());
            assertFalse(controllers.available());
        }
        assertEquals(before, Trees.awaitCgroupsBack(parent, before, Duration.ofSeconds(10)));
    }

    @Test
    void withAConfiguredParentThatIsNoCgroupTheProbeSaysWhyNot() {
        System.setProperty("spawnring.cgroup.parent", "/nonexistent/spawnring-parent");
        try {
            Platform.Feature trees = Platform.probe().feature(Platform.CGROUP_TREES);

            assertFalse(trees.available());
            assertEquals("configured parent /nonexistent/spawnring-parent: no such directory", trees.reason());
            assertTrue(trees.path().startsWith("none: children asking for a cgroup start in a process group"));
        } finally {
            System.clearProperty("spawnring.cgroup.parent");
        }
    }
}
