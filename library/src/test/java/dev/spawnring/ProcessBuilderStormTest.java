package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.Stress;
import dev.spawnring.testkit.Procs;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.uring.Backend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ProcessBuilder used hard in the same JVM at the same time as spawnring: threads of each
 * start, destroy and wait for children concurrently, and some spawnring children are also
 * watched through {@code ProcessHandle.of(pid).onExit()}. Neither side loses or steals an
 * exit, and every code comes back to the side that started the child; both backends.
 */
@Tag(Stress.TAG)
class ProcessBuilderStormTest {
    private static final int THREADS_EACH = 4;
    private static final int ITERATIONS = 250;

    private final ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();

    @ParameterizedTest
    @EnumSource(Backend.class)
    void neitherSideLosesOrStealsAnExit(Backend backend) throws Exception {
        int iterations = ITERATIONS * Stress.rounds();
        try (Spawner s = Spawners.create(backend)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(2 * THREADS_EACH)) {
                for (int t = 0; t < THREADS_EACH; t++) {
                    int thread = t;
                    futures.add(pool.submit(() -> {
                        go.await();
                        processBuilder(thread, iterations);
                        return null;
                    }));
                    futures.add(pool.submit(() -> {
                        go.await();
                        spawnring(s, thread, iterations);
                        return null;
                    }));
                }
                go.countDown();
                assertTimeoutPreemptively(Duration.ofMinutes(5), () -> {
                    for (Future<?> f : futures) {
                        f.get();
                    }
                }, "ProcessBuilder and spawnring together deadlocked");
            }
            assertEquals(List.of(), List.copyOf(wrong));
            s.close();
            s.awaitTermination();
        }
        assertEquals(List.of(), Procs.zombieChildren());
    }

    private void processBuilder(int thread, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            int code = (thread * 31 + i) % 7;
            if (i % 5 == 4) {
                Process p = new ProcessBuilder("sleep", "60").start();
                p.destroy();
                int v = p.waitFor();
                expect(v == 128 + Linux.SIGTERM, "ProcessBuilder sleep destroyed gave " + v);
                continue;
            }
            Process p = new ProcessBuilder("sh", "-c", "exit " + code).redirectErrorStream(true).start();
            CompletableFuture<Process> onExit = p.onExit();
            expect(p.waitFor(30, TimeUnit.SECONDS), "ProcessBuilder child never exited");
            expect(p.exitValue() == code, "ProcessBuilder exit " + p.exitValue() + ", expected " + code);
            expect(onExit.get(30, TimeUnit.SECONDS).exitValue() == code, "ProcessBuilder onExit");
        }
    }

    private void spawnring(Spawner s, int thread, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            int code = (thread * 17 + i) % 5;
            if (i % 5 == 4) {
                Child c = s.spawn(Command.of("sleep", "60").stdin(Stdio.discard()).stdout(Stdio.discard())
                        .stderr(Stdio.discard()));
                // The JDK watches it too (without reaping: it is not the JDK's child to reap).
                CompletableFuture<ProcessHandle> jdkSees = ProcessHandle.of(c.pid()).map(ProcessHandle::onExit)
                        .orElse(CompletableFuture.completedFuture(null));
                c.destroyForcibly();
                ExitStatus st = c.waitFor();
                expect(st.equals(ExitStatus.killed(Linux.SIGKILL)), "spawnring sleep killed gave " + st);
                jdkSees.get(30, TimeUnit.SECONDS);
                continue;
            }
            Child c = s.spawn(Command.of("sh", "-c", "exit " + code).stdin(Stdio.discard()).stdout(Stdio.discard())
                    .stderr(Stdio.discard()));
            ExitStatus st = c.waitFor();
            expect(st.equals(ExitStatus.exited(code)), "spawnring exit " + st + ", expected " + code);
        }
    }

    private void expect(boolean ok, String what) {
        if (!ok) {
            wrong.add(what);
        }
    }
}
