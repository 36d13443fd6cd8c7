package dev.spawnring.tree;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.Child;
import dev.spawnring.Command;
import dev.spawnring.ExitStatus;
import dev.spawnring.Result;
import dev.spawnring.Spawner;
import dev.spawnring.TreeUsage;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.TreeCgroups;
import dev.spawnring.testing.Trees;
import dev.spawnring.uring.Backend;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The exit status of a child in a cgroup of its own carries what its whole tree used, checked
 * against work of a known size: two processes that each burn 100 ms of their own CPU time
 * ({@code sr-burn-cpu}, which counts its own CPU clock, whatever the load), one of them a
 * background process the child does not wait for. The peaks are -1 where their controllers
 * are off. A child without a cgroup has no usage. Both backends.
 */
@Tag(KernelSuiteMain.TAG)
class TreeUsageTest {
    private static final Duration GUARD = Duration.ofSeconds(120);

    @RegisterExtension
    final TreeCgroups cgroups = new TreeCgroups(GUARD);

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theTreesCpuTimeIsAtLeastWhatItsProcessesBurned(Backend backend) throws Exception {
        String burn = Spawners.nativeBin("sr-burn-cpu");
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("sh", "-c", burn + " 100 & " + burn + " 100; wait").inNewCgroup());

            ExitStatus status = c.waitFor(GUARD);

            assertEquals(ExitStatus.exited(0), status);
            TreeUsage usage = status.usage();
            assertNotNull(usage, "a child in a cgroup has its usage");
            assertNotNull(usage.totalCpu(), "cpu.stat is in every cgroup v2");
            assertTrue(usage.totalCpu().compareTo(Duration.ofMillis(200)) >= 0, usage.toString());
            boolean memory = Trees.controllerEnabled(cgroups.parent(), "memory");
            assertEquals(memory, usage.memoryPeak() > 0, "memory.peak known iff the memory controller is on: " + usage);
            boolean pids = Trees.controllerEnabled(cgroups.parent(), "pids");
            assertEquals(pids, usage.pidsPeak() >= 3, "pids.peak known iff the pids controller is on: " + usage);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aRunsResultCarriesTheUsageToo(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Result r = s.run(Command.of(Spawners.nativeBin("sr-burn-cpu"), "50").inNewCgroup()).join();

            assertNotNull(r.status().usage());
            assertTrue(r.status().usage().totalCpu().compareTo(Duration.ofMillis(50)) >= 0, r.status().usage()
                    .toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aChildWithoutACgroupHasNoUsage(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            assertNull(s.spawn(Command.of("true")).waitFor().usage());
        }
    }
}
