package dev.spawnring.tree;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.Child;
import dev.spawnring.Command;
import dev.spawnring.ExitStatus;
import dev.spawnring.Signal;
import dev.spawnring.SpawnException;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import dev.spawnring.TreeKill;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.Trees;
import dev.spawnring.uring.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Where no cgroup can be made under the parent a Spawner is given (one that does not exist,
 * one that is no cgroup v2 directory), a child that asked for one still starts, in a process
 * group of its own; {@link Child#cgroupFallback()} says why, {@link Child#killTree()} kills the
 * group and says so, and a limit, which only a cgroup can hold, fails the spawn with the
 * reason. Needs no cgroup at all, so it runs everywhere. Both backends.
 */
@Tag(KernelSuiteMain.TAG)
class TreeFallbackTest {
    private static final Duration GUARD = Duration.ofSeconds(60);

    private static Spawner withParent(Backend backend, Path parent) throws Exception {
        Spawners.create(backend).close(); // skips where the backend is refused
        return Spawner.builder().backend(backend).cgroupParent(parent).build();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aParentThatDoesNotExistFallsBackToTheProcessGroupAndSaysSo(Backend backend) throws Exception {
        String mark = Trees.newMark();
        Path nowhere = Path.of("/sys/fs/cgroup/no-such-parent-of-spawnring");
        try (Spawner s = withParent(backend, nowhere)) {
            Child c = s.spawn(Trees.marked(Command.of("sh", "-c", "sleep 1000 & echo ready; wait"), mark)
                    .inNewCgroup().stderr(Stdio.discard()));
            assertEquals("ready", Trees.firstLine(c));
            assertTrue(c.cgroup().isEmpty());
            assertEquals("no cgroup: configured parent " + nowhere + ": no such directory", c.cgroupFallback());

            assertEquals(TreeKill.PROCESS_GROUP, c.killTree());

            assertEquals(ExitStatus.killed(Signal.SIGKILL), c.waitFor(GUARD));
            assertNull(c.waitFor().usage());
            assertEquals(List.of(), Trees.awaitNoneMarked(mark, GUARD), "left alive");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aParentThatIsNoCgroupFallsBackAndSaysSo(Backend backend, @TempDir Path plainDir) throws Exception {
        try (Spawner s = withParent(backend, plainDir)) {
            Child c = s.spawn(Command.of("true").inNewCgroup());

            assertEquals(ExitStatus.exited(0), c.waitFor(GUARD));
            assertEquals("no cgroup: configured parent " + plainDir + ": not a cgroup v2 directory",
                    c.cgroupFallback());
            try (var left = Files.list(plainDir)) {
                assertEquals(0, left.count(), "nothing made in " + plainDir);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aLimitWithoutACgroupFailsTheSpawnWithTheReason(Backend backend) throws Exception {
        Path nowhere = Path.of("/sys/fs/cgroup/no-such-parent-of-spawnring");
        try (Spawner s = withParent(backend, nowhere)) {
            SpawnException e = assertThrows(SpawnException.class,
                    () -> s.spawn(Command.of("true").cgroupLimit("pids.max", "10")));

            assertEquals("cgroup pids.max 10 (no cgroup: configured parent " + nowhere + ": no such directory)",
                    e.step());
            assertEquals("EOPNOTSUPP", e.errnoName());
        }
    }

    @Test
    void aChildWithoutACgroupOrAGroupOfItsOwnIsKilledAlone() throws Exception {
        try (Spawner s = Spawner.create()) {
            Child c = s.spawn(Command.of("sleep", "1000"));

            assertEquals(TreeKill.CHILD, c.killTree());

            assertEquals(ExitStatus.killed(Signal.SIGKILL), c.waitFor(GUARD));
            assertEquals(TreeKill.NONE, c.killTree());
        }
    }
}
