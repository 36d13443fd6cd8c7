package dev.spawnring.tree;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.Child;
import dev.spawnring.Command;
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
 * {@code Spawner.builder().killTreesOnClose(true)}: {@code close()} kills every child's tree,
 * a running child with a daemon, the daemon a reaped child left in its cgroup, and a child in
 * a process group only; then the loops end. Both backends.
 */
@Tag(KernelSuiteMain.TAG)
class TreeKilledOnCloseTest {
    private static final Duration GUARD = Duration.ofSeconds(60);

    @RegisterExtension
    final TreeCgroups cgroups = new TreeCgroups(GUARD);

    @ParameterizedTest
    @EnumSource(Backend.class)
    void closeKillsEveryTreeAndTheLoopsEnd(Backend backend) throws Exception {
        Spawners.create(backend).close(); // skips where the backend is refused
        String mark = Trees.newMark();
        Spawner s = Spawner.builder().backend(backend).killTreesOnClose(true).build();
        try {
            Child running = s.spawn(Trees.marked(Command.of("sh", "-c", Trees.DAEMON + "; exec sleep 1000"), mark)
                    .inNewCgroup().stderr(Stdio.discard()));
            Child exited = s.spawn(Trees.marked(Command.of("sh", "-c", Trees.DAEMON), mark).inNewCgroup()
                    .stderr(Stdio.discard()));
            Child grouped = s.spawn(Trees.marked(Command.of("sh", "-c", "sleep 1000 & echo ready; wait"), mark)
                    .newProcessGroup().stderr(Stdio.discard()));
            for (Child c : List.of(running, exited, grouped)) {
                assertEquals("ready", Trees.firstLine(c));
            }
            exited.waitFor(GUARD);
            // running: its sleep and its daemon; exited: its daemon; grouped: its shell and its sleeper
            assertEquals(5, Trees.awaitMarked(mark, 5, GUARD).size());

            s.close();

            assertEquals(List.of(), Trees.awaitNoneMarked(mark, GUARD), "left alive");
            s.awaitTermination();
            assertFalse(running.isAlive());
            assertFalse(grouped.isAlive());
        } finally {
            s.close(); // kills whatever a failed assertion left
        }
    }
}
