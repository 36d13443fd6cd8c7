package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.Spawners;
import dev.spawnring.uring.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** ProcessBuilder and spawnring in one JVM at the same time: neither loses or steals an exit. */
class ProcessBuilderInteropTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void bothSeeEveryExitOfTheirOwnChildren(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            CompletableFuture<List<Integer>> jdk = CompletableFuture.supplyAsync(() -> {
                List<Integer> codes = new ArrayList<>();
                try {
                    for (int i = 0; i < 100; i++) {
                        Process p = new ProcessBuilder("sh", "-c", "exit " + (i % 7)).start();
                        p.getOutputStream().close(); // no stream left for a cleaner to close under a later test
                        codes.add(p.waitFor());
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
                return codes;
            });
            for (int i = 0; i < 300; i++) {
                Child c = s.spawn(Command.of("sh", "-c", "exit " + (i % 5)));
                assertEquals(ExitStatus.exited(i % 5), c.waitFor());
                c.stdin().close();
                c.stdout().close();
                c.stderr().close();
            }
            List<Integer> codes = jdk.get();
            for (int i = 0; i < 100; i++) {
                assertEquals(i % 7, codes.get(i));
            }
        }
    }
}
