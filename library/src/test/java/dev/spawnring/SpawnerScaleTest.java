package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.Isolation;
import dev.spawnring.testing.Stress;
import dev.spawnring.testkit.Procs;
import dev.spawnring.uring.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Many children: no thread per child, nothing leaked after thousands of spawns; both backends. */
@Tag(Isolation.TAG)
class SpawnerScaleTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void twoThousandLiveChildrenAddNoThread(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            // Warm up: the loop thread, the cleaner and the completion pool exist from here on.
            s.run(Command.of("true")).get();
            s.spawn(Command.of("true")).waitFor();
            int threadsBefore = threadsButLoops();
            List<Child> children = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                children.add(s.spawn(Command.of("sleep", "2").stdin(Stdio.discard()).stdout(Stdio.discard())
                        .stderr(Stdio.discard())));
            }
            int threadsWithChildren = threadsButLoops();
            int loops = loopThreads();
            for (Child c : children) {
                assertEquals(ExitStatus.exited(0), c.waitFor());
            }
            // The Spawner's other loops may start during the burst (at most Spawner.DEFAULT_LOOPS, each a
            // loop thread and, on FALLBACK, its ring's thread): threads of the Spawner, not of a child.
            assertTrue(threadsWithChildren <= threadsBefore + 1,
                    "threads: " + threadsBefore + " before, " + threadsWithChildren + " with 2,000 children, besides "
                            + loops + " of the loops");
        }
    }

    /** The JVM's threads but the event loops' and their emulated rings'. */
    private static int threadsButLoops() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(t -> !isLoop(t)).count();
    }

    private static int loopThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(SpawnerScaleTest::isLoop).count();
    }

    private static boolean isLoop(Thread t) {
        return t.getName().startsWith("spawnring-loop-") || t.getName().startsWith("spawnring-fallback-");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    @Tag(Stress.TAG)
    void aLongRunOfSpawnsLeavesNoFdNoZombieAndNoThread(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            String trueBin = Spawners.nativeBin("sr-true");
            s.run(Command.of(trueBin)).get();
            Map<Integer, String> fds = Procs.openFds(); // what is open now; what closes meanwhile is no leak
            int threads = Thread.getAllStackTraces().size();
            for (int i = 0; i < Stress.spawns(); i++) {
                Child c = s.spawn(Command.of(trueBin));
                assertEquals(ExitStatus.exited(0), c.waitFor());
                c.stdin().close();
                c.stdout().close();
                c.stderr().close();
            }
            // Stream closes finish on the loop thread: give it a moment. (This JVM runs no other
            // test: the count is back exactly, or something leaked or closed an fd not its own.)
            for (int i = 0; i < 100 && !Procs.fdsOpenedSince(fds).isEmpty(); i++) {
                Thread.sleep(10);
            }
            assertEquals(Map.of(), Procs.fdsOpenedSince(fds), "fds before and after");
            assertEquals(List.of(), Procs.zombieChildren());
            assertTrue(Thread.getAllStackTraces().size() <= threads + 1);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void spawnIsSafeFromManyVirtualThreadsAtOnce(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend);
                var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<Result>> runs = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                String word = "w" + i;
                runs.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return s.run(Command.of("echo", word)).get();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, pool));
            }
            for (int i = 0; i < runs.size(); i++) {
                Result r = runs.get(i).get();
                assertEquals("w" + i + "\n", r.stdoutText());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void spawnAllStartsEveryCommandInOneSubmission(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            List<Command> commands = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                commands.add(Command.of("sh", "-c", "exit " + i));
            }
            List<Child> children = s.spawnAll(commands);
            for (int i = 0; i < 50; i++) {
                assertEquals(ExitStatus.exited(i), children.get(i).waitFor());
            }
        }
    }
}
