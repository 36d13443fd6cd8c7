package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.testing.Children;
import dev.spawnring.testing.Children.Exit;
import dev.spawnring.testing.Rings;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Trees;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A CLONE with {@code CLONE_INTO_CGROUP} and the cgroup's fd in {@code fd}, on both backends:
 * the child runs in that cgroup from its first step ({@code /proc/self/cgroup} says so before
 * exec has happened anywhere else); an {@code fd} without the flag fails the chain
 * {@code -EINVAL} and clones nothing. Skipped, saying why, where no cgroup v2 is writable.
 */
@Tag(KernelSuiteMain.TAG)
class CloneIntoCgroupTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void theChildStartsInTheCgroupTheClonesFdNames(Backend backend) throws IOException {
        Path parent = Trees.assumeTreesHere();
        Path cgroup = Files.createDirectory(parent.resolve("spawnring-contract-" + ProcessHandle.current().pid()));
        int cgroupFd = Sys.openat(Linux.AT_FDCWD, cgroup.toString(), Linux.O_RDONLY | Linux.O_DIRECTORY
                | Linux.O_CLOEXEC, 0);
        int[] out = Rings.pipe();
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            assertTrue(cgroupFd >= 0, "open " + cgroup + ": " + cgroupFd);
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepClone(pidfd, 0, cgroupFd).flags(IOSQE_IO_LINK).userData(0);
            ring.getSqe().prepDup2(out[1], 1).flags(IOSQE_IO_LINK).userData(1);
            ring.getSqe().prepExec("/bin/cat", new String[] {"cat", "/proc/self/cgroup"}, null).userData(2);
            ring.submit();
            Sys.close(out[1]);
            int[] res = Children.results(ring, 3);
            assertTrue(res[0] > 0, "CLONE posts the child's pid, got " + res[0]);
            String seen = new String(Children.drain(out[0]), StandardCharsets.UTF_8);
            assertEquals(Exit.exited(0), Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)));

            assertTrue(seen.lines().anyMatch(l -> l.startsWith("0::") && l.endsWith("/" + cgroup.getFileName())),
                    seen);
        } finally {
            Rings.closeAll(out[0], cgroupFd);
            Files.delete(cgroup);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void anFdWithoutCloneIntoCgroupFailsTheChain(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepClone(pidfd, 0).fd(3).flags(IOSQE_IO_LINK).userData(0);
            ring.getSqe().prepExec("/bin/true", new String[] {"true"}, null).userData(1);
            ring.submit();

            assertArrayEquals(new int[] {-Errno.EINVAL, -Errno.ECANCELED}, Children.results(ring, 2));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aNegativeCgroupFdIsRefusedWhenPrepared(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            assertThrows(IllegalArgumentException.class, () -> ring.getSqe().prepClone(pidfd, 0, -1));
        }
    }
}
