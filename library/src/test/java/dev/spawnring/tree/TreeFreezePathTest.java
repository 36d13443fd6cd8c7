package dev.spawnring.tree;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.Child;
import dev.spawnring.Command;
import dev.spawnring.ExitStatus;
import dev.spawnring.Signal;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import dev.spawnring.TreeKill;
import dev.spawnring.internal.process.Cgroup;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.TreeCgroups;
import dev.spawnring.testing.Trees;
import dev.spawnring.uring.Backend;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Where {@code cgroup.kill} is missing (before Linux 5.14; forced here with
 * {@code -Dspawnring.debug.noCgroupKill=true}), {@link Child#killTree()} freezes the cgroup,
 * sends each member SIGKILL through a pidfd and thaws it: a daemon and a few sleepers die all
 * the same, and it says {@link TreeKill#CGROUP_FREEZE}. Both backends.
 */
@Tag(KernelSuiteMain.TAG)
class TreeFreezePathTest {
    private static final Duration GUARD = Duration.ofSeconds(60);

    @RegisterExtension
    final TreeCgroups cgroups = new TreeCgroups(GUARD);

    @BeforeEach
    void takeTheFreezePath() {
        System.setProperty(Cgroup.NO_CGROUP_KILL_PROPERTY, "true");
    }

    @AfterEach
    void takeTheKillPathAgain() {
        System.clearProperty(Cgroup.NO_CGROUP_KILL_PROPERTY);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void freezingAndKillingEachMemberLeavesNothing(Backend backend) throws Exception {
        String mark = Trees.newMark();
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Trees.marked(Command.of("sh", "-c", "setsid sh -c 'sleep 1000 & exit 0' & wait;"
                    + " for i in 1 2 3 4 5; do sleep 1000 & done; echo ready; wait"), mark)
                    .inNewCgroup().stderr(Stdio.discard()));
            assertEquals("ready", Trees.firstLine(c));
            assertEquals(7, Trees.awaitMarked(mark, 7, GUARD).size());

            assertEquals(TreeKill.CGROUP_FREEZE, c.killTree());

            assertEquals(ExitStatus.killed(Signal.SIGKILL), c.waitFor(GUARD));
            assertEquals(List.of(), Trees.awaitNoneMarked(mark, GUARD), "left alive");
        }
    }
}
