package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.ChildJvm;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.Isolation;
import dev.spawnring.testkit.Procs;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Faults injected into spawns: each gives a {@link SpawnException} that names the step and
 * the errno, nothing is left behind, and the Spawner keeps working afterwards; both backends.
 * Exhausting fds and processes is done to a child JVM (a lowered RLIMIT_NOFILE, a cgroup's
 * {@code pids.max}), never to the test JVM.
 */
@Tag(Isolation.TAG)
class FaultInjectionTest {
    @TempDir
    static Path tmp;

    /** A fault: how to build the command in {@code tmp}, the step it must fail on, the errno. */
    record Fault(String name, Function<Path, Command> command, Function<Path, String> step, int errno) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> faults() {
        List<Fault> faults = List.of(
                new Fault("a missing program", d -> Command.of(d.resolve("absent").toString()), d -> "exec",
                        Errno.ENOENT),
                new Fault("a file without the execute bit", d -> Command.of(file(d, "plain", "#!/bin/sh\n", "rw-r--r--")),
                        d -> "exec", Errno.EACCES),
                new Fault("a directory", d -> Command.of(d.toString()), d -> "exec", Errno.EACCES),
                new Fault("a script whose interpreter is missing",
                        d -> Command.of(file(d, "lost", "#!/nonexistent/sh\necho ran\n", "rwxr-xr-x")), d -> "exec",
                        Errno.ENOENT),
                new Fault("a script without #! (no shell fallback)",
                        d -> Command.of(file(d, "bare", "touch " + d.resolve("ran-through-sh") + "\n", "rwxr-xr-x")),
                        d -> "exec", Errno.ENOEXEC),
                new Fault("a missing working directory", d -> Command.of("true").directory(d.resolve("gone")),
                        d -> "chdir " + d.resolve("gone"), Errno.ENOENT),
                new Fault("a working directory that is a file",
                        d -> Command.of("true").directory(Path.of(file(d, "notadir", "", "rw-r--r--"))),
                        d -> "chdir " + d.resolve("notadir"), Errno.ENOTDIR),
                new Fault("a redirect into a read-only /proc file",
                        d -> Command.of("true").stdout(Stdio.to(Path.of("/proc/sys/kernel/osrelease"))),
                        d -> "open stdout /proc/sys/kernel/osrelease", Errno.EACCES),
                new Fault("a redirect from a missing file", d -> Command.of("cat").stdin(Stdio.from(d.resolve("nope"))),
                        d -> "open stdin " + d.resolve("nope"), Errno.ENOENT),
                new Fault("an extra fd that is not open", d -> Command.of("true").fd(5, 1_000_000),
                        d -> "dup2 1000000 -> 5", Errno.EBADF));
        List<Arguments> out = new ArrayList<>();
        for (Backend b : Backend.values()) {
            for (Fault f : faults) {
                out.add(Arguments.of(b, f));
            }
        }
        return out.stream();
    }

