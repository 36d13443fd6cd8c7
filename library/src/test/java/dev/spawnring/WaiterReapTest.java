package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testkit.Procs;
import dev.spawnring.uring.Backend;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A platform thread's {@code waitFor} waits for the exit on the child's pidfd and reaps the child
 * itself; an interrupt or a timeout hands the watch back to the loop; both backends.
 */
@Tag(KernelSuiteMain.TAG)
class WaiterReapTest {
    private static final Duration BOUND = Duration.ofSeconds(60);

    @ParameterizedTest
    @EnumSource(Backend.class)
    void anInterruptEndsAWaitForAtOnceAndTheLoopThenWatchesTheChild(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child cat = s.spawn(Command.of("cat").stdout(Stdio.discard())); // lives until its stdin closes
            Waiter waiter = Waiter.start(cat);
            Thread.sleep(200); // blocked in its wait by now; an earlier interrupt must end it just the same
            waiter.thread().interrupt();
            assertEquals("InterruptedException, interrupt status cleared",
                    waiter.outcome().get(BOUND.toSeconds(), TimeUnit.SECONDS));
            assertTrue(cat.isAlive());

            cat.stdin().close();
            // Nobody waits on its own thread now: only the loop can complete this.
            assertEquals(ExitStatus.exited(0), cat.onExit().get(BOUND.toSeconds(), TimeUnit.SECONDS));
            assertEquals(List.of(), Spawners.zombieChildren());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aThreadInterruptedBeforeWaitForGetsInterruptedExceptionAndItsStatusCleared(Backend backend)
            throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child cat = s.spawn(Command.of("cat").stdout(Stdio.discard()));
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, cat::waitFor);
            assertFalse(Thread.interrupted());
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> cat.waitFor(Duration.ofSeconds(5)));
            assertFalse(Thread.interrupted());

            assertThrows(java.util.concurrent.TimeoutException.class, () -> cat.waitFor(Duration.ofMillis(50)));
            cat.stdin().close();
            assertEquals(ExitStatus.exited(0), cat.waitFor());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void manyThreadsWaitingForOneChildAllGetItsStatusAndNothingIsLeftOpen(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            s.spawn(Command.of("true").stdout(Stdio.discard()).stderr(Stdio.discard())).waitFor(); // the loop's fds made
            Map<Integer, String> fds = Procs.openFds();
            Child cat = s.spawn(Command.of("cat").stdout(Stdio.inherit()).stderr(Stdio.inherit()));
            List<CompletableFuture<ExitStatus>> waits = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Thread.Builder builder = i % 4 == 3 ? Thread.ofVirtual() : Thread.ofPlatform();
                CompletableFuture<ExitStatus> f = new CompletableFuture<>();
                builder.start(() -> {
                    try {
                        f.complete(cat.waitFor());
                    } catch (Throwable e) {
                        f.completeExceptionally(e);
                    }
                });
                waits.add(f);
            }
            Thread.sleep(100);
            cat.stdin().close();
            for (CompletableFuture<ExitStatus> f : waits) {
                assertEquals(ExitStatus.exited(0), f.get(BOUND.toSeconds(), TimeUnit.SECONDS));
            }
            assertEquals(ExitStatus.exited(0), cat.onExit().get(BOUND.toSeconds(), TimeUnit.SECONDS));
            assertEquals(List.of(), Spawners.zombieChildren());
            // The pidfd goes with the last of its waiters and watchers, the stdin pipe with close().
            assertEquals(Map.of(), Procs.fdsOpenedSince(fds, BOUND), "fds left open");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void childrenReapedByTheirWaitersLetTheSpawnerEnd(Backend backend) throws Exception {
        Map<Integer, String> fds = Procs.openFds();
        Spawner s = Spawners.create(backend);
        for (int i = 0; i < 200; i++) {
            assertEquals(ExitStatus.exited(0), s.spawn(Command.of("true")).waitFor());
        }
        Child last = s.spawn(Command.of("cat").stdout(Stdio.discard()));
        CompletableFuture<ExitStatus> lastWait = CompletableFuture.supplyAsync(() -> {
            try {
                return last.waitFor();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        s.close(); // the loop stays up for the child its waiter watches
        Thread.sleep(100);
        assertTrue(last.isAlive());
        last.stdin().close();
        assertEquals(ExitStatus.exited(0), lastWait.get(BOUND.toSeconds(), TimeUnit.SECONDS));
        CompletableFuture<Void> ended = CompletableFuture.runAsync(() -> {
            try {
                s.awaitTermination();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        ended.get(BOUND.toSeconds(), TimeUnit.SECONDS); // every retain was released, on whatever thread
        assertEquals(List.of(), Spawners.zombieChildren());
        assertEquals(Map.of(), Procs.fdsOpenedSince(fds), "fds left open");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aFailedLoopFailsTheExitFutureOnceNoWaiterWatchesTheChild(Backend backend) throws Exception {
        Spawners.create(backend).close(); // skips where the backend is not usable
        Spawner s = Spawner.builder().backend(backend).loops(1).build();
        long pid = -1;
        try {
            Child cat = s.spawn(Command.of("cat").stdout(Stdio.discard()));
            pid = cat.pid();
            Waiter waiter = Waiter.start(cat);
            Thread.sleep(200);
            s.loopGroup().injectFault(0, new IllegalStateException("injected fault"));
            waiter.thread().interrupt(); // else it would wait for the exit and reap the child itself
            waiter.outcome().get(BOUND.toSeconds(), TimeUnit.SECONDS);
            try {
                fail("onExit completed with " + cat.onExit().get(BOUND.toSeconds(), TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                StringBuilder chain = new StringBuilder();
                for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                    chain.append(t).append(" <- ");
                }
                assertTrue(chain.toString().contains("injected fault"), chain.toString());
            }
        } finally {
            s.close();
            if (pid > 0) { // given up unreaped, so still this JVM's child: its pid is still its own
                MemorySegment siginfo = NativeMemory.calloc(Linux.SIGINFO_SIZE);
                Sys.kill(pid, Linux.SIGKILL);
                Sys.waitid(Linux.P_PID, pid, siginfo, Linux.WEXITED);
                NativeMemory.free(siginfo);
            }
        }
    }

    /** A platform thread in {@code child.waitFor()}, and what its wait ended with. */
    private record Waiter(Thread thread, CompletableFuture<Object> outcome) {
        static Waiter start(Child child) {
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().daemon().start(() -> {
                try {
                    outcome.complete(child.waitFor());
                } catch (InterruptedException e) {
                    outcome.complete("InterruptedException, interrupt status "
                            + (Thread.currentThread().isInterrupted() ? "still set" : "cleared"));
                } catch (Throwable e) {
                    outcome.complete(e);
                }
            });
            return new Waiter(t, outcome);
        }
    }
}
