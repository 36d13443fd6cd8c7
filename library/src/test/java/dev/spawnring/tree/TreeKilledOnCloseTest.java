package dev.spawnring.tree;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.Child;
import dev.spawnring.Command;
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
 * {@code Spawner.builder().killTreesOnClose(true)}: {@code close()} kills every child's tree,
 * a running child with a daemon, the daemon a reaped child left in its cgroup, and a child in
 * a process group only; then the loops end. Both backends.
 */
@Tag(KernelSuiteMain.TAG)
class TreeKilledOnCloseTest {
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
    void closeKillsEveryTreeAndTheLoopsEnd(Backend backend) throws Exception {
        Spawners.create(backend).close(); // skips where the backend is refused
        String mark = Trees.newMark();
        Spawner s = Spawner.builder().backend(backend).killTreesOnClose(true).build();
        try {
            Child running = s.spawn(Trees.marked(Command.of("sh", "-c", DAEMON + "; exec sleep 1000"), mark)
                    .inNewCgroup().stderr(Stdio.discard()));
            Child exited = s.spawn(Trees.marked(Command.of("sh", "-c", DAEMON), mark).inNewCgroup()
                    .stderr(Stdio.discard()));
            Child grouped = s.spawn(Trees.marked(Command.of("sh", "-c", "sleep 1000 & echo ready; wait"), mark)
                    .newProcessGroup().stderr(Stdio.discard()));
            for (Child c : List.of(running, exited, grouped)) {
                assertEquals("ready", new BufferedReader(new InputStreamReader(c.stdout())).readLine());
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