    private static String file(Path dir, String name, String content, String perms) {
        try {
            Path p = dir.resolve(name);
            if (!Files.exists(p)) {
                Files.writeString(p, content);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
            }
            return p.toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("faults")
    void aFaultNamesItsStepAndErrnoAndTheSpawnerGoesOn(Backend backend, Fault fault) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Command c = fault.command().apply(tmp);
            s.spawn(Command.of("true")).waitFor(); // the loop's fds all made (FALLBACK: its reactor)
            long fds = Procs.fdCount();
            SpawnException e = assertThrows(SpawnException.class, () -> s.spawn(c));
            assertEquals(fault.step().apply(tmp), e.step(), e.getMessage());
            assertEquals(fault.errno(), e.errno(), e.getMessage());
            assertTrue(e.getMessage().startsWith("Cannot run program \"" + c.command().get(0) + "\""), e.getMessage());
            assertTrue(e.getMessage().contains(": " + e.step() + ": " + Errno.message(fault.errno()) + " ("
                    + Errno.name(fault.errno()) + ")"), e.getMessage());
            assertEquals(List.of(), Procs.zombieChildren(), "the failed child is reaped by the time we hear");
            for (int i = 0; i < 100 && Procs.fdCount() != fds; i++) {
                Thread.sleep(10);
            }
            assertEquals(fds, Procs.fdCount(), "fds before and after");
            // And the run() path reports the same failure through its future.
            var failed = assertThrows(java.util.concurrent.ExecutionException.class, () -> s.run(c).get());
            assertInstanceOf(SpawnException.class, failed.getCause());
            assertEquals(ExitStatus.exited(0), s.spawn(Command.of("true")).waitFor(), "the spawner goes on");
        }
        assertFalse(Files.exists(tmp.resolve("ran-through-sh")), "a script without #! was run by a shell");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aRedirectIntoAReadOnlyMountFailsWithErofs(Backend backend) throws Exception {
        Path mnt = Files.createTempDirectory(tmp, "ro");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", mnt.toString())
                .redirectErrorStream(true).start();
        String why = new String(mount.getInputStream().readAllBytes()).trim();
        Assumptions.assumeTrue(mount.waitFor() == 0, () -> "skipped: cannot mount a read-only tmpfs here: " + why);
        try (Spawner s = Spawners.create(backend)) {
            Path out = mnt.resolve("out.log");
            SpawnException e = assertThrows(SpawnException.class,
                    () -> s.spawn(Command.of("true").stdout(Stdio.appendTo(out))));
            assertEquals("open stdout " + out, e.step());
            assertEquals(Errno.EROFS, e.errno());
            assertEquals("Cannot run program \"true\": open stdout " + out + ": Read-only file system (EROFS)",
                    e.getMessage());
            assertEquals(ExitStatus.exited(0), s.spawn(Command.of("true")).waitFor());
        } finally {
            new ProcessBuilder("umount", mnt.toString()).inheritIO().start().waitFor();
        }
    }

    // ---- fd exhaustion, in a child JVM under prlimit --nofile

    @ParameterizedTest
    @EnumSource(Backend.class)
    void runningOutOfFdsFailsTheSpawnAtTheStepThatNeededOneAndLeaksNothing(Backend backend) throws Exception {
        Spawners.create(backend).close(); // skips where io_uring is refused
        String prlimit = which("prlimit");
        Assumptions.assumeTrue(prlimit != null, "skipped: prlimit(1) is not installed");
        try (ChildJvm jvm = ChildJvm.start(List.of(prlimit, "--nofile=160:160"), backend, "fds")) {
            int code = jvm.finish(120);
            String out = jvm.transcript();
            assertEquals(0, code, out);
            assertTrue(out.contains("backend: " + backend), out);
            long base = Long.parseLong(line(out, "base fds: (\\d+)"));
            Pattern row = Pattern.compile("free (\\d+): (.*) \\| fds (\\d+)");
            int failures = 0;
            int successes = 0;
            for (String l : out.lines().toList()) {
                Matcher m = row.matcher(l);
                if (!m.matches()) {
                    continue;
                }
                String outcome = m.group(2);
                assertTrue(Long.parseLong(m.group(3)) <= base, "an fd leaked: " + l);
                if (outcome.startsWith("ok")) {
                    assertEquals("ok exit 0", outcome, l);
                    successes++;
                } else {
                    // Every failure is a SpawnException naming its step, with EMFILE.
                    assertTrue(outcome.startsWith("SpawnException step="), l);
                    assertTrue(outcome.contains("errno=EMFILE"), l);
                    assertTrue(outcome.contains("Too many open files (EMFILE)"), l);
                    failures++;
                }
            }
            assertTrue(failures > 0 && successes > 0, "no spawn failed, or none succeeded:\n" + out);
            assertTrue(out.contains("free 0: SpawnException step=pipe for stdin errno=EMFILE"), out);
            if (backend == Backend.IO_URING) {
                // (FALLBACK's reactor holds a dup of the wake-up eventfd it gives back and takes
                // again as it runs, so there the last free fd may or may not be there for the pidfd.)
                assertTrue(out.contains("step=clone errno=EMFILE"), "the pidfd is the last fd a spawn needs:\n" + out);
            }
            assertTrue(out.contains("afterwards: ok exit 0"), out);
            String create = line(out, "create with no fd free: (.*)");
            assertTrue(create.startsWith("IOException ") && create.contains("EMFILE"),
                    "a Spawner made without a free fd: " + create);
        }
    }

    // ---- process-count exhaustion, in a child JVM in a cgroup with a small pids.max

    @ParameterizedTest
    @EnumSource(Backend.class)
    void runningOutOfProcessesFailsTheCloneWithEagainAndTheSpawnerRecovers(Backend backend) throws Exception {
        Spawners.create(backend).close();
        Path parent = pidsHierarchy();
        Path group = parent.resolve("spawnring-test-" + ProcessHandle.current().pid() + "-" + backend);
        try (ChildJvm jvm = ChildJvm.start(List.of(), backend, "pids")) {
            jvm.await("ready");
            try {
                Files.createDirectories(group);
                Files.writeString(group.resolve("cgroup.procs"), Long.toString(jvm.pid()));
                // Every task the JVM has counts: cap it at what it has now, so the next clone fails.
                String current = Files.readString(group.resolve("pids.current")).trim();
                Files.writeString(group.resolve("pids.max"), current);
                jvm.tell("go");
                String limited = jvm.await("limited: ");
                String limitedRun = jvm.await("limited run: ");
                Files.writeString(group.resolve("pids.max"), "max");
                jvm.tell("raised");
                assertEquals(0, jvm.finish(300), jvm.transcript()); // a hang guard: a child JVM in an emulated VM took over 100 s
                assertEquals("limited: SpawnException step=clone errno=EAGAIN message=Cannot run program \""
                        + Spawners.nativeBin("sr-true") + "\": clone: Resource temporarily unavailable (EAGAIN)",
                        limited, jvm.transcript());
                assertTrue(limitedRun.startsWith("limited run: SpawnException step=clone errno=EAGAIN"), limitedRun);
                assertTrue(jvm.transcript().contains("afterwards: ok exit 0"), jvm.transcript());
            } finally {
                jvm.close();
                removeGroup(group);
            }
        }
    }

    /** The pids controller's hierarchy where a child group can be made: cgroup v2, else v1; skips if none. */
    private static Path pidsHierarchy() throws IOException {
        Path root = Path.of("/sys/fs/cgroup");
        for (Path v2 : List.of(root, root.resolve("unified"))) {
            Path controllers = v2.resolve("cgroup.controllers");
            if (Files.isReadable(controllers) && List.of(Files.readString(controllers).trim().split(" ")).contains("pids")
                    && Files.isWritable(v2.resolve("cgroup.procs"))) {
                Path subtree = v2.resolve("cgroup.subtree_control");
                if (Files.readString(subtree).contains("pids")) {
                    return v2;
                }
            }
        }
        Path v1 = root.resolve("pids");
        Assumptions.assumeTrue(Files.isDirectory(v1) && Files.isWritable(v1.resolve("cgroup.procs")),
                "skipped: no writable cgroup with the pids controller (v2 with pids enabled, or v1 /sys/fs/cgroup/pids): "
                        + "run as root on a host with cgroups to test process-count exhaustion");
        return v1;
    }

    private static void removeGroup(Path group) throws Exception {
        for (int i = 0; i < 200 && Files.exists(group); i++) {
            try {
                Files.delete(group);
            } catch (IOException busy) {
                Thread.sleep(10); // its last task is still being torn down
            }
        }
    }

    private static String which(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return Path.of(dir, tool).toString();
            }
        }
        return null;
    }

    private static String line(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), "no line matching " + regex + " in:\n" + out);
        return m.group(1);
    }
}
