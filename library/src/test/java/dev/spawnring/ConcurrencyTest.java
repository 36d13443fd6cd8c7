package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.Stress;
import dev.spawnring.testkit.Procs;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.uring.Backend;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * 16 platform threads and {@link Stress#virtualThreads()} virtual threads share one Spawner,
 * all at once: they spawn, write stdin, read stdout, signal and wait. Every child's
 * {@code onExit} completes exactly once with the status its work implies; nothing deadlocks
 * (the preemptive timeout is a hang guard, not a speed check); both backends.
 */
@Tag(Stress.TAG)
class ConcurrencyTest {
    private static final int PLATFORM_THREADS = 16;
    private static final int PLATFORM_ITERATIONS = 25;
    private static final int[] SIGNALS = {Linux.SIGTERM, Linux.SIGKILL, Linux.SIGINT, Linux.SIGHUP, Linux.SIGUSR1,
        Linux.SIGUSR2, Linux.SIGALRM};

    private final String echo = Spawners.nativeBin("sr-echo-args");

    /** Each child with how often its onExit callback ran and what it should end with. */
    private final Map<Child, AtomicInteger> callbacks = Collections.synchronizedMap(new IdentityHashMap<>());
    private final ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();

    @ParameterizedTest
    @EnumSource(Backend.class)
    void everyExitIsSeenExactlyOnceWithTheRightStatus(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            for (int round = 0; round < Stress.rounds(); round++) {
                callbacks.clear();
                int jobs = storm(s);
                assertEquals(List.of(), List.copyOf(wrong));
                // Callbacks run asynchronously after the exit: wait until each has run once.
                for (int i = 0; i < 500 && callbacks.values().stream().anyMatch(c -> c.get() == 0); i++) {
                    Thread.sleep(10);
                }
                assertEquals(jobs, callbacks.size(), "children seen");
                synchronized (callbacks) {
                    callbacks.forEach((child, n) -> assertEquals(1, n.get(), () -> child + ": onExit ran " + n + " times"));
                }
            }
            s.close();
            s.awaitTermination();
        }
        assertEquals(List.of(), Procs.zombieChildren());
    }

    /** Runs every job at once; returns how many children were started. */
    private int storm(Spawner s) throws Exception {
        int virtual = Stress.virtualThreads();
        int jobs = PLATFORM_THREADS * PLATFORM_ITERATIONS + virtual;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        try (ExecutorService platform = Executors.newFixedThreadPool(PLATFORM_THREADS);
                ExecutorService virtuals = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < PLATFORM_THREADS; t++) {
                int thread = t;
                futures.add(platform.submit(() -> {
                    go.await();
                    for (int i = 0; i < PLATFORM_ITERATIONS; i++) {
                        job(s, 1_000_000 + thread * 1000 + i);
                    }
                    return null;
                }));
            }
            for (int v = 0; v < virtual; v++) {
                int job = v;
                futures.add(virtuals.submit(() -> {
                    go.await();
                    job(s, job);
                    return null;
                }));
            }
            go.countDown();
            assertTimeoutPreemptively(Duration.ofMinutes(5), () -> {
                for (Future<?> f : futures) {
                    f.get();
                }
            }, "the storm deadlocked");
        }
        return jobs;
    }

    /** One child, one of five kinds of work by {@code n}. */
    private void job(Spawner s, int n) throws Exception {
        switch (n % 5) {
            case 0 -> { // run: capture output
                Child c = track(s.spawn(Command.of(echo, "job" + n).clearEnvironment().stdin(Stdio.discard())),
                        ExitStatus.exited(0));
                String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
                check(out.equals(echo + "\0job" + n + "\0--env--\n"), n, "stdout " + out);
                c.stdout().close();
                c.stderr().close();
                check(c.waitFor().equals(ExitStatus.exited(0)), n, "exit " + c.waitFor());
            }
            case 1 -> { // write stdin, read it back
                Child c = track(s.spawn(Command.of("cat")), ExitStatus.exited(0));
                byte[] payload = ("payload of job " + n + "\n").repeat(1 + n % 2000).getBytes(StandardCharsets.UTF_8);
                Thread writer = Thread.ofVirtual().start(() -> {
                    try (OutputStream in = c.stdin()) {
                        in.write(payload);
                    } catch (Exception e) {
                        wrong.add("job " + n + ": write " + e);
                    }
                });
                byte[] back;
                try (InputStream out = c.stdout()) {
                    back = out.readAllBytes();
                }
                writer.join();
                check(java.util.Arrays.equals(payload, back), n, "cat gave " + back.length + " of " + payload.length);
                c.stderr().close();
                check(c.waitFor().equals(ExitStatus.exited(0)), n, "exit " + c.waitFor());
            }
            case 2 -> { // signal a sleeper through its pidfd
                int sig = SIGNALS[(n / 5) % SIGNALS.length];
                Child c = track(s.spawn(Command.of("sleep", "60").stdin(Stdio.discard()).stdout(Stdio.discard())
                        .stderr(Stdio.discard())), ExitStatus.killed(sig));
                c.signal(sig);
                check(c.waitFor().equals(ExitStatus.killed(sig)), n, "exit " + c.waitFor());
            }
            case 3 -> { // an exit code, waited for through onExit
                int code = n % 256;
                Child c = track(s.spawn(Command.of("sh", "-c", "exit " + code).stdin(Stdio.discard())
                        .stdout(Stdio.discard()).stderr(Stdio.discard())), ExitStatus.exited(code));
                ExitStatus st = c.onExit().get();
                check(st.equals(ExitStatus.exited(code)), n, "exit " + st);
            }
            default -> { // Spawner.run, and a timeout that ends a sleeper
                Result r = s.run(Command.of(echo, "r" + n).clearEnvironment()).get();
                check(r.status().success() && r.stdoutText().equals(echo + "\0r" + n + "\0--env--\n"), n, "run " + r);
                Child c = track(s.spawn(Command.of("sleep", "60").stdin(Stdio.discard()).stdout(Stdio.discard())
                        .stderr(Stdio.discard()).timeout(Duration.ofMillis(50))), ExitStatus.killed(Linux.SIGTERM));
                check(c.waitFor().equals(ExitStatus.killed(Linux.SIGTERM)), n, "timeout exit " + c.waitFor());
            }
        }
    }

    private Child track(Child c, ExitStatus expected) {
        AtomicInteger count = new AtomicInteger();
        callbacks.put(c, count);
        c.onExit().whenComplete((st, e) -> {
            count.incrementAndGet();
            if (e != null || !expected.equals(st)) {
                wrong.add(c + ": onExit gave " + st + " / " + e + ", expected " + expected);
            }
        });
        return c;
    }

    private void check(boolean ok, int n, String what) {
        if (!ok) {
            wrong.add("job " + n + ": " + what);
        }
    }
}
