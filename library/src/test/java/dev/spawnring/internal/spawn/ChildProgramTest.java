package dev.spawnring.internal.spawn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeLibrary;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Stress;
import dev.spawnring.testkit.Procs;
import dev.spawnring.testing.Isolation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The child-side interpreter through its Java binding: each test builds a chain of
 * steps, runs it in a real child, checks every step's result, and reaps the child
 * itself (through the pidfd, {@code waitid(P_PIDFD)}). The children are the small
 * static programs of {@code src/test/c}, found through the system property
 * {@code spawnring.nativeBin}.
 */
@Tag(Isolation.TAG)
@Tag(KernelSuiteMain.TAG)
class ChildProgramTest {
    private static final int ECANCELED = -Errno.ECANCELED;
    private static final int SIGWINCH = 28;

    private Arena arena;
    private ChildProgram program;
    private final List<MemorySegment> toFree = new ArrayList<>();
    private final List<Integer> toClose = new ArrayList<>();

    @TempDir
    Path tmp;

    @BeforeEach
    void setUp() {
        arena = Arena.ofShared(); // set up, used and closed on three threads (the timeout's SEPARATE_THREAD mode)
        program = new ChildProgram();
    }

    @AfterEach
    void tearDown() {
        program.close();
        toFree.forEach(NativeMemory::free);
        toClose.forEach(Sys::close);
        arena.close();
    }

    @Test
    void theNativeLibraryAnswersItsVersion() {
        assertEquals("spawnring-native 1", NativeLibrary.version());
        assertEquals(64, ChildProgram.STEP_SIZE);
    }

    @Test
    void execRunsTheProgramAndCancelsTheStepsAfterIt() {
        int exec = exec(bin("sr-true"), false, "sr-true");
        int after = program.nop(0, false);

        Spawned child = run();

        assertTrue(child.pid > 0, "pid " + child.pid);
        assertEquals(0, program.result(exec));
        assertEquals(ECANCELED, program.result(after));
        Exit exit = reap(child);
        assertEquals(child.pid, exit.pid);
        assertEquals(Linux.CLD_EXITED, exit.code, "si_code");
        assertEquals(0, exit.status, "exit status");
    }

    @Test
    void aFailingChdirCancelsTheRestAndTheChildDiesBySigkill() {
        int chdir = program.chdir(cString(tmp.resolve("no-such-dir").toString()), false);
        int exec = exec(bin("sr-true"), false, "sr-true");

        Spawned child = run();

        assertEquals(-Errno.ENOENT, program.result(chdir));
        assertEquals(ECANCELED, program.result(exec));
        assertKilled(reap(child));
    }

    @Test
    void anInjectedNopFailureCancelsTheRestLikeIoUring() {
        int failing = program.nop(-255, false);
        int next = program.nop(0, false);

        Spawned child = run();

        assertEquals(-255, program.result(failing));
        assertEquals(ECANCELED, program.result(next));
        assertKilled(reap(child));
    }

    @Test
    void aChainWithoutExecEndsWithSigkillAfterEveryStepSucceeded() {
        int[] nops = {program.nop(0, false), program.nop(0, false), program.nop(7, false)};

        Spawned child = run();

        assertEquals(0, program.result(nops[0]));
        assertEquals(0, program.result(nops[1]));
        assertEquals(7, program.result(nops[2]));
        assertKilled(reap(child));
    }

    @Test
    void hardlinkedExecCandidatesRunLikeAPathSearch() throws IOException {
        String name = "sr-true";
        Files.writeString(tmp.resolve("file-not-dir"), "");
        int missing = exec(tmp.resolve(name).toString(), true, name);
        int notDir = exec(tmp.resolve("file-not-dir").resolve(name).toString(), true, name);
        int found = exec(bin(name), true, name);
        int later = exec(bin(name), true, name);
        int last = program.nop(0, false);

        Spawned child = run();

        assertEquals(-Errno.ENOENT, program.result(missing));
        assertEquals(-Errno.ENOTDIR, program.result(notDir));
        assertEquals(0, program.result(found));
        assertEquals(ECANCELED, program.result(later));
        assertEquals(ECANCELED, program.result(last));
        assertExited(0, reap(child));
    }

