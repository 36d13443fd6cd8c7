package dev.spawnring.tree;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.Command;
import dev.spawnring.ExitStatus;
import dev.spawnring.SpawnException;
import dev.spawnring.Spawner;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.TreeCgroups;
import dev.spawnring.testing.Trees;
import dev.spawnring.uring.Backend;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Limits are written to the child's cgroup before the clone, or refused with the reason: where
 * the controller is not enabled for the cgroups trees are made in (this machine's hybrid v2
 * mount has none), {@code memory.max}, {@code pids.max} and {@code cpu.max} fail the spawn,
 * naming the parent and what its {@code cgroup.subtree_control} holds; a value the kernel
 * refuses fails it with the kernel's errno; nothing is left behind. Both backends.
 */
@Tag(KernelSuiteMain.TAG)
class TreeLimitsTest {
    @RegisterExtension
    final TreeCgroups cgroups = new TreeCgroups(Duration.ofSeconds(30));

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aLimitWhoseControllerIsNotEnabledIsRefusedWithTheReason(Backend backend) throws Exception {
        for (String[] limit : new String[][] {{"memory.max", "64M"}, {"pids.max", "10"}, {"cpu.max", "50000 100000"}}) {
            String controller = limit[0].substring(0, limit[0].indexOf('.'));
            if (Trees.controllerEnabled(cgroups.parent(), controller)) {
                continue;
            }
            try (Spawner s = Spawners.create(backend)) {
                SpawnException e = assertThrows(SpawnException.class,
                        () -> s.spawn(Command.of("true").cgroupLimit(limit[0], limit[1])));

                assertTrue(e.step().startsWith("cgroup " + limit[0] + " " + limit[1] + " (the " + controller
                        + " controller is not enabled for the cgroups under " + cgroups.parent()
                        + ": its cgroup.subtree_control holds "), e.getMessage());
                assertEquals("EOPNOTSUPP", e.errnoName());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aLimitWhoseControllerIsEnabledIsSet(Backend backend) throws Exception {
        Assumptions.assumeTrue(Trees.controllerEnabled(cgroups.parent(), "pids"),
                "skipped: the pids controller is not enabled under " + cgroups.parent());
        try (Spawner s = Spawners.create(backend)) {
            ExitStatus st = s.spawn(Command.of("sh", "-c", "cat /proc/self/cgroup >/dev/null; exit 3")
                    .cgroupLimit("pids.max", "50")).waitFor();
            assertEquals(ExitStatus.exited(3), st);
        }
    }

    @Test
    void aLimitFileSpawnringDoesNotKnowIsRefusedWhenSet() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Command.of("true").cgroupLimit("cgroup.procs", "1"));
        assertTrue(e.getMessage().startsWith("cgroupLimit(cgroup.procs): not a limit spawnring sets"), e.getMessage());
    }
}
