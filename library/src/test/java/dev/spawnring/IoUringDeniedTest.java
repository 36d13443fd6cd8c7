package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.NoUringMain;
import dev.spawnring.testing.Spawners;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** In a JVM where a seccomp filter makes io_uring_setup fail with EPERM, spawning still works, on FALLBACK. */
class IoUringDeniedTest {
    @Test
    void aJvmDeniedIoUringSpawnsOnTheFallbackBackend() throws Exception {
        Path target = Path.of(System.getProperty("spawnring.nativeBin")).getParent();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(Spawners.nativeBin("sr-no-uring"), java,
                "--enable-native-access=ALL-UNNAMED", "-cp",
                target.resolve("classes") + ":" + target.resolve("test-classes"), NoUringMain.class.getName()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("reason: io_uring_setup: EPERM (Operation not permitted)"), out);
        assertTrue(out.contains("backend: FALLBACK"), out);
        assertTrue(out.contains("child: spawned without io_uring (exit 0)"), out);
    }
}
