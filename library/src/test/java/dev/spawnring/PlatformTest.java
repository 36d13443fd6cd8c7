package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.internal.sys.Kernel;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.IoUring;
import dev.spawnring.uring.Ring;
import java.util.List;
import java.util.Set;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link Platform#probe()}: the kernel, the backend and each feature with the path taken. */
@Tag(KernelSuiteMain.TAG)
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
        List<String> names = r.features().stream().map(Platform.Feature::name).toList();
        assertEquals(Platform.IO_URING, names.get(0));
        for (String name : List.of(Platform.IORING_OP_WAITID, Platform.IORING_NOP_INJECT_RESULT,
                Platform.IORING_ASYNC_CANCEL_ANY, Platform.PIDFD_OPEN, Platform.PIDFD_SEND_SIGNAL,
                Platform.WAITID_P_PIDFD, Platform.CLOSE_RANGE_CLOEXEC, Platform.PIDFD_SIGNAL_PROCESS_GROUP,
                Platform.CLONE3, Platform.CLOSE_RANGE_UNSHARE, Platform.MEMFD_CREATE, "IORING_SETUP_SUBMIT_ALL",
                "IORING_OP_READ", "IORING_OP_POLL_ADD")) {
            assertTrue(names.contains(name), name + " is not among " + names);
        }
        assertEquals(names.size(), Set.copyOf(names).size(), "a feature twice: " + names);
        for (Platform.Feature f : r.features()) {
            assertFalse(f.path().isBlank(), f.toString());
            assertEquals(f.available(), f.reason().isEmpty(), "a reason exactly when it is not available: " + f);
        }
        for (String required : List.of(Platform.PIDFD_OPEN, Platform.PIDFD_SEND_SIGNAL, Platform.WAITID_P_PIDFD,
                Platform.CLOSE_RANGE_CLOEXEC, Platform.CLOSE_RANGE_UNSHARE)) {
            assertTrue(r.feature(required).available(), "spawnring's tests run on its minimum kernel or later: "
                    + r.feature(required));
        }
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
        assertEquals(Kernel.groupSignalProbe() == 0, f.available(), f.toString());
        assertTrue(f.path().startsWith(f.available() ? "group signals through the leader's pidfd"
                : "kill(-pgid) while the group's leader is unreaped"), f.path());
    }

    @Test
    void theWaitidPathFollowsTheRing() throws Exception {
        Platform.Report r = Platform.probe();
        Platform.Feature f = r.feature(Platform.IORING_OP_WAITID);
        if (r.feature(Platform.IO_URING).available()) {
            try (Ring ring = Ring.open(2, Backend.IO_URING)) {
                assertEquals(ring.probe().supports(IoUring.IORING_OP_WAITID), f.available(), f.toString());
            }
        }
        if (r.backend() == Backend.IO_URING) {
            assertTrue(f.path().startsWith(f.available() ? "exits seen by an io_uring WAITID"
                    : "exits seen by an io_uring POLL_ADD on the pidfd"), f.path());
        }
    }
}