    @Test
    void aHardlinkedFailureGoesOnToTheNextStep() {
        int failed = program.fail(-Errno.EOPNOTSUPP, true);
        int exec = exec(bin("sr-true"), false, "sr-true");

        Spawned child = run();

        assertEquals(-Errno.EOPNOTSUPP, program.result(failed));
        assertEquals(0, program.result(exec));
        assertExited(0, reap(child));
    }

    @Test
    void dup2OfAPipeToStdoutCarriesArgvAndEnvironmentExactly() throws IOException {
        String[] argv = {"sr-echo-args", "", "two words", "tab\there", "new\nline", "héllo wörld ✓", "-", "--env--"};
        String[] envp = {"A=1", "B=two words", "EMPTY=", "UTF=ünï"};
        int[] pipe = pipe();
        int dup = program.dup2(pipe[1], 1, 0, false);
        int exec = program.exec(Linux.AT_FDCWD, cString(bin("sr-echo-args")), strings("argv", argv),
                strings("envp", envp), 0, false);

        Spawned child = run();
        closeNow(pipe[1]);

        assertEquals(1, program.result(dup));
        assertEquals(0, program.result(exec));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (String a : argv) {
            expected.writeBytes(NativeMemory.cBytes("arg", a));
        }
        expected.writeBytes("--env--\n".getBytes(StandardCharsets.US_ASCII));
        for (String e : envp) {
            expected.writeBytes(NativeMemory.cBytes("env", e));
        }
        assertArrayEquals(expected.toByteArray(), readAll(pipe[0]));
        assertExited(0, reap(child));
    }

    @Test
    void theExecutedProgramStartsWithTheCallersSignalMaskByDefault() throws IOException {
        long callerMask = threadSignalState("SigBlk");
        String state = runSigstate();
        assertEquals(callerMask, field(state, "SigBlk"));
        assertEquals(callerMask, threadSignalState("SigBlk"), "the caller's mask is restored");
    }

    @Test
    void sigmaskStepsSetTheMaskTheProgramStartsWith() throws IOException {
        long before = threadSignalState("SigBlk");
        int set = program.sigMask(Linux.SIG_SETMASK, bit(Linux.SIGUSR1) | bit(Linux.SIGTERM), false);
        int block = program.sigMask(Linux.SIG_BLOCK, bit(Linux.SIGHUP), false);
        int unblock = program.sigMask(Linux.SIG_UNBLOCK, bit(Linux.SIGTERM), false);

        String state = runSigstate();

        assertEquals(0, program.result(set));
        assertEquals(0, program.result(block));
        assertEquals(0, program.result(unblock));
        assertEquals(bit(Linux.SIGUSR1) | bit(Linux.SIGHUP), field(state, "SigBlk"), state);
        assertEquals(before, threadSignalState("SigBlk"), "SIGMASK never touches the caller's mask");
    }

    @Test
    void aSigmaskStepWithAnUnknownHowFailsWithEinval() {
        int bad = program.sigMask(99, 0, false);
        int exec = exec(bin("sr-true"), false, "sr-true");

        Spawned child = run();

        assertEquals(-Errno.EINVAL, program.result(bad));
        assertEquals(ECANCELED, program.result(exec));
        assertKilled(reap(child));
    }

    @Test
    void sigdefaultResetsSignalsTheParentIgnores() throws Throwable {
        MemorySegment old = signal(SIGWINCH, MemorySegment.ofAddress(1)); // SIG_IGN
        try {
            String inherited = runSigstate();
            assertEquals(bit(SIGWINCH), field(inherited, "SigIgn") & bit(SIGWINCH),
                    "an ignored signal stays ignored across exec: " + inherited);

            program.close();
            program = new ChildProgram();
            int reset = program.sigDefault(false);
            String after = runSigstate();
            assertEquals(0, program.result(reset));
            assertEquals(0, field(after, "SigIgn"), after);
        } finally {
            signal(SIGWINCH, old);
        }
    }

