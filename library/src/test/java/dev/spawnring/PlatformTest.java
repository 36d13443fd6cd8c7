package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Ring;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

/** {@link Platform#probe()}: the kernel, the backend and each feature with the path taken. */
class PlatformTest {
    @Test
    void theProbeNamesTheKernelAndTheBackendASpawnerTakes() throws Exception {
        Platform.Report r = Platform.probe();
        assertEquals(System.getProperty("os.version"), r.kernel());
        try (Spawner s = Spawner.builder().loops(1).build()) {
            assertEquals(s.backend(), r.backend());
        }
        assertTrue(r.nativeLibrary().startsWith("spawnring-native "), r.nativeLibrary());
    }

    @Test
    void everyFeatureSaysWhetherItIsThereWhichPathIsTakenAndWhyNot() {
        Platform.Report r = Platform.probe();
        assertEquals(List.of(Platform.IO_URING, Platform.IORING_OP_WAITID, Platform.PIDFD_OPEN, Platform.CLONE3,
                Platform.PIDFD_SIGNAL_PROCESS_GROUP, Platform.MEMFD_CREATE),
                r.features().stream().map(Platform.Feature::name).toList());
        for (Platform.Feature f : r.features()) {
            assertFalse(f.path().isBlank(), f.toString());
            assertEquals(f.available(), f.reason().isEmpty(), "a reason exactly when it is not available: " + f);
        }
        assertTrue(r.feature(Platform.PIDFD_OPEN).available(), "spawnring's tests run where pidfds exist");
        assertTrue(r.feature(Platform.MEMFD_CREATE).available());
        assertThrows(NoSuchElementException.class, () -> r.feature("no such feature"));
    }

    @Test
    void theIoUringFeatureAgreesWithTheRing() {
        Platform.Feature f = Platform.probe().feature(Platform.IO_URING);
        String reason = Ring.ioUringUnavailableReason();
        assertEquals(reason == null, f.available());
        if (reason != null) {
            assertTrue(f.reason().startsWith(reason), f.reason());
        }
        if (Backend.forced() == null) {
            assertEquals(f.available() ? Backend.IO_URING : Backend.FALLBACK, Platform.probe().backend());
        }
    }

    @Test
    void theGroupSignalPathFollowsTheKernel() {
        Platform.Feature f = Platform.probe().feature(Platform.PIDFD_SIGNAL_PROCESS_GROUP);
        String[] release = System.getProperty("os.version").split("[.-]");
        int major = Integer.parseInt(release[0]);
        int minor = Integer.parseInt(release[1]);
        assertEquals(major > 6 || (major == 6 && minor >= 9), f.available(), f.toString());
        assertEquals(f.available() ? "group signals through the leader's pidfd"
                : "kill(-pgid) while the group's leader is unreaped", f.path());
    }
}
