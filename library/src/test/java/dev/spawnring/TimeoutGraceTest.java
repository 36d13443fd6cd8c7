package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Kernel;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testkit.Procs;
import dev.spawnring.uring.Backend;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A timeout's grace period, on every kernel: a child that exits of the timeout's SIGTERM is
 * reaped at once (so {@code waitFor} returns then, not at the end of the grace period), and
 * what is left of its group still gets the SIGKILL, no other group ever: through the reaped
 * child's pidfd at the end of the grace period (PIDFD_SIGNAL_PROCESS_GROUP, Linux 6.9+), or at
 * the child's exit on older kernels (and with {@code -Dspawnring.debug.noPidfdGroupSignal=true}).
 * Both backends.
 */
@Tag(KernelSuiteMain.TAG)
class TimeoutGraceTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void aChildThatExitsOfItsTimeoutsTermIsReapedAtOnceNotAtTheEndOfTheGrace(Backend backend) throws Exception {
        Spawner s = Spawners.create(backend);
        try {
            Duration grace = Duration.ofSeconds(60);
            long start = System.nanoTime();
            Child c = s.spawn(quiet(Command.of("sleep", "60")).timeout(Duration.ofMillis(100), grace));
            ExitStatus st;
            try {
                st = c.waitFor(Duration.ofSeconds(40));
            } catch (TimeoutException e) {
                fail("the child died of the SIGTERM but was not reaped before the grace period ended");
                return;
            }
            assertEquals(ExitStatus.killed(Signal.SIGTERM), st);
            assertTrue(st.timedOut(), st.toString());
            assertFalse(c.isAlive());
            assertTrue(System.nanoTime() - start < grace.toNanos());
        } finally {
            s.close(); // with PIDFD_SIGNAL_PROCESS_GROUP, its loop stays up until the grace period's end
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void whatIsLeftOfTheGroupGetsTheSigkillAtTheEndOfTheGraceOrAtTheLeadersExitBefore69(Backend backend)
            throws Exception {
        boolean throughPidfd = Kernel.groupSignalByPidfd();
        // With the pidfd the SIGKILL waits for the grace period; without it, it goes at the exit.
        Duration grace = throughPidfd ? Duration.ofSeconds(3) : Duration.ofSeconds(60);
        try (Spawner s = Spawners.create(backend)) {
            // The leader dies of the TERM; the shell it started ignores TERM and lives on in the group.
            Child c = s.spawn(quiet(Command.of("sh", "-c", "sh -c \"trap '' TERM; sleep 60\" & sleep 60"))
                    .timeout(Duration.ofMillis(300), grace));
            long pgid = c.pid();
            try {
                assertEquals(ExitStatus.killed(Signal.SIGTERM), c.waitFor(Duration.ofSeconds(40)));
                long reaped = System.nanoTime();
                List<Long> left = Procs.processGroupMembers(pgid);
                if (throughPidfd) {
                    assertFalse(left.isEmpty(), "the group was killed before the grace period ended");
                }
                waitUntilEmpty(pgid, Duration.ofSeconds(40));
                if (!throughPidfd) {
                    assertTrue(System.nanoTime() - reaped < grace.toNanos(), "killed only at the grace's end");
                }
            } finally {
                if (!Procs.processGroupMembers(pgid).isEmpty()) {
                    Sys.kill(-pgid, Linux.SIGKILL); // the group still exists: its number is still its own
                }
            }
        }
    }

    @Test
    void aGroupSignalThroughAReapedLeadersPidfdReachesWhatIsLeftOfTheGroupAndNoGroupThatReusedTheNumber()
            throws Exception {
        int probe = Kernel.groupSignalProbe();
        Assumptions.assumeTrue(probe == 0, () -> "skipped: this kernel (" + Kernel.release() + ") has no"
                + " PIDFD_SIGNAL_PROCESS_GROUP (Linux 6.9+): pidfd_send_signal says " + Errno.describe(probe));
        try (Spawner s = Spawner.create(Backend.FALLBACK)) {
            // A leader that waits on its stdin, with a member in its group.
            Child leader = s.spawn(Command.of("sh", "-c", "sleep 60 & read x").newProcessGroup()
                    .stdout(Stdio.discard()).stderr(Stdio.discard()));
            long pgid = leader.pid();
            int pidfd = Sys.pidfdOpen(pgid, 0); // unreaped: the pid is certainly the leader's
            assertTrue(pidfd >= 0, "pidfd_open: " + pidfd);
            try {
                for (int i = 0; i < 4000 && Procs.processGroupMembers(pgid).size() < 2; i++) {
                    Thread.sleep(5);
                }
                try (OutputStream in = leader.stdin()) {
                    in.write('\n');
                }
                assertEquals(ExitStatus.exited(0), leader.waitFor(Duration.ofSeconds(40)));
                assertEquals(1, Procs.processGroupMembers(pgid).size(), "the member outlives the reaped leader");
                assertEquals(0, Sys.pidfdSendSignal(pidfd, Linux.SIGKILL, Linux.PIDFD_SIGNAL_PROCESS_GROUP));
                waitUntilEmpty(pgid, Duration.ofSeconds(40));
            } finally {
                Sys.close(pidfd);
                if (!Procs.processGroupMembers(pgid).isEmpty()) {
                    Sys.kill(-pgid, Linux.SIGKILL);
                }
            }

            // A leader alone in its group, reaped; then a new group leader takes its number.
            Child alone = s.spawn(Command.of("sleep", "60").newProcessGroup().stdin(Stdio.discard())
                    .stdout(Stdio.discard()).stderr(Stdio.discard()));
            int stale = Sys.pidfdOpen(alone.pid(), 0);
            assertTrue(stale >= 0, "pidfd_open: " + stale);
            try {
                alone.destroyForcibly();
                alone.waitFor(Duration.ofSeconds(40));
                try (Squatter squatter = Squatter.on(alone.pid())) {
                    assertEquals(-Errno.ESRCH, Sys.pidfdSendSignal(stale, Linux.SIGKILL,
                            Linux.PIDFD_SIGNAL_PROCESS_GROUP), "the stale pidfd names the old group, now empty");
                    assertTrue(squatter.alive(), "a group signal through a stale pidfd reached the group now"
                            + " using the number");
                }
            } finally {
                Sys.close(stale);
            }
        }
    }

    private static void waitUntilEmpty(long pgid, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!Procs.processGroupMembers(pgid).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of(), Procs.processGroupMembers(pgid), "what was left of group " + pgid);
    }

    private static Command quiet(Command c) {
        return c.stdin(Stdio.discard()).stdout(Stdio.discard()).stderr(Stdio.discard());
    }
}
