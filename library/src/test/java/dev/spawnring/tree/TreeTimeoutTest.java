package dev.spawnring.tree;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.Child;
import dev.spawnring.Command;
import dev.spawnring.ExitStatus;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.TreeCgroups;
import dev.spawnring.testing.Trees;
import dev.spawnring.uring.Backend;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A child in a cgroup of its own whose timeout fires takes its whole tree with it: the
 * timeout's SIGTERM goes to its group, and the SIGKILL that ends the grace period (or the
 * child's exit during it) reaches the cgroup, so a daemon in another session dies too; and
 * {@code killProcessGroupOnExit} kills the tree when the child exits. Both backends.
 */
@Tag(KernelSuiteMain.TAG)
class TreeTimeoutTest {
    private static final Duration GUARD = Duration.ofSeconds(60);

    @RegisterExtension
    final TreeCgroups cgroups = new TreeCgroups(GUARD);

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aTimeoutLeavesNothingOfATreeWhoseDaemonLeftTheSession(Backend backend) throws Exception {
        String mark = Trees.newMark();
        try (Spawner s = Spawners.create(backend)) {
            // The shell ignores SIGTERM: the grace period's SIGKILL ends it, and the cgroup with it
            // (a grace long enough for a slow machine to have started the daemon by then).
            Child c = s.spawn(Trees.marked(Command.of("sh", "-c", "trap '' TERM; " + Trees.DAEMON + "; sleep 1000 & wait"),
                    mark).inNewCgroup().stderr(Stdio.discard())
                    .timeout(Duration.ofMillis(500), Duration.ofSeconds(5)));
            assertEquals("ready", Trees.firstLine(c));

            ExitStatus status = c.waitFor(GUARD);

            assertTrue(status.timedOut(), status.toString());
            assertEquals(List.of(), Trees.awaitNoneMarked(mark, GUARD), "left alive");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aChildThatHeedsTheTimeoutsSigtermStillTakesItsDaemonWithIt(Backend backend) throws Exception {
        String mark = Trees.newMark();
        try (Spawner s = Spawners.create(backend)) {
            // SIGTERM is ignored until the daemon runs (a slow machine may take longer than the
            // timeout to start it), then heeded by the sleep the shell becomes.
            Child c = s.spawn(Trees.marked(Command.of("sh", "-c", "trap '' TERM; " + Trees.DAEMON
                    + "; trap - TERM; exec sleep 1000"), mark).inNewCgroup().stderr(Stdio.discard())
                    .timeout(Duration.ofMillis(500), Duration.ofSeconds(5)));
            assertEquals("ready", Trees.firstLine(c));

            ExitStatus status = c.waitFor(GUARD);

            assertTrue(status.timedOut(), status.toString());
            assertEquals(List.of(), Trees.awaitNoneMarked(mark, GUARD), "left alive");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void killProcessGroupOnExitKillsTheWholeTreeWhenTheChildExits(Backend backend) throws Exception {
        String mark = Trees.newMark();
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Trees.marked(Command.of("sh", "-c", Trees.DAEMON), mark)
                    .inNewCgroup().killProcessGroupOnExit().stderr(Stdio.discard()));

            assertEquals(ExitStatus.exited(0), c.waitFor(GUARD));

            assertEquals(List.of(), Trees.awaitNoneMarked(mark, GUARD), "left alive");
        }
    }
}
