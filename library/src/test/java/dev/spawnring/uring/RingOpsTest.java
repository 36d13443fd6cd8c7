package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Rings;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every kernel op the ring preps, against real fds, on both backends. */
@Tag(KernelSuiteMain.TAG)
class RingOpsTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void nopCompletesWithZeroAndItsUserData(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepNop().userData(42);
            assertEquals(1, ring.submit());
            Cqe cqe = ring.waitCqe();
            assertEquals(42, cqe.userData());
            assertEquals(0, cqe.res());
            ring.cqeSeen(cqe);
            assertNull(ring.peekCqe());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void nopInjectResultPostsTheGivenResult(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            Rings.assumeNopInject(backend);
            ring.getSqe().prepNopInject(-255).userData(1);
            ring.getSqe().prepNopInject(12345).userData(2);
            ring.submit();
            assertEquals(-255, Rings.reap(ring, 1));
            assertEquals(12345, Rings.reap(ring, 2));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void writeThenReadMovesBytesThroughAPipe(Backend backend) throws IOException {
        int[] p = Rings.pipe();
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocateFrom("hello ring", StandardCharsets.UTF_8);
            MemorySegment in = arena.allocate(64);
            ring.getSqe().prepWrite(p[1], out, 10, -1).userData(1).flags(IOSQE_IO_LINK);
            ring.getSqe().prepRead(p[0], in, 64, -1).userData(2);
            ring.submit();
            assertEquals(10, Rings.reap(ring, 1));
            assertEquals(10, Rings.reap(ring, 2));
            assertEquals("hello ring", in.getString(0, StandardCharsets.UTF_8).substring(0, 10));
        } finally {
            Rings.closeAll(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void openatWriteAtOffsetAndCloseWorkOnARegularFile(Backend backend) throws IOException {
        Path file = tmp.resolve("data.txt");
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            ring.getSqe().prepOpenat(AT_FDCWD, file.toString(),
                    Linux.O_RDWR | Linux.O_CREAT | Linux.O_CLOEXEC, 0600).userData(1);
            ring.submit();
            int fd = Rings.reap(ring, 1);
            assertTrue(fd >= 0, "openat gave " + fd);
            MemorySegment data = arena.allocateFrom("0123456789", StandardCharsets.UTF_8);
            ring.getSqe().prepWrite(fd, data, 10, 0).userData(2).flags(IOSQE_IO_LINK);
            ring.getSqe().prepWrite(fd, data, 3, 20).userData(3).flags(IOSQE_IO_LINK);
            ring.getSqe().prepClose(fd).userData(4);
            ring.submit();
            assertEquals(10, Rings.reap(ring, 2));
            assertEquals(3, Rings.reap(ring, 3));
            assertEquals(0, Rings.reap(ring, 4));
            byte[] content = Files.readAllBytes(file);
            assertEquals(23, content.length);
            assertEquals("012", new String(content, 20, 3, StandardCharsets.UTF_8));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void openatOfAMissingFileCompletesWithEnoent(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepOpenat(AT_FDCWD, tmp.resolve("missing/file").toString(), Linux.O_RDONLY, 0).userData(1);
            ring.submit();
            assertEquals(-Errno.ENOENT, Rings.reap(ring, 1));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void closeOfABadFdCompletesWithEbadf(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepClose(987654).userData(1);
            ring.submit();
            assertEquals(-Errno.EBADF, Rings.reap(ring, 1));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void pollAddCompletesWhenThePipeBecomesReadable(Backend backend) throws IOException {
        int[] p = Rings.pipe();
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            ring.getSqe().prepPollAdd(p[0], Linux.POLLIN).userData(1);
            ring.submit();
            assertNull(Rings.peekSoon(ring, 50), "nothing to read yet");
            Sys.write(p[1], arena.allocateFrom("x"), 1);
            int res = Rings.reap(ring, 1);
            assertTrue((res & Linux.POLLIN) != 0, "poll mask " + res);
        } finally {
            Rings.closeAll(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void pollRemoveCancelsAPendingPoll(Backend backend) throws IOException {
        int[] p = Rings.pipe();
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepPollAdd(p[0], Linux.POLLIN).userData(1);
            ring.submit();
            ring.getSqe().prepPollRemove(1).userData(2);
            ring.submit();
            var results = Rings.reapAll(ring, 2);
            assertEquals(-Errno.ECANCELED, results.get(1L));
            assertEquals(0, results.get(2L));
        } finally {
            Rings.closeAll(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void timeoutCompletesWithEtimeAfterItsDuration(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            long t0 = System.nanoTime();
            ring.getSqe().prepTimeout(Duration.ofMillis(30), 0, 0).userData(1);
            ring.submit();
            assertEquals(-Errno.ETIME, Rings.reap(ring, 1));
            assertTrue(System.nanoTime() - t0 >= 25_000_000L, "fired too early");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void timeoutRemoveCancelsAPendingTimeout(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepTimeout(Duration.ofSeconds(30), 0, 0).userData(1);
            ring.submit();
            ring.getSqe().prepTimeoutRemove(1, 0).userData(2);
            ring.submit();
            var results = Rings.reapAll(ring, 2);
            assertEquals(-Errno.ECANCELED, results.get(1L));
            assertEquals(0, results.get(2L));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void linkTimeoutCancelsAReadThatNeverCompletes(Backend backend) throws IOException {
        int[] p = Rings.pipe();
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16);
            ring.getSqe().prepRead(p[0], buf, 16, -1).userData(1).flags(IOSQE_IO_LINK);
            ring.getSqe().prepLinkTimeout(Duration.ofMillis(20), 0).userData(2);
            ring.submit();
            var results = Rings.reapAll(ring, 2);
            assertEquals(-Errno.ECANCELED, results.get(1L));
            assertEquals(-Errno.ETIME, results.get(2L));
        } finally {
            Rings.closeAll(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void linkTimeoutIsCancelledWhenTheRequestCompletesInTime(Backend backend) throws IOException {
        int[] p = Rings.pipe();
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            Sys.write(p[1], arena.allocateFrom("abc"), 3);
            MemorySegment buf = arena.allocate(16);
            ring.getSqe().prepRead(p[0], buf, 16, -1).userData(1).flags(IOSQE_IO_LINK);
            ring.getSqe().prepLinkTimeout(Duration.ofSeconds(10), 0).userData(2);
            ring.submit();
            var results = Rings.reapAll(ring, 2);
            assertEquals(3, results.get(1L));
            assertEquals(-Errno.ECANCELED, results.get(2L));
        } finally {
            Rings.closeAll(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void asyncCancelStopsABlockedRead(Backend backend) throws IOException {
        int[] p = Rings.pipe();
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16);
            ring.getSqe().prepRead(p[0], buf, 16, -1).userData(7);
            ring.submit();
            assertNull(Rings.peekSoon(ring, 20));
            ring.getSqe().prepCancel(7, 0).userData(8);
            ring.submit();
            var results = Rings.reapAll(ring, 2);
            assertEquals(-Errno.ECANCELED, results.get(7L));
            assertEquals(0, results.get(8L));
        } finally {
            Rings.closeAll(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void asyncCancelOfAnUnknownRequestCompletesWithEnoent(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepCancel(999, 0).userData(1);
            ring.submit();
            assertEquals(-Errno.ENOENT, Rings.reap(ring, 1));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void waitidByPidfdReapsARealChildAndFillsSiginfo(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            Rings.assumeWaitid(ring);
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            int pid = startShell(ring, pidfd, "exit 7");
            MemorySegment info = arena.allocate(Linux.SIGINFO_SIZE);
            ring.getSqe().prepWaitid(P_PIDFD, pidfd.get(ValueLayout.JAVA_INT, 0), info, WEXITED, 0).userData(9);
            ring.submit();
            assertEquals(0, Rings.reap(ring, 9));
            assertEquals(Linux.SIGCHLD, info.get(ValueLayout.JAVA_INT, Linux.SI_SIGNO));
            assertEquals(Linux.CLD_EXITED, info.get(ValueLayout.JAVA_INT, Linux.SI_CODE));
            assertEquals(pid, info.get(ValueLayout.JAVA_INT, Linux.SI_PID));
            assertEquals(7, info.get(ValueLayout.JAVA_INT, Linux.SI_STATUS));
            Sys.close(pidfd.get(ValueLayout.JAVA_INT, 0));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void waitidByPidWaitsForAChildKilledByASignal(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            Rings.assumeWaitid(ring);
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            int pid = startShell(ring, pidfd, "kill -TERM $$; sleep 5");
            MemorySegment info = arena.allocate(Linux.SIGINFO_SIZE);
            ring.getSqe().prepWaitid(P_PID, pid, info, WEXITED, 0).userData(9);
            ring.submit();
            assertEquals(0, Rings.reap(ring, 9));
            assertEquals(Linux.CLD_KILLED, info.get(ValueLayout.JAVA_INT, Linux.SI_CODE));
            assertEquals(Linux.SIGTERM, info.get(ValueLayout.JAVA_INT, Linux.SI_STATUS));
            Sys.close(pidfd.get(ValueLayout.JAVA_INT, 0));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void waitidOfSomebodyElsesProcessFailsWithEchild(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            Rings.assumeWaitid(ring);
            ring.getSqe().prepWaitid(P_PID, 1, null, WEXITED, 0).userData(1);
            ring.submit();
            assertEquals(-Errno.ECHILD, Rings.reap(ring, 1));
        }
    }

    /** Starts {@code sh -c script} with a CLONE chain; returns its pid, its pidfd stored in {@code pidfd}. */
    private static int startShell(Ring ring, MemorySegment pidfd, String script) throws IOException {
        ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(100);
        ring.getSqe().prepExec("/bin/sh", new String[] {"sh", "-c", script}, null).userData(101);
        ring.submit();
        int pid = Rings.reap(ring, 100);
        assertTrue(pid > 0);
        assertEquals(0, Rings.reap(ring, 101));
        return pid;
    }
}
