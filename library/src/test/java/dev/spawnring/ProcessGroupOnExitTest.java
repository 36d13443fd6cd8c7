package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testkit.Procs;
import dev.spawnring.uring.Backend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a child leaves in its process group, and signals to a group whose leader is reaped:
 * {@link Command#killProcessGroupOnExit()} kills the leftovers while the leader is still a
 * zombie, and nothing is sent to the group once the leader is reaped (its number may name
 * another group by then); both backends.
 */
@Tag(KernelSuiteMain.TAG)
class ProcessGroupOnExitTest {
    /** The leader prints its background sleeper's pid and exits at once, leaving it in its group. */
    /** A leader that starts a sleeper, prints its pid, and exits once its stdin is closed (the test holds a pidfd of the sleeper by then). */
    private static Command leaderLeavingASleeper() {
        return Command.of("sh", "-c", "sleep 60 </dev/null & echo $!; read go; exit 0").stdin(Stdio.pipe()).stderr(Stdio.discard());
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void killProcessGroupOnExitKillsASleeperLeftInTheGroupBeforeTheReap(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(leaderLeavingASleeper().killProcessGroupOnExit());
            long sleeper = Long.parseLong(new BufferedReader(new InputStreamReader(c.stdout())).readLine().trim());
            int sleeperFd = Sys.pidfdOpen(sleeper, 0);
            c.stdin().close(); // now the leader may exit
            assertTrue(sleeperFd >= 0, "pidfd_open of the sleeper " + sleeper);
            try {
                assertEquals(ExitStatus.exited(0), c.waitFor(Duration.ofSeconds(10)));
                assertFalse(c.isAlive());
                // The SIGKILL went out before the reap; its delivery is the kernel's, a moment later.
                assertTrue(exitsWithin(sleeperFd, 5_000), "the sleeper " + sleeper + " left in the group still runs");
                assertEquals(List.of(), Procs.processGroupMembers(c.pid()));
            } finally {
                Sys.pidfdSendSignal(sleeperFd, Linux.SIGKILL, 0);
                Sys.close(sleeperFd);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void withoutTheOptionTheSleeperOutlivesItsLeader(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(leaderLeavingASleeper().newProcessGroup());
            long sleeper = Long.parseLong(new BufferedReader(new InputStreamReader(c.stdout())).readLine().trim());
            int sleeperFd = Sys.pidfdOpen(sleeper, 0);
            c.stdin().close(); // now the leader may exit
            assertTrue(sleeperFd >= 0);
            try {
                assertEquals(ExitStatus.exited(0), c.waitFor(Duration.ofSeconds(10)));
                assertFalse(exitsWithin(sleeperFd, 300), "the sleeper died without killProcessGroupOnExit");
            } finally {
                Sys.pidfdSendSignal(sleeperFd, Linux.SIGKILL, 0);
                Sys.close(sleeperFd);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aGroupSignalAfterTheReapReachesNoGroupThatReusedTheNumber(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("true").killProcessGroupOnExit());
            assertEquals(ExitStatus.exited(0), c.waitFor());
            // A new session leader now has the child's number as its pid and its group's.
            try (Squatter squatter = Squatter.on(c.pid())) {
                c.signalGroup(Linux.SIGKILL);
                c.signalGroup(Linux.SIGTERM);
                c.destroyForcibly();
                assertTrue(squatter.alive(), "a group signal for the reaped child reached the group now using its number");
            }
        }
    }

    @Test
    void theOptionGivesTheChildAGroupOfItsOwnAndRefusesASharedOne() {
        assertEquals(0, Command.of("x").killProcessGroupOnExit().spec().processGroup());
        assertTrue(Command.of("x").newSession().killProcessGroupOnExit().spec().leadsOwnGroup());
        var e1 = assertThrows(IllegalArgumentException.class,
                () -> Command.of("x").processGroup(42).killProcessGroupOnExit());
        assertTrue(e1.getMessage().startsWith("killProcessGroupOnExit() conflicts with processGroup(42)"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> Command.of("x").killProcessGroupOnExit().processGroup(42));
        assertTrue(e2.getMessage().startsWith("processGroup(42) conflicts with killProcessGroupOnExit()"), e2.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void signalGroupReachesTheGrandchildrenWhileTheLeaderLives(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("sh", "-c", "sleep 60 & echo $!; wait").killProcessGroupOnExit()
                    .stdin(Stdio.discard()).stderr(Stdio.discard()));
            long sleeper = Long.parseLong(new BufferedReader(new InputStreamReader(c.stdout())).readLine().trim());
            int sleeperFd = Sys.pidfdOpen(sleeper, 0);
            assertTrue(sleeperFd >= 0);
            try {
                c.signalGroup(Linux.SIGTERM);
                assertEquals(ExitStatus.killed(Linux.SIGTERM), c.waitFor(Duration.ofSeconds(10)));
                assertTrue(exitsWithin(sleeperFd, 5_000), "the grandchild got no group signal");
            } finally {
                Sys.close(sleeperFd);
            }
        }
    }

    /** Whether the process behind {@code pidfd} exits within {@code millis} (a pidfd polls readable then). */
    static boolean exitsWithin(int pidfd, int millis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(Linux.POLLFD_SIZE);
            pollfd.set(ValueLayout.JAVA_INT, 0, pidfd);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, (short) Linux.POLLIN);
            long deadline = System.nanoTime() + millis * 1_000_000L;
            while (true) {
                int left = (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
                int r = Sys.poll(pollfd, 1, left);
                if (r > 0) {
                    return true;
                }
                if (r == 0 || left == 0) {
                    return false;
                }
            }
        }
    }
}
