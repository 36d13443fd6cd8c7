package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testkit.Procs;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.uring.Backend;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Exits by code and by signal, waiting, signalling through the pidfd; both backends. */
@Tag(KernelSuiteMain.TAG)
class SpawnerExitTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void exitCodesComeBackAsTheyWere(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            for (int code : new int[] {0, 1, 2, 42, 127, 255}) {
                ExitStatus st = s.spawn(Command.of("sh", "-c", "exit " + code)).waitFor();
                assertEquals(ExitStatus.exited(code), st);
                assertEquals(code == 0, st.success());
                assertTrue(st.exited());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {Linux.SIGHUP, Linux.SIGINT, Linux.SIGQUIT, Linux.SIGABRT, Linux.SIGKILL, Linux.SIGSEGV,
        Linux.SIGPIPE, Linux.SIGALRM, Linux.SIGTERM, Linux.SIGUSR1, Linux.SIGUSR2})
    void aChildKilledByASignalReportsThatSignal(int signal) throws Exception {
        for (Backend backend : Backend.values()) {
            try (Spawner s = Spawners.create(backend)) {
                // The shell kills itself: dispositions are reset, so every signal takes its default action.
                ExitStatus st = s.spawn(Command.of("sh", "-c", "kill -" + signal + " $$; sleep 5")
                        .stdout(Stdio.discard()).stderr(Stdio.discard())).waitFor();
                assertTrue(st.signaled(), backend + ": " + st);
                assertEquals(signal, st.signal(), backend + ": " + st);
                assertEquals(128 + signal, st.exitValue());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void destroyAndDestroyForciblyGoThroughThePidfd(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child term = s.spawn(Command.of("sleep", "30"));
            term.destroy();
            assertEquals(ExitStatus.killed(Linux.SIGTERM), term.waitFor());
            Child kill = s.spawn(Command.of("sh", "-c", "trap '' TERM; sleep 30"));
            kill.destroyForcibly();
            assertEquals(ExitStatus.killed(Linux.SIGKILL), kill.waitFor());
            // Once reaped, signals do nothing: the pid may already be someone else's.
            kill.destroyForcibly();
            kill.signal(Linux.SIGTERM);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void onExitCompletesWithTheStatusAndWaitForTimesOut(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            // cat ends when its stdin closes: alive until then however slow the machine is
            Child c = s.spawn(Command.of("cat"));
            assertTrue(c.isAlive());
            assertThrows(TimeoutException.class, () -> c.waitFor(Duration.ofMillis(20)));
            c.stdin().close();
            assertEquals(ExitStatus.exited(0), c.onExit().get());
            assertFalse(c.isAlive());
            assertEquals(ExitStatus.exited(0), c.waitFor(Duration.ofMillis(1)));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aBadSignalNumberIsRefused(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("true"));
            assertEquals("signal(0): not a signal", assertThrows(IllegalArgumentException.class, () -> c.signal(0))
                    .getMessage());
            c.waitFor();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void signalGroupReachesGrandchildrenAndIsRefusedWithoutAGroupOfItsOwn(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("sh", "-c", "sleep 60 & sleep 60 & wait").newProcessGroup());
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (Procs.processGroupMembers(c.pid()).size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            c.signalGroup(Linux.SIGKILL);
            assertEquals(ExitStatus.killed(Linux.SIGKILL), c.waitFor());
            while (!Procs.processGroupMembers(c.pid()).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(java.util.List.of(), Procs.processGroupMembers(c.pid()));
            Child plain = s.spawn(Command.of("true"));
            var e = assertThrows(IllegalStateException.class, () -> plain.signalGroup(Linux.SIGTERM));
            assertTrue(e.getMessage().contains("leads no process group of its own"), e.getMessage());
            plain.waitFor();
        }
    }
}
