package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.testing.Children;
import dev.spawnring.testing.Children.Exit;
import dev.spawnring.testing.Rings;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a prep copies (paths, timespecs, argv and envp) is freed once the ring's backend
 * has consumed the SQE, before the completion is seen, as the kernel copies it at
 * submission; the request still runs right. Counted in {@link NativeMemory} blocks.
 * Both backends.
 */
class PrepMemoryTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void countingIsOn() {
        Assumptions.assumeTrue(NativeMemory.liveBlocks() >= 0,
                "skipped: native blocks are counted only with -Dspawnring.debug.nativeMemory=true");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void pathsAndArgvAreFreedWhenSubmitReturnsAndTheRequestsStillRun(Backend backend) throws IOException {
        Path file = Files.writeString(tmp.resolve("data"), "x");
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            long before = NativeMemory.liveBlocks();
            ring.getSqe().prepOpenat(AT_FDCWD, file.toString(), Linux.O_RDONLY | Linux.O_CLOEXEC, 0).userData(1);
            ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(2);
            ring.getSqe().prepChdir(tmp.toString()).flags(IOSQE_IO_LINK).userData(3);
            ring.getSqe().prepExec(Rings.nativeBin("sr-true").toString(), new String[] {"sr-true"}, null).userData(4);
            assertEquals(before + 5, NativeMemory.liveBlocks(), "a path, a path, and the exec's path, argv, envp");
            ring.submit();
            assertEquals(before, NativeMemory.liveBlocks(), "all freed once submitted, no completion seen yet");
            assertEquals(4, ring.inFlight());
            var res = Rings.reapAll(ring, 4);
            assertTrue(res.get(1L) >= 0, "openat: " + res.get(1L));
            Sys.close(res.get(1L));
            assertTrue(res.get(2L) > 0, "clone: " + res.get(2L));
            assertEquals(0, res.get(3L));
            assertEquals(0, res.get(4L));
            assertEquals(Exit.exited(0), Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aTimeoutsTimespecIsFreedWhileItWaitsAndItStillFiresOnTime(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            // A first timeout starts what waits (FALLBACK's reactor thread allocates as it starts).
            ring.getSqe().prepTimeout(Duration.ofMillis(1), 0, 0).userData(1);
            ring.submit();
            assertEquals(-Errno.ETIME, Rings.reap(ring, 1));
            long before = NativeMemory.liveBlocks();
            long t0 = System.nanoTime();
            ring.getSqe().prepTimeout(Duration.ofMillis(50), 0, 0).userData(2);
            ring.getSqe().prepTimeout(Duration.ofSeconds(30), 0, 0).userData(3);
            ring.submit();
            assertEquals(before, NativeMemory.liveBlocks(), "the timespecs are freed while the timeouts wait");
            assertEquals(-Errno.ETIME, Rings.reap(ring, 2));
            assertTrue(System.nanoTime() - t0 >= 45_000_000L, "fired too early: the time was copied at submit");
            ring.getSqe().prepTimeoutRemove(3, 0).userData(4);
            ring.submit();
            var res = Rings.reapAll(ring, 2);
            assertEquals(0, res.get(4L));
            assertEquals(-Errno.ECANCELED, res.get(3L));
            assertEquals(before, NativeMemory.liveBlocks());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aWaitidWithoutSiginfoAllocatesNothing(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            Rings.assumeWaitid(ring);
            long before = NativeMemory.liveBlocks();
            ring.getSqe().prepWaitid(P_PID, 1, null, WEXITED, 0).userData(1);
            ring.getSqe().prepWaitid(P_PID, 1, null, WEXITED, 0).userData(2);
            assertEquals(before, NativeMemory.liveBlocks(), "both write into the ring's scratch siginfo");
            ring.submit();
            assertEquals(-Errno.ECHILD, Rings.reap(ring, 1));
            assertEquals(-Errno.ECHILD, Rings.reap(ring, 2));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void whatAnUnsubmittedSqeCopiedIsFreedByClose(Backend backend) throws IOException {
        long before = NativeMemory.liveBlocks();
        Ring ring = Rings.open(backend);
        ring.getSqe().prepOpenat(AT_FDCWD, tmp.resolve("never").toString(), Linux.O_RDONLY, 0).userData(1);
        ring.getSqe().prepExec("/bin/true", new String[] {"true"}, null).userData(2);
        ring.close();
        assertEquals(before, NativeMemory.liveBlocks(), "the ring's own memory and the SQEs' copies");
    }
}
