package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.Spawners;
import dev.spawnring.testkit.Procs;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.uring.Backend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What a Command sets up in the child before exec, checked from inside the child; both backends. */
class SpawnerOptionsTest {
    @TempDir
    Path tmp;

    private static String out(Spawner s, Command c) throws Exception {
        Result r = s.run(c).get();
        assertEquals(ExitStatus.exited(0), r.status(), r.stderrText());
        return r.stdoutText();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theDirectoryAndTheEnvironmentAreTheChilds(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            assertEquals(tmp.toRealPath() + "\n", out(s, Command.of("pwd").directory(tmp)));
            assertEquals("A=1\nB=two words\n",
                    out(s, Command.of("/usr/bin/env").clearEnvironment().env("A", "1").env("B", "two words")));
            assertEquals("", out(s, Command.of("sh", "-c", "printf %s \"$HOME\"").removeEnv("HOME")));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void thePathSearchUsesTheChildsPath(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Path bin = java.nio.file.Files.createDirectories(tmp.resolve("bin"));
            Path tool = bin.resolve("my-tool");
            java.nio.file.Files.writeString(tool, "#!/bin/sh\necho found me\n");
            tool.toFile().setExecutable(true);
            assertEquals("found me\n", out(s, Command.of("my-tool").env("PATH", "/nonexistent:" + bin)));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void argv0CanDifferFromTheProgram(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            assertEquals("shown-name\n", out(s, Command.of("sh", "-c", "echo $0").argv0("shown-name")));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aNewSessionAndANewProcessGroupAreLedByTheChild(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            String ids = out(s, Command.of("sh", "-c", "echo $$ $(ps -o sid= -p $$) $(ps -o pgid= -p $$)").newSession());
            String[] f = ids.trim().split("\\s+");
            assertEquals(f[0], f[1], "session id is the child's pid: " + ids);
            assertEquals(f[0], f[2], "and so is its group: " + ids);
            String grp = out(s, Command.of("sh", "-c", "echo $$ $(ps -o pgid= -p $$) $(ps -o sid= -p $$)").newProcessGroup());
            String[] g = grp.trim().split("\\s+");
            assertEquals(g[0], g[1], grp);
            assertNotEquals(g[0], g[2], "same session as the JVM: " + grp);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void umaskAndRlimitsApply(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            assertEquals("0027\n", out(s, Command.of("sh", "-c", "umask").umask(027)));
            assertEquals("123\n", out(s, Command.of("sh", "-c", "ulimit -n").rlimit(Linux.RLIMIT_NOFILE, 123, 456)));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theChildStartsWithAnEmptyMaskAndDefaultDispositions(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            // sh ignores nothing by itself here; the ignored set comes from the parent unless reset.
            String state = out(s, Command.of(Spawners.nativeBin("sr-sigstate")));
            assertTrue(state.contains("SigBlk:\t0000000000000000"), state);
            assertTrue(state.contains("SigIgn:\t0000000000000000"), state);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aTimeoutEndsTheWholeProcessGroupGrandchildrenIncluded(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            // The shell ignores TERM and its grandchildren outlive it: only the group KILL ends them.
            Child c = s.spawn(Command.of("sh", "-c", "trap '' TERM; sleep 60 & sleep 60 & wait")
                    .timeout(Duration.ofMillis(200), Duration.ofMillis(200)));
            long pgid = c.pid();
            assertEquals(ExitStatus.killed(Linux.SIGKILL), c.waitFor(Duration.ofSeconds(10)));
            long deadline = System.nanoTime() + 5_000_000_000L;
            List<Long> left = Procs.processGroupMembers(pgid);
            while (!left.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
                left = Procs.processGroupMembers(pgid);
            }
            assertEquals(List.of(), left, "grandchildren of " + pgid);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aTimeoutThatIsNotReachedChangesNothing(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("true").timeout(Duration.ofSeconds(30)));
            assertEquals(ExitStatus.exited(0), c.waitFor(Duration.ofSeconds(10)));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aTermTimeoutEndsAChildThatHeedsIt(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("sleep", "60").timeout(Duration.ofMillis(100), Duration.ofSeconds(5)));
            assertEquals(ExitStatus.killed(Linux.SIGTERM), c.waitFor(Duration.ofSeconds(10)));
        }
    }
}