    @Test
    void sigdefaultResetsIgnoredSignalsAlsoWhereProcCannotTellWhichTheyAre() throws Throwable {
        MemorySegment old = signal(SIGWINCH, MemorySegment.ofAddress(1)); // SIG_IGN
        try {
            // With no fd to spare the step cannot read /proc/self/status, which names the
            // signals to reset, and resets every one; the limit is raised again before the exec.
            int lower = program.setrlimit(Linux.RLIMIT_NOFILE, 0, 1024, false);
            int reset = program.sigDefault(false);
            int raise = program.setrlimit(Linux.RLIMIT_NOFILE, 1024, 1024, false);
            String after = runSigstate();
            assertEquals(0, program.result(lower));
            assertEquals(0, program.result(reset));
            assertEquals(0, program.result(raise));
            assertEquals(0, field(after, "SigIgn"), after);
        } finally {
            signal(SIGWINCH, old);
        }
    }

    @Test
    void thePidfdIsCloseOnExec() {
        exec(bin("sr-true"), false, "sr-true");
        Spawned child = run();

        int fdFlags = Sys.fcntl(child.pidfd, Linux.F_GETFD, 0);
        assertTrue(fdFlags >= 0, "F_GETFD: " + fdFlags);
        assertEquals(Linux.FD_CLOEXEC, fdFlags & Linux.FD_CLOEXEC);
        assertExited(0, reap(child));
    }

    @Test
    void withoutAPidfdSlotTheChildIsStillReapableByPid() {
        exec(bin("sr-true"), false, "sr-true");
        int pid = program.run(null);
        assertTrue(pid > 0, "pid " + pid);

        int pidfd = Sys.pidfdOpen(pid, 0);
        assertTrue(pidfd >= 0, "pidfd_open: " + pidfd);
        assertExited(0, reap(new Spawned(pid, pidfd)));
    }

    @Test
    void closeRangeLeavesTheChildOnlyTheStandardDescriptors() throws IOException {
        int devNull = Sys.openat(Linux.AT_FDCWD, "/dev/null", Linux.O_RDWR | Linux.O_CLOEXEC, 0);
        assertTrue(devNull >= 0);
        toClose.add(devNull);
        int[] pipe = pipe();
        program.dup2(devNull, 0, 0, false);
        program.dup2(pipe[1], 1, 0, false);
        program.dup2(devNull, 2, 0, false);
        int range = program.closeRange(3, -1, 0, false);
        int exec = exec(bin("sr-list-fds"), false, "sr-list-fds");

        Spawned child = run();
        closeNow(pipe[1]);

        assertEquals(0, program.result(range));
        assertEquals(0, program.result(exec));
        assertEquals("0\n1\n2\n", new String(readAll(pipe[0]), StandardCharsets.US_ASCII));
        assertExited(0, reap(child));
    }

    @Test
    void dup2OfAnFdOntoItselfClearsCloseOnExec() throws IOException {
        int[] out = pipe();
        int[] kept = pipe(); // both ends O_CLOEXEC
        program.dup2(out[1], 1, 0, false);
        int same = program.dup2(kept[0], kept[0], 0, false);
        exec(bin("sr-list-fds"), false, "sr-list-fds");

        Spawned child = run();
        closeNow(out[1]);

        assertEquals(kept[0], program.result(same));
        List<String> fds = List.of(new String(readAll(out[0]), StandardCharsets.US_ASCII).split("\n"));
        assertTrue(fds.contains(Integer.toString(kept[0])), "fd " + kept[0] + " survives exec: " + fds);
        assertFalse(fds.contains(Integer.toString(kept[1])), "fd " + kept[1] + " is closed by exec: " + fds);
        assertExited(0, reap(child));
    }

