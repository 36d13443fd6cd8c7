package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Rings;
import dev.spawnring.testing.Children;
import dev.spawnring.testing.Stress;
import dev.spawnring.testkit.Procs;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.testing.Children.Exit;
import dev.spawnring.testing.Isolation;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CLONE/EXEC contract, on both backends: the six scenarios of the proposal's
 * liburing test, the pid rule, step attribution, redirection, argv/envp, fds.
 */
@Tag(Isolation.TAG)
@Tag(KernelSuiteMain.TAG)
class SpawnContractTest {
    private static final String[] PATH_DIRS = {
        "/usr/local/bin", "/usr/local/sbin", "/usr/bin", "/usr/sbin", "/sbin", "/bin",
    };

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aFailingStepAfterCloneCancelsTheRestAndTheChildDiesBySigkill(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(0);
            ring.getSqe().prepNopInject(-255).flags(IOSQE_IO_LINK).userData(1);
            ring.getSqe().prepNop().userData(2);
            ring.submit();
            int[] res = Children.results(ring, 3);
            assertTrue(res[0] > 0, "CLONE posts the child's pid, got " + res[0]);
            assertEquals(-255, res[1]);
            assertEquals(-Errno.ECANCELED, res[2]);
            assertEquals(Exit.killed(Linux.SIGKILL), Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aCloneWithoutALinkFlagFailsWithEinval(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepClone().userData(0);
            ring.submit();
            assertEquals(-Errno.EINVAL, Rings.reap(ring, 0));
            assertEquals(List.of(), Children.zombieChildren());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aCloneThatIsNotTheChainHeadFailsAndCancelsTheChain(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepNop().flags(IOSQE_IO_LINK).userData(0);
            ring.getSqe().prepClone().flags(IOSQE_IO_LINK).userData(1);
            ring.getSqe().prepNop().userData(2);
            ring.submit();
            assertArrayEquals(new int[] {-Errno.ECANCELED, -Errno.EINVAL, -Errno.ECANCELED},
                    Children.results(ring, 3));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void everyLinkedNopAfterCloneCompletesAndThePidIsPosted(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(0);
            for (int i = 1; i <= 5; i++) {
                ring.getSqe().prepNop().flags(i < 5 ? IOSQE_IO_LINK : 0).userData(i);
            }
            ring.submit();
            int[] res = Children.results(ring, 6);
            assertTrue(res[0] > 0);
            assertArrayEquals(new int[5], Arrays.copyOfRange(res, 1, 6));
            // No EXEC: the child ends by SIGKILL, and its pidfd names that pid.
            assertEquals(Exit.killed(Linux.SIGKILL), Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void anExecOutsideACloneChainFailsWithEinval(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepExec("/bin/true", new String[] {"true"}, null).userData(0);
            ring.getSqe().prepNop().flags(IOSQE_IO_LINK).userData(1);
            ring.getSqe().prepExec("/bin/true", new String[] {"true"}, null).flags(IOSQE_IO_LINK).userData(2);
            ring.getSqe().prepNop().userData(3);
            ring.submit();
            assertArrayEquals(new int[] {-Errno.EINVAL, 0, -Errno.EINVAL, -Errno.ECANCELED},
                    Children.results(ring, 4));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void hardlinkedExecsSearchThePathInTheChild(Backend backend) throws IOException {
        Path file = tmp.resolve("file");
        int first = -1;
        for (int i = 0; i < PATH_DIRS.length && first < 0; i++) {
            if (Files.isExecutable(Path.of(PATH_DIRS[i], "touch"))) {
                first = i;
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(first >= 0, "skipped: no touch in " + Arrays.toString(PATH_DIRS));
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(0);
            for (int i = 0; i < PATH_DIRS.length; i++) {
                ring.getSqe().prepExec(PATH_DIRS[i] + "/touch", new String[] {"touch", file.toString()}, new String[0])
                        .flags(IOSQE_IO_LINK | IOSQE_IO_HARDLINK).userData(i + 1);
            }
            ring.submit();
            int[] res = Children.results(ring, 7);
            assertTrue(res[0] > 0);
            for (int i = 0; i < PATH_DIRS.length; i++) {
                int expected = i < first ? -Errno.ENOENT : i == first ? 0 : -Errno.ECANCELED;
                assertEquals(expected, res[i + 1], PATH_DIRS[i] + "/touch");
            }
            assertEquals(Exit.exited(0), Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)));
            assertTrue(Files.exists(file), "touch ran");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void openatAndDup2InTheChildRedirectItsStdoutIntoAFile(Backend backend) throws IOException {
        Path out = tmp.resolve("out.txt");
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(0);
            // After close_range(3, ~0) the lowest free fd is 3, so the child's OPENAT answers 3.
            ring.getSqe().prepCloseRange(3, ~0, 0).flags(IOSQE_IO_LINK).userData(1);
            ring.getSqe().prepOpenat(AT_FDCWD, out.toString(), Linux.O_WRONLY | Linux.O_CREAT | Linux.O_TRUNC, 0644)
                    .flags(IOSQE_IO_LINK).userData(2);
            ring.getSqe().prepDup2(3, 1).flags(IOSQE_IO_LINK).userData(3);
            ring.getSqe().prepClose(3).flags(IOSQE_IO_LINK).userData(4);
            ring.getSqe().prepExec(Rings.nativeBin("sr-echo-args").toString(), new String[] {"echo", "to", "file"},
                    new String[] {"K=V"}).userData(5);
            ring.submit();
            int[] res = Children.results(ring, 6);
            assertTrue(res[0] > 0);
            assertArrayEquals(new int[] {0, 3, 1, 0, 0}, Arrays.copyOfRange(res, 1, 6));
            assertEquals(Exit.exited(0), Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)));
            assertEquals("echo\0to\0file\0--env--\nK=V\0", Files.readString(out));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aChdirToAMissingDirectoryFailsOnThatStep(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(0);
            ring.getSqe().prepChdir(tmp.resolve("missing").toString()).flags(IOSQE_IO_LINK).userData(1);
            ring.getSqe().prepExec("/bin/true", new String[] {"true"}, null).userData(2);
            ring.submit();
            int[] res = Children.results(ring, 3);
            assertTrue(res[0] > 0);
            assertEquals(-Errno.ENOENT, res[1]);
            assertEquals(-Errno.ECANCELED, res[2]);
            assertEquals(Exit.killed(Linux.SIGKILL), Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void anExecOfAMemfdWithAtEmptyPathRunsAProgramHeldInMemory(Backend backend) throws IOException {
        byte[] program = Files.readAllBytes(Rings.nativeBin("sr-echo-args"));
        int memfd = Errno.check("memfd_create", Sys.memfdCreate("sr-echo-args", Linux.MFD_CLOEXEC));
        int[] p = Rings.pipe();
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(program.length);
            MemorySegment.copy(program, 0, bytes, ValueLayout.JAVA_BYTE, 0, program.length);
            assertEquals(program.length, Sys.write(memfd, bytes, program.length));
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(0);
            ring.getSqe().prepDup2(p[1], 1).flags(IOSQE_IO_LINK).userData(1);
            ring.getSqe().prepExecveat(memfd, "", new String[] {"from-memory"}, null, AT_EMPTY_PATH).userData(2);
            ring.submit();
            Sys.close(p[1]);
            int[] res = Children.results(ring, 3);
            assertEquals(1, res[1]);
            assertEquals(0, res[2]);
            assertEquals("from-memory\0--env--\n", new String(Children.drain(p[0]), StandardCharsets.UTF_8));
            assertEquals(Exit.exited(0), Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)));
        } finally {
            Sys.close(memfd);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void argvAndEnvpRoundTripExactly(Backend backend) throws IOException {
        List<String> args = new ArrayList<>(List.of("sr-echo-args", "", "späß ✓ 日本", " spaced  out ", "\ttab\nnewline"));
        for (int i = 0; i < 10_000; i++) {
            args.add("arg-" + i);
        }
        String[] env = {"EMPTY=", "UNICODE=ü€", "PLAIN=1"};
        int[] p = Rings.pipe();
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(0);
            ring.getSqe().prepDup2(p[1], 1).flags(IOSQE_IO_LINK).userData(1);
            ring.getSqe().prepExec(Rings.nativeBin("sr-echo-args").toString(), args.toArray(String[]::new), env)
                    .userData(2);
            ring.submit();
            Sys.close(p[1]);
            int[] res = Children.results(ring, 3);
            assertEquals(0, res[2]);
            StringBuilder expected = new StringBuilder();
            args.forEach(a -> expected.append(a).append('\0'));
            expected.append("--env--\n");
            for (String e : env) {
                expected.append(e).append('\0');
            }
            assertEquals(expected.toString(), new String(Children.drain(p[0]), StandardCharsets.UTF_8));
            assertEquals(Exit.exited(0), Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void anOversizeArgvFailsTheExecWithE2big(Backend backend) throws IOException {
        String huge = "x".repeat(200_000); // over MAX_ARG_STRLEN (32 pages)
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(0);
            ring.getSqe().prepExec("/bin/true", new String[] {"true", huge}, null).userData(1);
            ring.submit();
            int[] res = Children.results(ring, 2);
            assertEquals(-Errno.E2BIG, res[1]);
            assertEquals(Exit.killed(Linux.SIGKILL), Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aNulInsideAnArgumentIsRefusedBeforeAnythingIsCloned(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            Sqe sqe = ring.getSqe();
            var e = assertThrows(IllegalArgumentException.class,
                    () -> sqe.prepExec("/bin/echo", new String[] {"echo", "a\0b"}, null));
            assertEquals("argv[1] contains a NUL character at index 1: \"a\\0b\"", e.getMessage());
            var env = assertThrows(IllegalArgumentException.class,
                    () -> sqe.prepExec("/bin/echo", new String[] {"echo"}, new String[] {"A=\0"}));
            assertTrue(env.getMessage().startsWith("envp[0] contains a NUL character"), env.getMessage());
            assertEquals(List.of(), Children.zombieChildren());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void afterCloseRangeTheChildSeesOnlyTheFdsItWasGiven(Backend backend) throws IOException {
        assertEquals(List.of("0", "1", "2"), listChildFds(backend, true));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void spawnringsOwnFdsNeverReachTheChild(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            List<String> childFds = listChildFds(backend, false);
            for (String fd : childFds) {
                String target;
                try {
                    target = Files.readSymbolicLink(Path.of("/proc/self/fd", fd)).toString();
                } catch (IOException gone) {
                    continue;
                }
                assertFalse(target.matches("anon_inode:\\[(io_uring|pidfd|eventpoll|eventfd)\\]"),
                        "fd " + fd + " (" + target + ") leaked into the child");
            }
        }
    }

    /** Runs sr-list-fds with its stdout on a pipe (and close_range(3, ~0) if asked); its fd list. */
    private List<String> listChildFds(Backend backend, boolean closeRange) throws IOException {
        int[] p = Rings.pipe();
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(0);
            ring.getSqe().prepDup2(p[1], 1).flags(IOSQE_IO_LINK).userData(1);
            int n = 2;
            if (closeRange) {
                ring.getSqe().prepCloseRange(3, ~0, 0).flags(IOSQE_IO_LINK).userData(n++);
            }
            ring.getSqe().prepExec(Rings.nativeBin("sr-list-fds").toString(), new String[] {"sr-list-fds"}, null)
                    .userData(n++);
            ring.submit();
            Sys.close(p[1]);
            int[] res = Children.results(ring, n);
            assertEquals(0, res[n - 1]);
            String out = new String(Children.drain(p[0]), StandardCharsets.UTF_8);
            assertEquals(Exit.exited(0), Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)));
            return out.lines().toList();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void sixtyFourChainsInOneSubmissionStartSixtyFourChildren(Backend backend) throws IOException {
        String trueBin = Rings.nativeBin("sr-true").toString();
        MemorySegment argv = NativeMemory.cStringArray("argv", new String[] {"sr-true"});
        MemorySegment envp = NativeMemory.cStringArray("envp", new String[0]);
        try (Ring ring = Rings.open(backend, 256); Arena arena = Arena.ofConfined()) {
            MemorySegment path = NativeMemory.cString(arena, "path", trueBin);
            MemorySegment pidfds = arena.allocate(ValueLayout.JAVA_INT, 64);
            for (int i = 0; i < 64; i++) {
                ring.getSqe().prepClone(pidfds.asSlice(4L * i, 4)).flags(IOSQE_IO_LINK).userData(2 * i);
                ring.getSqe().prepExecveat(AT_FDCWD, path, argv, envp, 0).userData(2 * i + 1);
            }
            assertEquals(128, ring.submit());
            for (int i = 0; i < 128; i++) {
                Cqe cqe = ring.waitCqe();
                ring.cqeSeen(cqe);
                if (cqe.userData() % 2 == 0) {
                    assertTrue(cqe.res() > 0, "CLONE " + cqe);
                } else {
                    assertEquals(0, cqe.res(), "EXEC " + cqe);
                }
            }
            for (int i = 0; i < 64; i++) {
                assertEquals(Exit.exited(0), Children.reap(ring, pidfds.getAtIndex(ValueLayout.JAVA_INT, i)));
            }
        } finally {
            NativeMemory.free(argv);
            NativeMemory.free(envp);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    @Tag(Stress.TAG)
    void aLongRunOfChainsLeavesNoFdAndNoZombieBehind(Backend backend) throws IOException {
        String trueBin = Rings.nativeBin("sr-true").toString();
        try (Ring ring = Rings.open(backend, 8); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            Map<Integer, String> fdsBefore = Procs.openFds();
            for (int i = 0; i < Stress.spawns(); i++) {
                ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(0);
                ring.getSqe().prepExec(trueBin, new String[] {"sr-true"}, null).userData(1);
                ring.submit();
                assertTrue(Rings.reap(ring, 0) > 0);
                assertEquals(0, Rings.reap(ring, 1));
                assertEquals(Exit.exited(0), Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)));
            }
            // an fd an earlier test's clean-up closes meanwhile is no leak: only new ones count
            assertEquals(Map.of(), Procs.fdsOpenedSince(fdsBefore), "fds opened and left open");
            assertEquals(List.of(), Children.zombieChildren());
            assertEquals(0, ring.inFlight());
        }
    }
}
