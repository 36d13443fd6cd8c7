package dev.spawnring.tree;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.Child;
import dev.spawnring.Command;
import dev.spawnring.ExitStatus;
import dev.spawnring.Signal;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import dev.spawnring.TreeKill;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.TreeCgroups;
import dev.spawnring.testing.Trees;
import dev.spawnring.uring.Backend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Child#killTree()} on a child in a cgroup of its own kills everything it started,
 * a daemon that double-forked into a new session and a thousand sleepers included, before
 * and after the child itself is reaped; nothing of it is left in /proc, and its cgroup is
 * removed. Both backends; skipped, saying why, where no cgroup v2 is writable.
 */
@Tag(KernelSuiteMain.TAG)
class TreeKillTest {
    private static final Duration GUARD = Duration.ofSeconds(60);

    @RegisterExtension
    final TreeCgroups cgroups = new TreeCgroups(GUARD);

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aDaemonThatDoubleForkedIntoANewSessionDiesWithTheTree(Backend backend) throws Exception {
        String mark = Trees.newMark();
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Trees.marked(Command.of("sh", "-c", Trees.DAEMON + "; exec sleep 1000"), mark)
                    .inNewCgroup().stderr(Stdio.discard()));
            assertEquals("", c.cgroupFallback());
            assertTrue(c.cgroup().isPresent());
            assertEquals("ready", Trees.firstLine(c));
            assertEquals(2, Trees.awaitMarked(mark, 2, GUARD).size(), "the child and its daemon run");

            assertEquals(TreeKill.CGROUP_KILL, c.killTree());

            assertEquals(ExitStatus.killed(Signal.SIGKILL), c.waitFor(GUARD));
            assertEquals(List.of(), Trees.awaitNoneMarked(mark, GUARD), "left alive");
            assertTrue(Trees.awaitGone(c.cgroup().orElse(Path.of("/nonexistent")), GUARD));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aDaemonLeftByAChildThatExitedIsStillKilledThroughTheCgroupAfterTheReap(Backend backend) throws Exception {
        String mark = Trees.newMark();
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Trees.marked(Command.of("sh", "-c", Trees.DAEMON), mark).inNewCgroup()
                    .stderr(Stdio.discard()));
            assertEquals("ready", Trees.firstLine(c));
            assertEquals(ExitStatus.exited(0), c.waitFor(GUARD));
            assertEquals(1, Trees.awaitMarked(mark, 1, GUARD).size(), "the daemon outlives the child");
            Path cgroup = c.cgroup().orElseThrow(() -> new AssertionError("the cgroup holding the daemon is gone"));

            assertEquals(TreeKill.CGROUP_KILL, c.killTree());

            assertEquals(List.of(), Trees.awaitNoneMarked(mark, GUARD), "left alive");
            assertTrue(Trees.awaitGone(cgroup, GUARD), "the empty cgroup is removed");
            assertEquals(TreeKill.NONE, c.killTree());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void cgroupsTheTreeMadeInsideItsOwnAreRemovedWithIt(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            // The child makes cgroups inside its own (a tree may manage its own), then exits.
            Child c = s.spawn(Command.of("sh", "-c", "d=\"$MOUNT$(sed -n 's/^0:://p' /proc/self/cgroup)\";"
                    + " mkdir -p \"$d/inner/deeper\" && echo made").env("MOUNT", mountOf(cgroups.parent()).toString())
                    .inNewCgroup());
            Path cgroup = c.cgroup().orElseThrow();
            assertEquals("made", Trees.firstLine(c));

            assertEquals(ExitStatus.exited(0), c.waitFor(GUARD));

            assertTrue(Trees.awaitGone(cgroup, GUARD), "removed with what was made inside it");
        }
    }

    /** @return the cgroup2 mount {@code dir} is under: its nearest ancestor without a cgroup.type file */
    private static Path mountOf(Path dir) {
        Path p = dir;
        while (p.getParent() != null && java.nio.file.Files.exists(p.resolve("cgroup.type"))) {
            p = p.getParent();
        }
        return p;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aThousandSleepersDieWithTheTree(Backend backend) throws Exception {
        String mark = Trees.newMark();
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Trees.marked(Command.of("sh", "-c",
                    "i=0; while [ $i -lt 1000 ]; do sleep 1000 & i=$((i+1)); done; echo ready; wait"), mark)
                    .inNewCgroup().stderr(Stdio.discard()));
            assertEquals("ready", Trees.firstLine(c));
            assertEquals(1001, Trees.awaitMarked(mark, 1001, GUARD).size(), "the shell and its 1,000 sleepers");

            assertEquals(TreeKill.CGROUP_KILL, c.killTree());

            assertEquals(ExitStatus.killed(Signal.SIGKILL), c.waitFor(GUARD));
            assertEquals(List.of(), Trees.awaitNoneMarked(mark, GUARD), "left alive");
        }
    }
}