    @Test
    void openWriteAndCloseStepsWorkOnFilesAndReportTheirCounts() throws IOException {
        Path file = tmp.resolve("out.txt");
        byte[] text = "written by the child\n".getBytes(StandardCharsets.US_ASCII);
        MemorySegment buf = arena.allocate(text.length);
        buf.copyFrom(MemorySegment.ofArray(text));
        // With only 0-2 left open, the child's openat gets fd 3.
        int devNull = Sys.openat(Linux.AT_FDCWD, "/dev/null", Linux.O_RDWR | Linux.O_CLOEXEC, 0);
        assertTrue(devNull >= 0);
        toClose.add(devNull);
        for (int std = 0; std <= 2; std++) {
            program.dup2(devNull, std, 0, false);
        }
        program.closeRange(3, -1, 0, false);
        int fd = 3;
        int open = program.openat(Linux.AT_FDCWD, cString(file.toString()),
                Linux.O_WRONLY | Linux.O_CREAT | Linux.O_TRUNC, 0600, false);
        int write = program.write(fd, buf, text.length, -1, false);
        int pwrite = program.write(fd, buf, 7, text.length, false);
        int close = program.closeFd(fd, false);

        Spawned child = run();

        assertEquals(fd, program.result(open));
        assertEquals(text.length, program.result(write));
        assertEquals(7, program.result(pwrite));
        assertEquals(0, program.result(close));
        assertKilled(reap(child));
        assertEquals("written by the child\nwritten", Files.readString(file));
    }

