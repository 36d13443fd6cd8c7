package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.Isolation;
import dev.spawnring.testkit.Procs;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.uring.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A spawn that fails names the program, the directory, the step and the errno; the Spawner goes on. */
@Tag(Isolation.TAG)
@Tag(KernelSuiteMain.TAG)
class SpawnerErrorsTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aMissingProgramListsTheCandidatesTried(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            var e = assertThrows(SpawnException.class, () -> s.spawn(Command.of("no-such-tool")
                    .env("PATH", "/usr/local/bin:/usr/bin").directory(tmp)));
            assertEquals("Cannot run program \"no-such-tool\" (in directory \"" + tmp + "\"): exec: "
                    + "No such file or directory (ENOENT), tried /usr/local/bin/no-such-tool, /usr/bin/no-such-tool",
                    e.getMessage());
            assertEquals("exec", e.step());
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals(List.of("/usr/local/bin/no-such-tool", "/usr/bin/no-such-tool"), e.tried());
            assertEquals(ExitStatus.exited(0), s.spawn(Command.of("true")).waitFor(), "the spawner goes on");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aRedirectThatCannotBeOpenedNamesTheStream(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            var e = assertThrows(SpawnException.class,
                    () -> s.spawn(Command.of("true").stdout(Stdio.to(Path.of("/nope/out.log")))));
            assertEquals("Cannot run program \"true\": open stdout /nope/out.log: No such file or directory (ENOENT)",
                    e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aMissingDirectoryFailsOnTheChdirStep(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Path missing = tmp.resolve("gone");
            var e = assertThrows(SpawnException.class, () -> s.spawn(Command.of("true").directory(missing)));
            assertEquals("chdir " + missing, e.step());
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals(List.of(), Procs.zombieChildren(), "the failed child is reaped");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aFileThatIsNotExecutableGivesEacces(Backend backend) throws Exception {
        Path script = Files.writeString(tmp.resolve("script"), "#!/bin/sh\ntrue\n");
        try (Spawner s = Spawners.create(backend)) {
            var e = assertThrows(SpawnException.class, () -> s.spawn(Command.of(script.toString())));
            assertEquals(Errno.EACCES, e.errno());
            assertEquals("exec", e.step());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aNulInAnArgumentIsRefusedBeforeAnythingStarts(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            // The loop's own fds first (FALLBACK's reactor dups the wake-up eventfd once it runs).
            s.spawn(Command.of("true")).waitFor();
            Map<Integer, String> fds = Procs.openFds(); // what is open now; what closes meanwhile is no leak
            var e = assertThrows(IllegalArgumentException.class, () -> s.spawn(Command.of("echo", "a\0b")));
            assertEquals("argv[1] contains a NUL character at index 1: \"a\\0b\"", e.getMessage());
            // A wake-up of the loop may hold a dup for a moment on FALLBACK: wait for it to settle.
            for (int i = 0; i < 100 && !Procs.fdsOpenedSince(fds).isEmpty(); i++) {
                Thread.sleep(10);
            }
            assertEquals(Map.of(), Procs.fdsOpenedSince(fds), "the pipes made for it are closed");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aClosedSpawnerRefusesNewSpawns(Backend backend) throws Exception {
        Spawner s = Spawners.create(backend);
        s.close();
        assertEquals("spawner is closed",
                assertThrows(IllegalStateException.class, () -> s.spawn(Command.of("true"))).getMessage());
        s.awaitTermination();
    }
}
