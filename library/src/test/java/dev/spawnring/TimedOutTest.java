package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.uring.Backend;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link ExitStatus#timedOut()} is a fact the Spawner records when a timeout's SIGTERM goes
 * out, not a guess from wall time; both backends.
 */
@Tag(KernelSuiteMain.TAG)
class TimedOutTest {
    private static Command quiet(Command c) {
        return c.stdin(Stdio.discard()).stdout(Stdio.discard()).stderr(Stdio.discard());
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aChildEndedByItsTimeoutHasTimedOut(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            ExitStatus st = s.spawn(quiet(Command.of("sleep", "60")).timeout(Duration.ofMillis(100), Duration.ofMillis(100))
                    .killProcessGroupOnExit()).waitFor(Duration.ofSeconds(10));
            assertTrue(st.timedOut(), st.toString());
            assertEquals(ExitStatus.killed(Signal.SIGTERM), st, "equality is about how it ended");
            assertEquals("killed by signal 15 (timed out)", st.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aChildThatHeedsTheTermAndExitsZeroHasTimedOutToo(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            // The timeout leaves the shell time to set its trap, even on an emulated CPU.
            Result r = s.run(Command.of("sh", "-c", "trap 'exit 0' TERM; sleep 60 & wait")
                    .timeout(Duration.ofMillis(1500), Duration.ofSeconds(5)).killProcessGroupOnExit()).get();
            assertEquals(ExitStatus.exited(0), r.status());
            assertTrue(r.status().success());
            assertTrue(r.status().timedOut(), r.status().toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aGroupIgnoringTheTermIsKilledAfterTheGraceAndHasTimedOut(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            ExitStatus st = s.spawn(quiet(Command.of("sh", "-c", "trap '' TERM; sleep 60"))
                    .timeout(Duration.ofMillis(1500), Duration.ofMillis(200))).waitFor(Duration.ofSeconds(20));
            assertEquals(ExitStatus.killed(Signal.SIGKILL), st);
            assertTrue(st.timedOut());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aChildThatEndsBeforeItsTimeoutHasNotTimedOut(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            ExitStatus quick = s.spawn(quiet(Command.of("true")).timeout(Duration.ofSeconds(30))).waitFor();
            assertEquals(ExitStatus.exited(0), quick);
            assertFalse(quick.timedOut());
            assertEquals("exit 0", quick.toString());
            Child killed = s.spawn(quiet(Command.of("sleep", "60")).timeout(Duration.ofSeconds(30)));
            killed.destroy();
            ExitStatus st = killed.waitFor();
            assertEquals(ExitStatus.killed(Signal.SIGTERM), st);
            assertFalse(st.timedOut(), "killed by our own SIGTERM, not by the timeout");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aChildWithoutATimeoutHasNotTimedOut(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            assertFalse(s.spawn(quiet(Command.of("sh", "-c", "exit 3"))).waitFor().timedOut());
            assertFalse(s.run(Command.of("true")).get().status().timedOut());
        }
    }

    @Test
    void theThreeArgumentConstructorAndTheFactoriesHaveNotTimedOut() {
        assertFalse(new ExitStatus(-1, 6, true).timedOut());
        assertFalse(ExitStatus.exited(0).timedOut());
        assertFalse(ExitStatus.killed(9).timedOut());
        assertEquals(new ExitStatus(-1, 9, false, true), ExitStatus.killed(9));
        assertEquals(new ExitStatus(-1, 9, false, true).hashCode(), ExitStatus.killed(9).hashCode());
    }
}