    @Test
    void readStepsFillTheCallersBufferThroughTheSharedMemory() throws IOException {
        Path file = tmp.resolve("in.txt");
        Files.writeString(file, "0123456789");
        int fd = Sys.openat(Linux.AT_FDCWD, file.toString(), Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
        assertTrue(fd >= 0);
        toClose.add(fd);
        MemorySegment head = arena.allocate(4);
        MemorySegment tail = arena.allocate(16);
        int read = program.read(fd, head, 4, -1, false);
        int pread = program.read(fd, tail, 16, 6, false);

        Spawned child = run();

        assertEquals(4, program.result(read));
        assertEquals(4, program.result(pread));
        assertEquals("0123", new String(head.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII));
        assertEquals("6789", new String(tail.asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.US_ASCII));
        assertKilled(reap(child));
    }

    @Test
    void processStepsReportWhatTheKernelReturns() {
        int setsid = program.setsid(false);
        int setpgidAgain = program.setpgid(0, true); // a session leader may not change its group: EPERM
        int umask = program.umask(077, false);
        int umaskAgain = program.umask(022, false);
        int rlimit = program.setrlimit(Linux.RLIMIT_CORE, 0, 0, false);
        int badRlimit = program.setrlimit(-1, 0, 0, true);
        int deathSignal = program.pdeathsig(Linux.SIGTERM, false);
        int chdir = program.chdir(cString(tmp.toString()), false);
        int exec = exec(bin("sr-true"), false, "sr-true");

        Spawned child = run();

        assertEquals(child.pid, program.result(setsid), "the new session id is the child's pid");
        assertEquals(-Errno.EPERM, program.result(setpgidAgain));
        assertTrue(program.result(umask) >= 0);
        assertEquals(077, program.result(umaskAgain));
        assertEquals(0, program.result(rlimit));
        assertEquals(-Errno.EINVAL, program.result(badRlimit));
        assertEquals(0, program.result(deathSignal));
        assertEquals(0, program.result(chdir));
        assertEquals(0, program.result(exec));
        assertExited(0, reap(child));
    }

    @Test
    void anOversizeArgumentFailsTheExecWithE2big() {
        String huge = "x".repeat(256 * 1024); // above MAX_ARG_STRLEN (128 KiB)
        int exec = program.exec(Linux.AT_FDCWD, cString(bin("sr-true")), strings("argv", "sr-true", huge),
                strings("envp"), 0, false);

        Spawned child = run();

        assertEquals(-Errno.E2BIG, program.result(exec));
        assertKilled(reap(child));
    }

    @Test
    void theCloneFallbackRunsTheSameChain() {
        int missing = exec(tmp.resolve("sr-true").toString(), true, "sr-true");
        int exec = exec(bin("sr-true"), false, "sr-true");
        MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
        pidfd.set(ValueLayout.JAVA_INT, 0, -1);

        int pid = program.runWithOptions(pidfd, ChildProgram.SPAWN_NO_CLONE3);

        assertTrue(pid > 0, "pid " + pid);
        int fd = pidfd.get(ValueLayout.JAVA_INT, 0);
        assertTrue(fd >= 0, "pidfd " + fd);
        assertEquals(Linux.FD_CLOEXEC, Sys.fcntl(fd, Linux.F_GETFD, 0) & Linux.FD_CLOEXEC);
        assertEquals(-Errno.ENOENT, program.result(missing));
        assertEquals(0, program.result(exec));
        assertExited(0, reap(new Spawned(pid, fd)));
    }

    @Test
    void withCloneFilesTheFirstStepUnsharesTheFdTableAndTheChildsDup2sStayInTheChild() throws IOException {
        int[] out = pipe();
        int[] other = pipe(); // the parent's: the child dup2s onto other[0] and closes other[1]
        int below = Math.max(out[1], Math.max(other[0], other[1])) + 1;
        String parentFdOne = Procs.fdTarget(1);
        String parentOther = Procs.fdTarget(other[0]);
        int unshare = program.closeRange(below, -1, Linux.CLOSE_RANGE_UNSHARE, false);
        int dup = program.dup2(out[1], 1, 0, false);
        int onto = program.dup2(out[1], other[0], 0, false);
        int close = program.closeFd(other[1], false);
        int exec = exec(bin("sr-list-fds"), false, "sr-list-fds");

        Spawned child = runSharingFiles(0);
        closeNow(out[1]);

        assertEquals(0, program.result(unshare));
        assertEquals(1, program.result(dup));
        assertEquals(other[0], program.result(onto));
        assertEquals(0, program.result(close));
        assertEquals(0, program.result(exec));
        List<String> fds = List.of(new String(readAll(out[0]), StandardCharsets.US_ASCII).split("\n"));
        assertTrue(fds.contains(Integer.toString(other[0])), "the child's dup2 onto " + other[0] + ": " + fds);
        assertExited(0, reap(child));
        assertEquals(parentFdOne, Procs.fdTarget(1), "the child's dup2 onto 1 left the parent's fd 1 alone");
        assertEquals(parentOther, Procs.fdTarget(other[0]), "the child's dup2 onto " + other[0] + " left the parent's alone");
        assertTrue(Sys.fcntl(other[1], Linux.F_GETFD, 0) >= 0, "the child's close left the parent's fd open");
    }

    @Test
    void withCloneFilesTheCloneFallbackUnsharesTheFdTableToo() throws IOException {
        int[] out = pipe();
        int unshare = program.closeRange(out[1] + 1, -1, Linux.CLOSE_RANGE_UNSHARE, false);
        program.dup2(out[1], 1, 0, false);
        int exec = exec(bin("sr-list-fds"), false, "sr-list-fds");

        Spawned child = runSharingFiles(ChildProgram.SPAWN_NO_CLONE3);
        closeNow(out[1]);

        assertEquals(0, program.result(unshare));
        assertEquals(0, program.result(exec));
        assertTrue(readAll(out[0]).length > 0, "sr-list-fds printed its fds");
        assertExited(0, reap(child));
    }

    @Test
    void withCloneFilesAFirstStepThatDoesNotUnshareIsRefusedBeforeAnythingIsCloned() throws IOException {
        Path ran = tmp.resolve("ran");
        int cloexec = program.closeRange(3, -1, Linux.CLOSE_RANGE_CLOEXEC, false);
        int open = program.openat(Linux.AT_FDCWD, cString(ran.toString()), Linux.O_WRONLY | Linux.O_CREAT, 0644, false);
        int exec = exec(bin("sr-true"), false, "sr-true");
        MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);

        // The native library's own check, whatever the Java layers above it check.
        assertEquals(-Errno.EINVAL, program.runWithOptions(pidfd, ChildProgram.SPAWN_CLONE_FILES));

        for (int step : new int[] {cloexec, open, exec}) {
            assertEquals(ECANCELED, program.result(step));
        }
        assertFalse(Files.exists(ran), "no step ran");
        try (ChildProgram empty = new ChildProgram()) {
            assertEquals(-Errno.EINVAL, empty.run(pidfd, Linux.CLONE_FILES), "no steps: nothing unshares");
        }
    }

