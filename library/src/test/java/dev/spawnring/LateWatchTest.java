package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A child its waiter may reap is watched by its loop only later, if nobody waits for it by
 * then: it is reaped all the same when nobody ever waits, {@code onExit()} and the accessors
 * see its end, and a closed Spawner still ends; both backends.
 */
@Tag(KernelSuiteMain.TAG)
class LateWatchTest {
    private static final Duration BOUND = Duration.ofSeconds(60);

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aChildNobodyWaitsForIsReapedByItsLoopSoonAfterItExits(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child child = s.spawn(Command.of("true").inheritIO());
            // Nothing here asks the child anything: only the loop's late watch can reap it.
            awaitGone(child.pid());
            assertEquals(List.of(), Spawners.zombieChildren());
            assertEquals(ExitStatus.exited(0), child.onExit().get(BOUND.toSeconds(), TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void isAliveTurnsFalseAndTheStatusIsKnownOnceAChildNobodyWaitsForHasExited(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child child = s.spawn(Command.of("true").inheritIO());
            awaitExited(child.pid());
            // Reaped by this call if the loop does not watch it yet; else by the loop at once.
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (child.isAlive()) {
                assertTrue(System.nanoTime() < deadline, "alive " + BOUND + " after its exit");
                Thread.sleep(1);
            }
            assertEquals(ExitStatus.exited(0), child.statusNow(), "the status, known by then");
            assertEquals(List.of(), Spawners.zombieChildren());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void onExitCompletesForAChildStillRunningAndForOneThatHasEnded(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child cat = s.spawn(Command.of("cat").stdout(Stdio.discard())); // lives until its stdin closes
            var exit = cat.onExit();
            cat.stdin().close();
            assertEquals(ExitStatus.exited(0), exit.get(BOUND.toSeconds(), TimeUnit.SECONDS));

            Child quick = s.spawn(Command.of("false").inheritIO());
            awaitExited(quick.pid());
            assertEquals(ExitStatus.exited(1), quick.onExit().get(BOUND.toSeconds(), TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aClosedSpawnerEndsOnceTheChildrenNobodyWaitedForHaveExited(Backend backend) throws Exception {
        Spawner s = Spawners.create(backend);
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            pids.add(s.spawn(Command.of("true").inheritIO()).pid());
        }
        s.close();
        assertTimeoutPreemptively(BOUND, s::awaitTermination, "a loop stayed for children nobody waited for");
        for (long pid : pids) {
            assertFalse(Files.exists(Path.of("/proc/" + pid)), "pid " + pid + " is left");
        }
        assertEquals(List.of(), Spawners.zombieChildren());
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aVirtualThreadsWaitForAChildTheLoopDoesNotWatchYetReturnsItsStatus(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child cat = s.spawn(Command.of("cat").stdout(Stdio.discard()));
            var status = new java.util.concurrent.CompletableFuture<ExitStatus>();
            Thread.ofVirtual().start(() -> {
                try {
                    status.complete(cat.waitFor());
                } catch (Throwable t) {
                    status.completeExceptionally(t);
                }
            });
            Thread.sleep(100);
            cat.stdin().close();
            assertEquals(ExitStatus.exited(0), status.get(BOUND.toSeconds(), TimeUnit.SECONDS));
        }
    }

    /** Waits until {@code pid} is a zombie or gone, without asking spawnring. */
    private static void awaitExited(long pid) throws InterruptedException {
        Path stat = Path.of("/proc/" + pid + "/stat");
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            String s;
            try {
                s = Files.readString(stat);
            } catch (IOException gone) {
                return; // no such file, or ESRCH: reaped, or being reaped, by now
            }
            if (s.substring(s.lastIndexOf(')') + 2).startsWith("Z")) {
                return;
            }
            Thread.sleep(1);
        }
        fail("pid " + pid + " still runs after " + BOUND);
    }

    /** Waits until {@code pid} is reaped (its /proc entry gone), without asking spawnring. */
    private static void awaitGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (Files.exists(Path.of("/proc/" + pid))) {
            assertTrue(System.nanoTime() < deadline, "pid " + pid + " is not reaped after " + BOUND);
            Thread.sleep(1);
        }
    }
}
