package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kernel constants a user reaches from {@code dev.spawnring}: signals, rlimits, errno names. */
class ConstantsTest {
    @Test
    void signalNumbersAreTheKernelsAndHaveTheirNames() {
        assertEquals(Linux.SIGTERM, Signal.SIGTERM);
        assertEquals(Linux.SIGKILL, Signal.SIGKILL);
        assertEquals(Linux.NSIG_MAX, Signal.SIGRTMAX);
        assertEquals("SIGTERM", Signal.name(15));
        assertEquals("SIGSYS", Signal.name(31));
        assertEquals("SIGRTMIN", Signal.name(32));
        assertEquals("SIGRTMIN+2", Signal.name(34));
        assertEquals("SIGRTMAX", Signal.name(64));
        assertThrows(IllegalArgumentException.class, () -> Signal.name(0));
        assertThrows(IllegalArgumentException.class, () -> Signal.name(65));
        for (int s = 1; s <= Signal.SIGRTMAX; s++) {
            assertEquals(s, Signal.number(Signal.name(s)));
        }
        assertEquals(Signal.SIGINT, Signal.number("int"));
        assertThrows(IllegalArgumentException.class, () -> Signal.number("SIGNOPE"));
    }

    @Test
    void rlimitsAreTheKernelsAndHaveTheirNames() {
        assertEquals(Linux.RLIMIT_NOFILE, Rlimit.RLIMIT_NOFILE);
        assertEquals(Linux.RLIMIT_CORE, Rlimit.RLIMIT_CORE);
        assertEquals(Linux.RLIM_INFINITY, Rlimit.RLIM_INFINITY);
        assertEquals("RLIMIT_NOFILE", Rlimit.name(7));
        assertEquals("RLIMIT_RTTIME", Rlimit.name(15));
        assertThrows(IllegalArgumentException.class, () -> Rlimit.name(16));
        assertEquals("rlimit: unknown resource 16",
                assertThrows(IllegalArgumentException.class, () -> Command.of("x").rlimit(16, 1, 1)).getMessage());
    }

    @Test
    void aSpawnExceptionNamesItsErrno() {
        SpawnException e = new SpawnException("prog", Path.of("/tmp"), "exec", Errno.ENOENT, List.of("/a/prog"));
        assertEquals("ENOENT", e.errnoName());
        assertEquals("No such file or directory", e.errnoMessage());
        assertEquals("Cannot run program \"prog\" (in directory \"/tmp\"): exec: No such file or directory (ENOENT), "
                + "tried /a/prog", e.getMessage());
        assertEquals("ECANCELED", SpawnException.errnoName(-Errno.ECANCELED), "a completion's -errno");
        assertEquals("Permission denied", SpawnException.errnoMessage(Errno.EACCES));
    }
}
