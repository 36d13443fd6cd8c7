package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.Leaks;
import dev.spawnring.testing.Isolation;
import dev.spawnring.testkit.Procs;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.uring.Backend;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Spawner with several event loops: spawns are spread over every loop, each child stays on
 * the loop that cloned it, every exit is seen exactly once, {@code close()} ends every loop
 * thread once its children are reaped and leaves nothing behind, and absurd loop counts are
 * refused; both backends.
 */
@Tag(Isolation.TAG)
class SpawnerLoopsTest {
    private static final int LOOPS = 4;

    private final String echo = Spawners.nativeBin("sr-echo-args");

    private static Spawner create(Backend backend, int loops) throws Exception {
        Spawner probe = Spawners.create(backend); // skips where io_uring is refused
        probe.close();
        probe.awaitTermination(); // its loop threads are gone before the caller counts threads
        return Spawner.builder().backend(backend).loops(loops).build();
    }

    private static List<String> loopThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("spawnring-loop-") && t.isAlive()) {
                names.add(t.getName());
            }
        }
        return names;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void concurrentSpawnsLandOnEveryLoopAndEachExitIsSeenOnceWithTheRightStatus(Backend backend) throws Exception {
        int threads = 16;
        int perThread = 20;
        Map<Integer, AtomicInteger> perLoop = new ConcurrentHashMap<>();
        Map<Child, AtomicInteger> callbacks = Collections.synchronizedMap(new java.util.IdentityHashMap<>());
        Map<Child, ExitStatus> expected = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        try (Spawner s = create(backend, LOOPS)) {
            assertEquals(LOOPS, s.loops());
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    futures.add(pool.submit(() -> {
                        go.await();
                        for (int i = 0; i < perThread; i++) {
                            int n = thread * perThread + i;
                            Child c;
                            ExitStatus want;
                            if (n % 4 == 3) { // killed while it sleeps
                                c = s.spawn(Command.of("sleep", "5").stdin(Stdio.discard()));
                                want = ExitStatus.killed(Linux.SIGKILL);
                            } else if (n % 4 == 2) { // its output read through its loop's ring
                                c = s.spawn(Command.of(echo, "job" + n).clearEnvironment().stdin(Stdio.discard()));
                                want = ExitStatus.exited(0);
                            } else {
                                c = s.spawn(Command.of("sh", "-c", "sleep 0.0" + (n % 5) + "; exit " + (n % 200))
                                        .inheritIO());
                                want = ExitStatus.exited(n % 200);
                            }
                            expected.put(c, want);
                            AtomicInteger count = new AtomicInteger();
                            callbacks.put(c, count);
                            perLoop.computeIfAbsent(c.loopIndex(), k -> new AtomicInteger()).incrementAndGet();
                            c.onExit().whenComplete((st, e) -> {
                                count.incrementAndGet();
                                if (!want.equals(st)) {
                                    wrong.add(c.pid() + ": onExit gave " + st + " / " + e + ", not " + want);
                                }
                            });
                            if (n % 4 == 3) {
                                c.destroyForcibly();
                            } else if (n % 4 == 2) {
                                String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
                                if (!out.equals(echo + "\0job" + n + "\0--env--\n")) {
                                    wrong.add("job " + n + ": stdout " + out);
                                }
                                c.stdout().close();
                                c.stderr().close();
                            }
                            if (!want.equals(c.waitFor())) {
                                wrong.add("job " + n + ": waitFor gave " + c.waitFor() + ", not " + want);
                            }
                        }
                        return null;
                    }));
                }
                go.countDown();
                assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
                    for (Future<?> f : futures) {
                        f.get();
                    }
                }, "the spawns deadlocked");
            }
            for (int i = 0; i < 500 && callbacks.values().stream().anyMatch(c -> c.get() == 0); i++) {
                Thread.sleep(10);
            }
            assertEquals(List.of(), List.copyOf(wrong));
            assertEquals(threads * perThread, callbacks.size(), "children seen");
            synchronized (callbacks) {
                callbacks.forEach((child, n) -> assertEquals(1, n.get(), () -> child + ": onExit ran " + n + " times"));
            }
            for (int loop = 0; loop < LOOPS; loop++) {
                assertTrue(perLoop.containsKey(loop), "no child on loop " + loop + " of " + LOOPS + ": " + perLoop);
            }
        }
        assertEquals(List.of(), Procs.zombieChildren());
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void childrenAliveAtOnceAreSpreadOverTheLoopsEvenFromOneThread(Backend backend) throws Exception {
        try (Spawner s = create(backend, LOOPS)) {
            // A spawn goes to the loop with the fewest live children when none is busy cloning.
            List<Child> children = new ArrayList<>();
            for (int i = 0; i < 2 * LOOPS; i++) {
                children.add(s.spawn(Command.of("sleep", "30").inheritIO()));
            }
            List<Integer> loops = children.stream().map(Child::loopIndex).toList();
            children.forEach(Child::destroyForcibly);
            for (Child c : children) {
                assertEquals(ExitStatus.killed(Linux.SIGKILL), c.waitFor());
            }
            assertEquals(List.of(0, 1, 2, 3, 0, 1, 2, 3), loops);
            // One at a time, with nothing alive, every spawn goes to the first loop.
            for (int i = 0; i < 5; i++) {
                Child c = s.spawn(Command.of("true").inheritIO());
                assertEquals(0, c.loopIndex());
                assertEquals(ExitStatus.exited(0), c.waitFor());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aSpawnerStartsItsFirstLoopAtOnceAndAnotherOnlyWhenEveryLoopBeforeItIsBusy(Backend backend)
            throws Exception {
        Spawner probe = create(backend, 1); // skips where io_uring is refused; leaves no thread
        probe.close();
        probe.awaitTermination();
        List<String> before = loopThreads();
        try (Spawner s = Spawner.builder().backend(backend).loops(LOOPS).build()) {
            assertEquals(1, started(before).size(), "loop threads once created");
            for (int i = 0; i < 5; i++) {
                assertEquals(ExitStatus.exited(0), s.spawn(Command.of("true").inheritIO()).waitFor());
            }
            assertEquals(1, started(before).size(), "loop threads after one child at a time");
            Child first = s.spawn(Command.of("sleep", "30").inheritIO());
            Child second = s.spawn(Command.of("sleep", "30").inheritIO());
            assertEquals(List.of(0, 1), List.of(first.loopIndex(), second.loopIndex()));
            assertEquals(2, started(before).size(), "loop threads with two children alive");
            first.destroyForcibly();
            second.destroyForcibly();
            assertEquals(ExitStatus.killed(Linux.SIGKILL), first.waitFor());
            assertEquals(ExitStatus.killed(Linux.SIGKILL), second.waitFor());
        }
    }

    private static List<String> started(List<String> before) {
        List<String> now = loopThreads();
        now.removeAll(before);
        return now;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void spawnAllDealsItsCommandsOverEveryLoopInOrder(Backend backend) throws Exception {
        try (Spawner s = create(backend, LOOPS)) {
            List<Command> commands = new ArrayList<>();
            for (int i = 0; i < 3 * LOOPS; i++) {
                commands.add(Command.of("sh", "-c", "exit " + i).inheritIO());
            }
            List<Child> children = s.spawnAll(commands);
            assertEquals(commands.size(), children.size());
            int[] perLoop = new int[LOOPS];
            for (int i = 0; i < children.size(); i++) {
                assertSame(commands.get(i), children.get(i).command());
                perLoop[children.get(i).loopIndex()]++;
                assertEquals(ExitStatus.exited(i), children.get(i).waitFor());
            }
            assertArrayEquals(new int[] {3, 3, 3, 3}, perLoop);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void closingASpawnerWithSeveralLoopsEndsEveryLoopThreadOnceItsChildrenAreReapedAndLeaksNothing(Backend backend)
            throws Exception {
        // Warm up what is made lazily (pools, the JIT), so that what is left over is the Spawner's.
        for (int round = 0; round < 2; round++) {
            Spawner warm = create(backend, LOOPS);
            try {
                warm.run(Command.of(echo, "warm")).join();
            } finally {
                warm.close();
            }
            // Its loops give their rings and fds back as they end, after close() has returned:
            // not while this test counts (on a slow machine they took longer than 100 ms).
            assertTimeoutPreemptively(Duration.ofSeconds(30), warm::awaitTermination, "a warm-up loop did not end");
        }
        // Streams the tests before dropped unclosed (in a JVM that runs several classes, as under
        // IoUringDeniedSuiteTest) are given back by a cleaner: not while this one counts.
        Leaks before = Leaks.settled();
        List<String> threadsBefore = loopThreads();
        Spawner s = create(backend, LOOPS);
        List<String> threadsCreated = loopThreads();
        threadsCreated.removeAll(threadsBefore);
        assertEquals(1, threadsCreated.size(), "loop threads once created (the others start when needed): "
                + threadsCreated);
        List<Child> children = new ArrayList<>();
        for (int i = 0; i < 2 * LOOPS; i++) {
            // Alive at once: one or two on every loop, some with pipes, some still running at close().
            children.add(s.spawn(Command.of("sh", "-c", "read x; echo got $x; sleep 0." + (i % 3 + 1))));
        }
        List<String> threadsOpen = loopThreads();
        threadsOpen.removeAll(threadsBefore);
        assertEquals(LOOPS, threadsOpen.size(), "loop threads with children alive on each: " + threadsOpen);
        for (Child c : children) {
            c.stdin().write("line\n".getBytes(StandardCharsets.UTF_8));
            c.stdin().close();
            // Read before close(): a loop may end once its children are reaped, unread pipes or not.
            assertEquals("got line\n", new String(c.stdout().readNBytes(9), StandardCharsets.UTF_8));
        }
        s.close();
        assertThrows(IllegalStateException.class, () -> s.spawn(Command.of("true")), "a spawn after close()");
        assertThrows(IllegalStateException.class, () -> s.spawnAll(List.of(Command.of("true"))),
                "a spawnAll after close()");
        for (Child c : children) {
            c.stdout().close();
            c.stderr().close();
            assertEquals(ExitStatus.exited(0), c.waitFor());
        }
        assertTimeoutPreemptively(Duration.ofSeconds(30), s::awaitTermination, "a loop did not end");
        List<String> after = loopThreads();
        after.retainAll(threadsOpen);
        assertEquals(List.of(), after, "loop threads left");
        Leaks.assertBackTo(before, 16L << 20, "a Spawner of " + LOOPS + " loops on " + backend);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aSpawnerHasTheDefaultNumberOfLoopsUnlessToldAndAtLeastOne(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            assertEquals(Spawner.DEFAULT_LOOPS, s.loops());
            assertEquals(backend, s.backend());
        }
        assertEquals(Math.min(Runtime.getRuntime().availableProcessors(), Spawner.DEFAULT_LOOPS_CAP),
                Spawner.DEFAULT_LOOPS, "one loop per core, at most DEFAULT_LOOPS_CAP");
        try (Spawner one = create(backend, 1)) {
            assertEquals(1, one.loops());
            Child c = one.spawn(Command.of("true").inheritIO());
            assertEquals(0, c.loopIndex());
            assertEquals(ExitStatus.exited(0), c.waitFor());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, -7, Spawner.MAX_LOOPS + 1, 100_000, Integer.MAX_VALUE, Integer.MIN_VALUE})
    void absurdLoopCountsAreRefusedNamingTheValue(int loops) {
        for (Backend backend : Backend.values()) {
            Spawner.Builder b = Spawner.builder().backend(backend);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.loops(loops));
            assertTrue(e.getMessage().contains(String.valueOf(loops)), e.getMessage());
        }
        // The bounds themselves are taken (nothing is built here).
        Spawner.builder().loops(1).loops(Spawner.MAX_LOOPS);
    }
}
