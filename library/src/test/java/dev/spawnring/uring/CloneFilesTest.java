package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Rings;
import dev.spawnring.testing.Children;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.testkit.Procs;
import dev.spawnring.testing.Children.Exit;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A CLONE with {@code CLONE_FILES}, on both backends: the child starts on the submitter's
 * fd table and its first step, a CLOSE_RANGE with {@code CLOSE_RANGE_UNSHARE}, gives it a
 * copy of the fds below the range; without that first step, or with any other clone flag,
 * the CLONE fails {@code -EINVAL} and nothing runs.
 */
@Tag(KernelSuiteMain.TAG)
class CloneFilesTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theChildGetsItsOwnCopyOfTheFdsBelowTheUnshareStepAndTheParentsFdsStayAsTheyWere(Backend backend)
            throws IOException {
        int[] out = Rings.pipe();
        int[] other = Rings.pipe(); // the parent's: the child dup2s onto other[0] and closes other[1]
        int below = Math.max(out[1], Math.max(other[0], other[1])) + 1;
        // An fd the child would inherit if it got the whole table: above the range, not close-on-exec.
        int above = Sys.fcntl(other[0], 0 /* F_DUPFD */, below + 16);
        assertTrue(above > below, "F_DUPFD: " + above);
        String fdOne = Procs.fdTarget(1);
        String otherRead = Procs.fdTarget(other[0]);
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepClone(pidfd, Linux.CLONE_FILES).flags(IOSQE_IO_LINK).userData(0);
            ring.getSqe().prepCloseRange(below, ~0, Linux.CLOSE_RANGE_UNSHARE).flags(IOSQE_IO_LINK).userData(1);
            ring.getSqe().prepDup2(out[1], 1).flags(IOSQE_IO_LINK).userData(2);
            ring.getSqe().prepDup2(out[1], other[0]).flags(IOSQE_IO_LINK).userData(3);
            ring.getSqe().prepClose(other[1]).flags(IOSQE_IO_LINK).userData(4);
            ring.getSqe().prepExec(Rings.nativeBin("sr-list-fds").toString(), new String[] {"sr-list-fds"}, null)
                    .userData(5);
            ring.submit();
            Sys.close(out[1]);
            int[] res = Children.results(ring, 6);
            assertTrue(res[0] > 0, "CLONE posts the child's pid, got " + res[0]);
            assertArrayEquals(new int[] {0, 1, other[0], 0, 0}, java.util.Arrays.copyOfRange(res, 1, 6));
            List<String> childFds = new String(Children.drain(out[0]), StandardCharsets.UTF_8).lines().toList();
            assertEquals(Exit.exited(0), Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)));

            assertTrue(childFds.contains(Integer.toString(other[0])), "the child's dup2: " + childFds);
            assertFalse(childFds.contains(Integer.toString(above)), "fd " + above + " is not copied: " + childFds);
            assertEquals(fdOne, Procs.fdTarget(1), "the parent's fd 1");
            assertEquals(otherRead, Procs.fdTarget(other[0]), "the parent's fd " + other[0]);
            assertTrue(Sys.fcntl(other[1], Linux.F_GETFD, 0) >= 0, "the parent's fd " + other[1] + " is open");
            assertTrue(Sys.fcntl(above, Linux.F_GETFD, 0) >= 0, "the parent's fd " + above + " is open");
        } finally {
            Rings.closeAll(other[0], other[1], above);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void withoutAnUnsharingFirstStepTheCloneFailsWithEinvalAndNothingRuns(Backend backend) throws IOException {
        List<Consumer<Sqe>> firstSteps = List.of(
                s -> s.prepCloseRange(3, ~0, Linux.CLOSE_RANGE_CLOEXEC),
                s -> s.prepCloseRange(3, ~0, 0),
                s -> s.prepDup2(2, 1),
                s -> s.prepNop());
        for (Consumer<Sqe> first : firstSteps) {
            assertRefused(backend, Linux.CLONE_FILES, first);
        }
        // The unsharing step must be the first, not just somewhere in the chain.
        assertRefused(backend, Linux.CLONE_FILES, Sqe::prepNop, s -> s.prepCloseRange(3, ~0, Linux.CLOSE_RANGE_UNSHARE));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void cloneFlagsOtherThanCloneFilesAreRefused(Backend backend) throws IOException {
        Consumer<Sqe> unshare = s -> s.prepCloseRange(3, ~0, Linux.CLOSE_RANGE_UNSHARE);
        long cloneVm = 0x100;
        long cloneFs = 0x200;
        long cloneClearSighand = 1L << 32;
        for (long flags : new long[] {cloneVm, cloneFs, Linux.CLONE_FILES | cloneFs, cloneClearSighand, -1}) {
            assertRefused(backend, flags, unshare);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aFailingUnshareStepKillsTheChildBeforeAnyOtherStepEvenWhenHardlinked(Backend backend) throws IOException {
        Path ran = tmp.resolve("ran");
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepClone(pidfd, Linux.CLONE_FILES).flags(IOSQE_IO_LINK).userData(0);
            int unknownFlag = 1 << 7;
            ring.getSqe().prepCloseRange(3, ~0, Linux.CLOSE_RANGE_UNSHARE | unknownFlag)
                    .flags(IOSQE_IO_LINK | IOSQE_IO_HARDLINK).userData(1);
            ring.getSqe().prepOpenat(AT_FDCWD, ran.toString(), Linux.O_WRONLY | Linux.O_CREAT, 0644)
                    .flags(IOSQE_IO_LINK | IOSQE_IO_HARDLINK).userData(2);
            ring.getSqe().prepExec(Rings.nativeBin("sr-true").toString(), new String[] {"sr-true"}, null)
                    .userData(3);
            ring.submit();
            int[] res = Children.results(ring, 4);
            assertTrue(res[0] > 0, "CLONE posts the child's pid, got " + res[0]);
            assertEquals(-Errno.EINVAL, res[1]);
            assertEquals(-Errno.ECANCELED, res[2]);
            assertEquals(-Errno.ECANCELED, res[3]);
            assertEquals(Exit.killed(Linux.SIGKILL), Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)));
            assertFalse(Files.exists(ran), "the OPENAT after the failed unshare did not run");
        }
    }

    /**
     * CLONE({@code flags}) → the given steps → OPENAT(O_CREAT) → EXEC: the CLONE fails
     * {@code -EINVAL}, the rest {@code -ECANCELED}, no file is made and no child is left.
     */
    @SafeVarargs
    private void assertRefused(Backend backend, long flags, Consumer<Sqe>... steps) throws IOException {
        Path ran = tmp.resolve("ran");
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            pidfd.set(ValueLayout.JAVA_INT, 0, -1);
            ring.getSqe().prepClone(pidfd, flags).flags(IOSQE_IO_LINK).userData(0);
            int n = 1;
            for (Consumer<Sqe> step : steps) {
                Sqe sqe = ring.getSqe();
                step.accept(sqe);
                sqe.flags(IOSQE_IO_LINK).userData(n++);
            }
            ring.getSqe().prepOpenat(AT_FDCWD, ran.toString(), Linux.O_WRONLY | Linux.O_CREAT | Linux.O_CLOEXEC, 0644)
                    .flags(IOSQE_IO_LINK).userData(n++);
            ring.getSqe().prepExec(Rings.nativeBin("sr-true").toString(), new String[] {"sr-true"}, null)
                    .userData(n++);
            ring.submit();
            int[] res = Children.results(ring, n);
            String what = "clone flags 0x" + Long.toHexString(flags) + ", " + steps.length + " steps";
            assertEquals(-Errno.EINVAL, res[0], what);
            for (int i = 1; i < n; i++) {
                assertEquals(-Errno.ECANCELED, res[i], what + ": request " + i);
            }
            assertEquals(-1, pidfd.get(ValueLayout.JAVA_INT, 0), what + ": no pidfd");
            assertFalse(Files.exists(ran), what + ": no step ran");
            assertEquals(List.of(), Children.zombieChildren(), what);
        }
    }
}
