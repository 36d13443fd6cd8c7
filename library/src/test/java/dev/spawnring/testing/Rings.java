package dev.spawnring.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Cqe;
import dev.spawnring.uring.Ring;
import dev.spawnring.testkit.Procs;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/** Shared steps of the ring tests. */
public final class Rings {
    private Rings() {
    }

    /** Opens a ring on {@code backend}; skips (with the reason) where io_uring is refused. */
    public static Ring open(Backend backend) throws IOException {
        return open(backend, 16);
    }

    public static Ring open(Backend backend, int entries) throws IOException {
        if (backend == Backend.IO_URING) {
            String reason = Ring.ioUringUnavailableReason();
            Assumptions.assumeTrue(reason == null, () -> "skipped: io_uring is not usable here: " + reason);
        }
        return Ring.open(entries, backend);
    }

    /**
     * Skips (saying why) a test of the ring's own WAITID on an io_uring without it (before Linux
     * 6.7); the FALLBACK ring always has it.
     */
    public static void assumeWaitid(Ring ring) throws IOException {
        Assumptions.assumeTrue(hasWaitid(ring), () -> "skipped: io_uring has no IORING_OP_WAITID before Linux 6.7 (this kernel: "
                + System.getProperty("os.version") + ")");
    }

    /**
     * Skips (saying why) a test that makes the NOPs of {@code backend} post a result of its
     * choosing where the kernel's NOP cannot (no {@code IORING_NOP_INJECT_RESULT}, as on 6.1);
     * the FALLBACK ring always can.
     */
    public static void assumeNopInject(Backend backend) {
        Assumptions.assumeTrue(backend == Backend.FALLBACK || kernelNopInjects(),
                () -> "skipped: this kernel's NOP has no IORING_NOP_INJECT_RESULT (" + System.getProperty("os.version") + ")");
    }

    /** @return whether the kernel's io_uring NOP posts a result it is given */
    public static boolean kernelNopInjects() {
        return dev.spawnring.Platform.probe().feature(dev.spawnring.Platform.IORING_NOP_INJECT_RESULT).available();
    }

    /** @return whether {@code ring} runs IORING_OP_WAITID */
    public static boolean hasWaitid(Ring ring) throws IOException {
        return ring.probe().supports(dev.spawnring.uring.IoUring.IORING_OP_WAITID);
    }

    /** Waits for the next completion, checks its user_data, returns its res. */
    public static int reap(Ring ring, long expectedUserData) throws IOException {
        Cqe cqe = ring.waitCqe();
        ring.cqeSeen(cqe);
        assertEquals(expectedUserData, cqe.userData(), "completion order: got " + cqe);
        return cqe.res();
    }

    /** Waits for {@code n} completions: user_data to res, in arrival order. */
    public static Map<Long, Integer> reapAll(Ring ring, int n) throws IOException {
        Map<Long, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Cqe cqe = ring.waitCqe();
            ring.cqeSeen(cqe);
            out.put(cqe.userData(), cqe.res());
        }
        return out;
    }

    /** Looks for a completion for up to {@code millis}; null if none came. */
    public static Cqe peekSoon(Ring ring, long millis) throws IOException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        do {
            Cqe c = ring.peekCqe();
            if (c != null) {
                return c;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        return null;
    }

    public static int[] pipe() throws IOException {
        int[] p = new int[2];
        Errno.check("pipe2", Sys.pipe2(p, Linux.O_CLOEXEC));
        return p;
    }

    public static void closeAll(int... fds) {
        for (int fd : fds) {
            Sys.close(fd);
        }
    }

    /** @return how many fds this JVM has open */
    public static long fdCount() throws IOException {
        return dev.spawnring.testkit.Procs.fdCount();
    }

    /** @return a test helper program built from src/test/c */
    public static Path nativeBin(String name) {
        String dir = System.getProperty("spawnring.nativeBin");
        assertNotNull(dir, "spawnring.nativeBin is not set (run through Maven)");
        return Path.of(dir, name);
    }
}
