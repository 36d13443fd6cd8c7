package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.uring.Backend;
import org.junit.jupiter.api.Test;

class SpawnerSmokeTest {
    @Test
    void smoke() throws Exception {
        try (Spawner s = Spawner.create(Backend.IO_URING)) {
            Result r = s.run(Command.of("sh", "-c", "echo hi; echo err >&2; exit 3")).get();
            assertEquals(ExitStatus.exited(3), r.status());
            assertEquals("hi\n", r.stdoutText());
            assertEquals("err\n", r.stderrText());
            Child c = s.spawn(Command.of("cat"));
            c.stdin().write("hello".getBytes());
            c.stdin().close();
            assertEquals("hello", new String(c.stdout().readAllBytes()));
            assertEquals(ExitStatus.exited(0), c.waitFor());
            var e = assertThrows(SpawnException.class, () -> s.spawn(Command.of("no-such-program-xyz")));
            System.out.println(e.getMessage());
        }
    }
}
