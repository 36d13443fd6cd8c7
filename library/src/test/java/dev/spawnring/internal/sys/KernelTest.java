package dev.spawnring.internal.sys;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The minimum kernel: what spawnring cannot do without is probed by feature, and a kernel
 * that lacks one is refused with a message that names the kernel, the minimum and the
 * missing feature (with the errno the probe got).
 */
@Tag(KernelSuiteMain.TAG)
class KernelTest {
    @Test
    void thisKernelHasEverythingSpawnringCannotDoWithout() {
        for (Kernel.Requirement r : Kernel.requirements()) {
            assertTrue(r.present(), r.describe());
        }
        assertNull(Kernel.unsupportedReason());
    }

    @Test
    void aKernelLackingARequirementIsRefusedNamingTheKernelTheMinimumAndTheFeature() {
        List<Kernel.Requirement> older = List.of(
                new Kernel.Requirement("pidfd_open", "5.3", "every child is watched through its pidfd", 0),
                new Kernel.Requirement("close_range CLOSE_RANGE_CLOEXEC", "5.11", "closing every other fd in the child",
                        Errno.EINVAL));
        assertEquals("spawnring needs Linux 5.11 or later: this kernel (5.10.0-30-amd64) lacks close_range"
                + " CLOSE_RANGE_CLOEXEC (Linux 5.11): EINVAL (Invalid argument), needed for closing every other fd"
                + " in the child", Kernel.unsupportedReason("5.10.0-30-amd64", older));
    }

    @Test
    void theCloseRangeProbeChangesNoFd() {
        int[] p = new int[2];
        assertEquals(0, Sys.pipe2(p, 0)); // without O_CLOEXEC
        try {
            assertEquals(0, Sys.closeRange(-1, -1, Linux.CLOSE_RANGE_CLOEXEC), "the probe itself");
            assertEquals(0, Sys.fcntl(p[0], 1 /* F_GETFD */, 0), "FD_CLOEXEC was set on an fd outside the range");
            assertEquals(0, Sys.fcntl(p[1], 1 /* F_GETFD */, 0), "FD_CLOEXEC was set on an fd outside the range");
        } finally {
            Sys.close(p[0]);
            Sys.close(p[1]);
        }
    }
}
