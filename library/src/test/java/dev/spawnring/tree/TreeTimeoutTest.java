package dev.spawnring.tree;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.Child;
import dev.spawnring.Command;
import dev.spawnring.ExitStatus;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Trees;
import dev.spawnring.uring.Backend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeEach;
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
    private static final String DAEMON = "setsid sh -c 'sleep 1000 & exit 0' & wait; echo ready";

    private Path parent;
    private Set<String> before;

    @BeforeEach
    void noteTheCgroupsThere() throws Exception {
        parent = Trees.assumeTreesHere();
        before = Trees.spawnringCgroups(parent);
    }

    @AfterEach
    void noCgroupIsLeftBehind() throws Exception {
        if (parent != null) {
            assertEquals(before, Trees.awaitCgroupsBack(parent, before, GUARD), "cgroups left under " + parent);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aTimeoutLeavesNothingOfATreeWhoseDaemonLeftTheSession(Backend backend) throws Exception {
        String mark = Trees.newMark();
        try (Spawner s = Spawners.create(backend)) {
            // The shell ignores SIGTERM: the grace period's SIGKILL ends it, and the cgroup with it
            // (a grace long enough for a slow machine to have started the daemon by then).
            Child c = s.spawn(Trees.marked(Command.of("sh", "-c", "trap '' TERM; " + DAEMON + "; sleep 1000 & wait"),
                    mark).inNewCgroup().stderr(Stdio.discard())
                    .timeout(Duration.ofMillis(500), Duration.ofSeconds(5)));
            assertEquals("ready", new BufferedReader(new InputStreamReader(c.stdout())).readLine());

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
            Child c = s.spawn(Trees.marked(Command.of("sh", "-c", "trap '' TERM; " + DAEMON
                    + "; trap - TERM; exec sleep 1000"), mark).inNewCgroup().stderr(Stdio.discard())
                    .timeout(Duration.ofMillis(500), Duration.ofSeconds(5)));
            assertEquals("ready", new BufferedReader(new InputStreamReader(c.stdout())).readLine());

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
            Child c = s.spawn(Trees.marked(Command.of("sh", "-c", DAEMON), mark)
                    .inNewCgroup().killProcessGroupOnExit().stderr(Stdio.discard()));

            assertEquals(ExitStatus.exited(0), c.waitFor(GUARD));

            assertEquals(List.of(), Trees.awaitNoneMarked(mark, GUARD), "left alive");
        }
    }
}