    @Test
    void withCloneFilesAFailingUnshareStepKillsTheChildEvenWhenHardlinked() {
        Path ran = tmp.resolve("ran");
        int unshare = program.closeRange(3, -1, Linux.CLOSE_RANGE_UNSHARE | (1 << 7), true); // unknown flag
        int open = program.openat(Linux.AT_FDCWD, cString(ran.toString()), Linux.O_WRONLY | Linux.O_CREAT, 0644, true);
        int exec = exec(bin("sr-true"), false, "sr-true");

        Spawned child = runSharingFiles(0);

        assertEquals(-Errno.EINVAL, program.result(unshare));
        assertEquals(ECANCELED, program.result(open));
        assertEquals(ECANCELED, program.result(exec));
        assertKilled(reap(child));
        assertFalse(Files.exists(ran), "no step after the unshare ran");
    }

    @Test
    void cloneFlagsOtherThanCloneFilesAreRefused() {
        program.closeRange(3, -1, Linux.CLOSE_RANGE_UNSHARE, false);
        exec(bin("sr-true"), false, "sr-true");
        MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
        for (long flags : new long[] {0x100 /* CLONE_VM */, Linux.CLONE_FILES | 0x200 /* CLONE_FS */, 1L << 32}) {
            var e = assertThrows(IllegalArgumentException.class, () -> program.run(pidfd, flags));
            assertTrue(e.getMessage().contains("CLONE_FILES"), e.getMessage());
        }
    }

    @Test
    void aProgramCanRunAgainAndPostsFreshResults() {
        int exec = exec(bin("sr-true"), false, "sr-true");
        for (int i = 0; i < 3; i++) {
            Spawned child = run();
            assertEquals(0, program.result(exec));
            assertExited(0, reap(child));
        }
    }

    @Test
    void resultsAreUnavailableBeforeTheFirstRun() {
        program.nop(0, false);
        assertThrows(IllegalStateException.class, () -> program.result(0));
        assertThrows(IndexOutOfBoundsException.class, () -> program.result(1));
    }

    @Test
    void theProgramGrowsPastItsInitialCapacity() {
        try (ChildProgram small = new ChildProgram(1)) {
            for (int i = 0; i < 40; i++) {
                small.nop(i, false);
            }
            MemorySegment slot = arena.allocate(ValueLayout.JAVA_INT);
            int pid = small.run(slot);
            assertTrue(pid > 0);
            for (int i = 0; i < 40; i++) {
                assertEquals(i, small.result(i));
                assertEquals(ChildProgram.OP_NOP, small.op(i));
            }
            assertKilled(reap(new Spawned(pid, slot.get(ValueLayout.JAVA_INT, 0))));
        }
    }

