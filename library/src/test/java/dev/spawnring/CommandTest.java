package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.internal.process.OsString;
import dev.spawnring.internal.process.ProcessSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Command is immutable and refuses bad or conflicting options when they are set. */
class CommandTest {
    @Test
    void everyMethodReturnsANewCommandAndLeavesTheOldOneAlone() {
        Command a = Command.of("ls", "-l");
        Command b = a.directory(Path.of("/tmp")).env("X", "1");
        assertNull(a.directory());
        assertEquals(new java.util.TreeMap<>(System.getenv()), a.environment());
        assertEquals(Path.of("/tmp"), b.directory());
        assertEquals("1", b.environment().get("X"));
        assertEquals(List.of("ls", "-l"), b.command());
    }

    @Test
    void theEnvironmentCanBeInheritedClearedSetAndTrimmed() {
        Command c = Command.of("env").clearEnvironment().env("A", "1").env("B", "2").removeEnv("A");
        assertEquals(Map.of("B", "2"), c.environment());
        Command inherited = Command.of("env").removeEnv("PATH");
        assertFalse(inherited.environment().containsKey("PATH"));
        assertEquals(Map.of("K", "V"), Command.of("env").environment(Map.of("K", "V")).environment());
    }

    @Test
    void anEmptyArgvOrABadVariableNameIsRefused() {
        assertEquals("a command needs a program: argv is empty",
                assertThrows(IllegalArgumentException.class, () -> Command.of(List.of())).getMessage());
        assertEquals("bad environment variable name \"A=B\": it must be non-empty, without '=' or NUL",
                assertThrows(IllegalArgumentException.class, () -> Command.of("x").env("A=B", "v")).getMessage());
        assertThrows(NullPointerException.class, () -> Command.of("x", null));
    }

    @Test
    void conflictingOptionsNameBothSides() {
        var e1 = assertThrows(IllegalArgumentException.class,
                () -> Command.of("x").stderr(Stdio.discard()).redirectErrorStream());
        assertEquals("redirectErrorStream() conflicts with stderr(Discard[])", e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> Command.of("x").newSession().processGroup(42));
        assertEquals("processGroup(42) conflicts with newSession()", e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class,
                () -> Command.of("x").processGroup(42).timeout(Duration.ofSeconds(1)));
        assertTrue(e3.getMessage().startsWith("timeout(PT1S) conflicts with processGroup(42)"), e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class, () -> Command.of("x").fd(1, 5));
        assertEquals("fd(1, 5): child fds 0-2 are set with stdin/stdout/stderr(Stdio.fd(5))", e4.getMessage());
    }

    @Test
    void valuesOutOfRangeAreRefusedWithTheValue() {
        assertEquals("umask(01000): not within 0777",
                assertThrows(IllegalArgumentException.class, () -> Command.of("x").umask(01000)).getMessage());
        assertEquals("parentDeathSignal(99): not a signal",
                assertThrows(IllegalArgumentException.class, () -> Command.of("x").parentDeathSignal(99)).getMessage());
        assertEquals("rlimit(7): soft limit 10 is above the hard limit 5",
                assertThrows(IllegalArgumentException.class, () -> Command.of("x").rlimit(7, 10, 5)).getMessage());
        assertEquals("Stdio.fd: bad file descriptor -1",
                assertThrows(IllegalArgumentException.class, () -> Stdio.fd(-1)).getMessage());
    }

    @Test
    void aTimeoutGivesTheChildAProcessGroupOfItsOwn() {
        Command c = Command.of("x").timeout(Duration.ofSeconds(5));
        assertEquals(0, c.spec().processGroup());
        assertEquals(Duration.ofSeconds(2), c.spec().grace());
    }

    @Test
    void thePathIsSearchedOnlyForANameWithoutSlash() {
        assertEquals(List.of("./tool"), candidates("./tool", "/a:/b"));
        assertEquals(List.of("/a/tool", "./tool", "/b/tool"), candidates("tool", "/a::/b:/a"));
        assertEquals(List.of("/a/tool", "./tool"), candidates("tool", "/a:"));
        assertEquals(List.of("/usr/local/bin/tool", "/usr/bin/tool", "/bin/tool"), candidates("tool", null));
    }

    private static List<String> candidates(String program, String path) {
        return ProcessSpec.pathCandidates(OsString.of(program), path == null ? null : OsString.of(path)).stream()
                .map(OsString::text).toList();
    }
}
