package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.uring.Backend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code Child.asProcess()} behaves as a {@link Process} does, checked the way code written
 * for {@code Process} uses it (streams, waitFor, exitValue, isAlive, destroy, onExit, pid,
 * toHandle, info); both backends.
 */
@Tag(KernelSuiteMain.TAG)
class ChildProcessTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void streamsAndExitValueWorkAsWithProcessBuilder(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Process p = s.spawn(Command.of("sh", "-c", "read x; echo got $x; echo oops >&2; exit 3")).asProcess();
            try (Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
                w.write("hello\n");
            }
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                assertEquals("got hello", r.readLine());
                assertNull(r.readLine());
            }
            assertEquals("oops\n", new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(3, p.waitFor());
            assertEquals(3, p.exitValue());
            assertFalse(p.isAlive());
            assertTrue(p.waitFor(0, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void exitValueOfARunningProcessThrowsIllegalThreadState(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Process p = s.spawn(Command.of("sleep", "30")).asProcess();
            assertTrue(p.isAlive());
            assertThrows(IllegalThreadStateException.class, p::exitValue);
            assertFalse(p.waitFor(10, TimeUnit.MILLISECONDS));
            assertTrue(p.supportsNormalTermination());
            p.destroy();
            assertEquals(128 + 15, p.waitFor());
            assertSame(p, p.onExit().get());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void destroyForciblyPidHandleAndInfoAgreeWithTheKernel(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Process p = s.spawn(Command.of("sleep", "30")).asProcess();
            ProcessHandle h = p.toHandle();
            assertEquals(p.pid(), h.pid());
            assertTrue(h.isAlive());
            assertEquals(ProcessHandle.current(), h.parent().orElseThrow());
            assertTrue(ProcessHandle.current().children().anyMatch(c -> c.pid() == p.pid()),
                    "the kernel lists it as this JVM's child");
            assertTrue(p.info().command().orElse("").endsWith("sleep"), p.info().toString());
            assertSame(p, p.destroyForcibly());
            assertEquals(128 + 9, p.waitFor());
            assertFalse(h.isAlive());
            assertEquals(h, h.onExit().get());
        }
    }
}