    @Test
    void argvWithANulCharacterIsRefusedNamingTheElement() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChildProgram.cStringArray("argv", "a", "b", "c", "d\0e"));
        assertTrue(e.getMessage().startsWith("argv[3] contains a NUL character"), e.getMessage());
    }

    @Test
    void stringArraysAreNullTerminatedPointerArraysInOneBlock() {
        MemorySegment array = strings("envp", "A=1", "", "C=3");
        assertEquals(0L, array.getAtIndex(ValueLayout.JAVA_LONG, 3));
        String[] back = new String[3];
        for (int i = 0; i < 3; i++) {
            long p = array.getAtIndex(ValueLayout.JAVA_LONG, i);
            assertTrue(p > array.address() && p < array.address() + array.byteSize(), "inside the block");
            back[i] = MemorySegment.ofAddress(p).reinterpret(16).getString(0);
        }
        assertArrayEquals(new String[] {"A=1", "", "C=3"}, back);
    }

    @Test
    void heapSegmentsAreRefusedAsPointerArguments() {
        MemorySegment heap = MemorySegment.ofArray(new byte[8]);
        assertThrows(IllegalArgumentException.class, () -> program.chdir(heap, false));
        assertThrows(IndexOutOfBoundsException.class, () -> program.read(0, arena.allocate(4), 5, -1, false));
        assertThrows(IllegalArgumentException.class, () -> program.fail(0, false));
    }

    @Test
    void threadsSpawningAtTheSameTimeEachGetTheirOwnChildAndResults() throws Exception {
        String sr = bin("sr-true");
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 4; t++) {
            int nth = t;
            threads.add(Thread.ofPlatform().start(() -> {
                try (Arena a = Arena.ofConfined(); ChildProgram p = new ChildProgram()) {
                    MemorySegment argv = ChildProgram.cStringArray("argv", "sr-true");
                    MemorySegment envp = ChildProgram.cStringArray("envp");
                    try {
                        int marker = p.nop(nth, false);
                        int exec = p.exec(Linux.AT_FDCWD, NativeMemory.cString(a, "path", sr), argv, envp, 0, false);
                        MemorySegment slot = a.allocate(ValueLayout.JAVA_INT);
                        for (int i = 0; i < 100; i++) {
                            int pid = p.run(slot);
                            assertTrue(pid > 0, "pid " + pid);
                            assertEquals(nth, p.result(marker));
                            assertEquals(0, p.result(exec));
                            assertExited(0, reap(new Spawned(pid, slot.get(ValueLayout.JAVA_INT, 0))));
                        }
                    } finally {
                        NativeMemory.free(argv);
                        NativeMemory.free(envp);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(), failures);
    }

    @Test
    @Tag(Stress.TAG)
    void twoThousandRunsLeaveTheJvmDescriptorCountUnchanged() throws IOException {
        int exec = exec(bin("sr-true"), false, "sr-true");
        for (int i = 0; i < 20; i++) { // warm up: lazily opened JDK files are opened now
            assertExited(0, reap(run()));
        }
        long before = openFds();
        for (int i = 0; i < 2000; i++) {
            Spawned child = run();
            assertEquals(0, program.result(exec));
            Exit exit = reap(child);
            if (exit.code != Linux.CLD_EXITED || exit.status != 0) {
                assertExited(0, exit);
            }
        }
        // Exactly as many: no other test runs in this JVM.
        assertEquals(before, openFds(), "open fds in /proc/self/fd before and after");
    }

    // ---- helpers

    private record Spawned(int pid, int pidfd) {
    }

    private record Exit(int pid, int code, int status) {
    }

    /** Runs the program with CLONE_FILES (and {@code options}); the child's pid and pidfd. */
    private Spawned runSharingFiles(int options) {
        MemorySegment slot = arena.allocate(ValueLayout.JAVA_INT);
        slot.set(ValueLayout.JAVA_INT, 0, -1);
        int pid = program.runWithOptions(slot, ChildProgram.SPAWN_CLONE_FILES | options);
        assertTrue(pid > 0, "sr_spawn: " + pid);
        return new Spawned(pid, slot.get(ValueLayout.JAVA_INT, 0));
    }

    private Spawned run() {
        MemorySegment slot = arena.allocate(ValueLayout.JAVA_INT);
        slot.set(ValueLayout.JAVA_INT, 0, -1);
        int pid = program.run(slot);
        assertTrue(pid > 0, "sr_spawn: " + pid);
        int pidfd = slot.get(ValueLayout.JAVA_INT, 0);
        assertTrue(pidfd >= 0, "pidfd " + pidfd);
        return new Spawned(pid, pidfd);
    }

    /** Waits for the child through its pidfd, then closes the pidfd. */
    private static Exit reap(Spawned child) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(Linux.SIGINFO_SIZE);
            int r;
            do {
                r = Sys.waitid(Linux.P_PIDFD, child.pidfd, info, Linux.WEXITED);
            } while (r == -Errno.EINTR);
            assertEquals(0, r, "waitid");
            return new Exit(info.get(ValueLayout.JAVA_INT, Linux.SI_PID), info.get(ValueLayout.JAVA_INT, Linux.SI_CODE),
                    info.get(ValueLayout.JAVA_INT, Linux.SI_STATUS));
        } finally {
            Sys.close(child.pidfd);
        }
    }

    private static void assertExited(int status, Exit exit) {
        assertEquals(Linux.CLD_EXITED, exit.code, "si_code of " + exit);
        assertEquals(status, exit.status, "exit status of " + exit);
    }

    private static void assertKilled(Exit exit) {
        assertEquals(Linux.CLD_KILLED, exit.code, "si_code of " + exit);
        assertEquals(Linux.SIGKILL, exit.status, "signal of " + exit);
    }

    private int exec(String path, boolean hardlink, String... argv) {
        return program.exec(Linux.AT_FDCWD, cString(path), strings("argv", argv), strings("envp"), 0, hardlink);
    }

    private String runSigstate() throws IOException {
        int[] pipe = pipe();
        program.dup2(pipe[1], 1, 0, false);
        int exec = exec(bin("sr-sigstate"), false, "sr-sigstate");
        Spawned child = run();
        closeNow(pipe[1]);
        assertEquals(0, program.result(exec));
        String out = new String(readAll(pipe[0]), StandardCharsets.US_ASCII);
        assertExited(0, reap(child));
        return out;
    }

    private static long field(String status, String name) {
        for (String line : status.split("\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseUnsignedLong(line.substring(name.length() + 1).trim(), 16);
            }
        }
        throw new AssertionError("no " + name + " in " + status);
    }

    /** A field of this thread's /proc/thread-self/status, read on this thread. */
    private static long threadSignalState(String name) throws IOException {
        return field(Files.readString(Path.of("/proc/thread-self/status")), name);
    }

    private static long bit(int signal) {
        return 1L << (signal - 1);
    }

    private static MemorySegment signal(int sig, MemorySegment handler) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle signal = linker.downcallHandle(linker.defaultLookup().find("signal").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        return (MemorySegment) signal.invokeExact(sig, handler);
    }

    private MemorySegment cString(String s) {
        return NativeMemory.cString(arena, "path", s);
    }

    private MemorySegment strings(String what, String... values) {
        MemorySegment block = ChildProgram.cStringArray(what, values);
        toFree.add(block);
        return block;
    }

    private int[] pipe() {
        int[] fds = new int[2];
        assertEquals(0, Sys.pipe2(fds, Linux.O_CLOEXEC));
        toClose.add(fds[0]);
        toClose.add(fds[1]);
        return fds;
    }

    private void closeNow(int fd) {
        assertEquals(0, Sys.close(fd));
        toClose.remove(Integer.valueOf(fd));
    }

    private byte[] readAll(int fd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MemorySegment buf = arena.allocate(4096);
        for (;;) {
            long n = Sys.read(fd, buf, buf.byteSize());
            if (n == -Errno.EINTR) {
                continue;
            }
            assertTrue(n >= 0, "read: " + n);
            if (n == 0) {
                return out.toByteArray();
            }
            out.writeBytes(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static String bin(String name) {
        String dir = System.getProperty("spawnring.nativeBin");
        assertNotEquals(null, dir, "system property spawnring.nativeBin (set by surefire) names the helper programs");
        Path p = Path.of(dir, name);
        assertTrue(Files.isExecutable(p), p + " is built by library/build-native.sh");
        return p.toString();
    }
}
