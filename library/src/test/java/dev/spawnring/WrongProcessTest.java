package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testkit.Procs;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Backend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * spawnring never signals the wrong process: once a child is reaped its pid may name another
 * process (or process group) at any moment, and nothing spawnring sends may reach that one;
 * both backends.
 */
@Tag(KernelSuiteMain.TAG)
class WrongProcessTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void signalsToAReapedChildReachNoOneElse(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(quiet(Command.of("sleep", "60")));
            c.destroy();
            assertEquals(ExitStatus.killed(Linux.SIGTERM), c.waitFor());
            try (Squatter squatter = Squatter.on(c.pid())) {
                c.destroyForcibly();
                c.signal(Linux.SIGTERM);
                c.toHandle().destroyForcibly();
                c.asProcess().destroyForcibly();
                assertTrue(squatter.alive(), "a signal for the reaped child reached the process now using its pid");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aTimeoutsSigkillNeverReachesAProcessGroupThatReusedTheNumber(Backend backend) throws Exception {
        Spawner s = Spawners.create(backend);
        // The timeout sends SIGTERM to the child's group (it dies of it), then SIGKILL after the grace.
        Child c = s.spawn(quiet(Command.of("sleep", "60")).timeout(Duration.ofMillis(50), Duration.ofMillis(700)));
        assertEquals(ExitStatus.killed(Linux.SIGTERM), c.waitFor());
        // The group is gone; a new session leader now has the same number as pid and pgid.
        try (Squatter squatter = Squatter.on(c.pid())) {
            s.close();
            s.awaitTermination(); // the loop stays up until the SIGKILL timer has fired
            assertTrue(squatter.alive(), "the timeout's SIGKILL reached a process group that reused the child's pgid");
        } finally {
            s.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aTimeoutsSigkillStillEndsAGroupThatOutlivesItsLeader(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            // The leader dies of the TERM; its grandchild ignores TERM and lives on in the group.
            Child c = s.spawn(quiet(Command.of("sh", "-c", "sh -c \"trap '' TERM; sleep 60\" & sleep 60"))
                    .timeout(Duration.ofMillis(100), Duration.ofMillis(300)));
            long pgid = c.pid();
            try {
                assertEquals(ExitStatus.killed(Linux.SIGTERM), c.waitFor());
                for (int i = 0; i < 1000 && !Procs.processGroupMembers(pgid).isEmpty(); i++) {
                    Thread.sleep(10);
                }
                assertEquals(java.util.List.of(), Procs.processGroupMembers(pgid),
                        "what was left of the group after the grace period");
            } finally {
                if (!Procs.processGroupMembers(pgid).isEmpty()) {
                    Sys.kill(-pgid, Linux.SIGKILL); // the group still exists: its number is still its own
                }
            }
        }
    }

    private static Command quiet(Command c) {
        return c.stdin(Stdio.discard()).stdout(Stdio.discard()).stderr(Stdio.discard());
    }

    /** A process started with a given pid (sr-pid-squat: clone3 set_tid), leading its own session. */
    private record Squatter(Process process, int pidfd) implements AutoCloseable {
        static Squatter on(long pid) throws Exception {
            Process p = new ProcessBuilder(Spawners.nativeBin("sr-pid-squat"), Long.toString(pid))
                    .redirectErrorStream(true).start();
            String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
            if (line == null || !line.equals("squatting " + pid)) {
                p.destroyForcibly();
                p.waitFor();
                Assumptions.abort("skipped: cannot start a process with pid " + pid + " (clone3 set_tid needs "
                        + "CAP_SYS_ADMIN, and the pid must be free): " + line);
            }
            // The squatter is sr-pid-squat's unreaped child: its pid is certainly its own here.
            int pidfd = Sys.pidfdOpen(pid, 0);
            assertTrue(pidfd >= 0, "pidfd_open " + pid);
            return new Squatter(p, pidfd);
        }

        boolean alive() {
            return Sys.pidfdSendSignal(pidfd, 0, 0) == 0;
        }

        @Override
        public void close() throws Exception {
            Sys.pidfdSendSignal(pidfd, Linux.SIGKILL, 0);
            Sys.close(pidfd);
            process.waitFor();
        }
    }
}
