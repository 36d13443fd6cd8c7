package dev.spawnring.testing;

import dev.spawnring.Spawner;
import dev.spawnring.testkit.Procs;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** Shared steps of the process-API tests. */
public final class Spawners {
    private Spawners() {
    }

    /** A Spawner on {@code backend}; skips (saying why) where io_uring is refused. */
    public static Spawner create(Backend backend) throws IOException {
        if (backend == Backend.IO_URING) {
            String reason = Ring.ioUringUnavailableReason();
            Assumptions.assumeTrue(reason == null, () -> "skipped: io_uring is not usable here: " + reason);
        }
        return Spawner.create(backend);
    }

    public static long fdCount() throws IOException {
        return Procs.fdCount();
    }

    /** @return pids of live processes in process group {@code pgid} */
    public static List<Long> processGroupMembers(long pgid) throws IOException {
        return Procs.processGroupMembers(pgid);
    }

    /** @return this JVM's children that are zombies */
    public static List<Long> zombieChildren() throws IOException {
        return Procs.zombieChildren();
    }

    /** A helper program built from library/src/test/c. */
    public static String nativeBin(String name) {
        return Path.of(System.getProperty("spawnring.nativeBin"), name).toString();
    }
}
