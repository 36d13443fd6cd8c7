package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * When an event loop's thread fails (a fault injected where its ring would fail), nobody is
 * left waiting on it: {@code waitFor}, {@code onExit}, {@code run}'s future, a blocked pipe
 * read and a blocked pipe write each end with an exception that names the failure, and new
 * work is refused saying so; both backends. Every wait below is bounded: a hang fails.
 */
@Tag(KernelSuiteMain.TAG)
class LoopFailureTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    /** The argument that tells the child of {@code run}, whose pid the test never sees. */
    private static final String RUN_MARK = "59.25";

    @ParameterizedTest
    @EnumSource(Backend.class)
    void everyCallerWaitingOnAFailedLoopGetsAnExceptionNamingTheFailure(Backend backend) throws Exception {
        assumeUsable(backend);
        List<Long> pids = new ArrayList<>();
        Spawner s = Spawner.builder().backend(backend).loops(1).build();
        try {
            Child sleeper = s.spawn(Command.of("sleep", "60").stdin(Stdio.discard()).stdout(Stdio.discard())
                    .stderr(Stdio.discard()).timeout(Duration.ofSeconds(30)));
            pids.add(sleeper.pid());
            CompletableFuture<ExitStatus> onExit = sleeper.onExit();
            Child cat = s.spawn(Command.of("sleep", "60").stderr(Stdio.discard()));
            pids.add(cat.pid());
            // A reader blocked on an empty pipe, a writer blocked on a full one (sleep never reads).
            CompletableFuture<Object> read = readInBackground(cat.stdout());
            Child silent = s.spawn(Command.of("sleep", "60").stdin(Stdio.discard()).stderr(Stdio.discard()));
            pids.add(silent.pid());
            CompletableFuture<Object> ownRead = CompletableFuture.supplyAsync(() -> {
                try {
                    return silent.stdout().read(); // a platform thread's own wait on the pipe: no loop in it
                } catch (IOException e) {
                    return e;
                }
            }, r -> Thread.ofPlatform().daemon().start(r));
            CompletableFuture<Object> write = writeInBackground(cat.stdin(), new byte[4 << 20]);
            CompletableFuture<Result> run = s.run(Command.of("sleep", RUN_MARK));
            CompletableFuture<ExitStatus> waitFor = CompletableFuture.supplyAsync(() -> {
                try {
                    return sleeper.waitFor();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300); // the reader, the writer and the waiter are blocked by now

            s.loopGroup().injectFault(0, new IllegalStateException("injected fault"));

            assertFailsNamingTheFault(waitFor, UncheckedIOException.class, "waitFor");
            assertFailsNamingTheFault(onExit, IOException.class, "onExit");
            assertFailsNamingTheFault(read, IOException.class, "a blocked read of stdout");
            assertFailsNamingTheFault(write, IOException.class, "a blocked write to stdin");
            assertFailsNamingTheFault(run, Exception.class, "run");
            assertTrue(sleeper.onExit().isCompletedExceptionally());
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> s.spawn(Command.of("true")));
            assertTrue(refused.getMessage().contains("failed") && refused.getMessage().contains("injected fault"),
                    refused.getMessage());
            assertTrue(s.run(Command.of("true")).isCompletedExceptionally(), "run after the failure");
            Object readAfter = readInBackground(cat.stdout()).handle((v, e) -> e != null ? e : v).get();
            assertInstanceOf(IOException.class, readAfter, "a virtual thread's read after the failure gave " + readAfter);

            assertFalse(ownRead.isDone(), () -> "a platform thread's read gave " + ownRead.getNow(null));
            Sys.kill(silent.pid(), Linux.SIGKILL); // given up unreaped by the failed loop: its pid is still its own
            assertEquals(-1, ownRead.get(60, TimeUnit.SECONDS), "the pipe's end, read without the loop");
            s.close();
            s.awaitTermination();
        } finally {
            s.close();
            ProcessHandle.current().children()
                    .filter(h -> h.info().arguments().map(a -> a.length == 1 && a[0].equals(RUN_MARK)).orElse(false))
                    .forEach(h -> pids.add(h.pid()));
            reapGivenUp(pids);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aSpawnerWithSeveralLoopsGoesOnOnTheOnesThatRun(Backend backend) throws Exception {
        assumeUsable(backend);
        List<Long> pids = new ArrayList<>();
        try {
            Spawner two = Spawner.builder().backend(backend).loops(2).build();
            try {
                Child early = two.spawn(Command.of("sleep", "60").stdin(Stdio.discard()).stdout(Stdio.discard()));
                pids.add(early.pid());
                int failed = early.loopIndex();
                two.loopGroup().injectFault(failed, new IllegalStateException("injected fault"));
                assertFailsNamingTheFault(early.onExit(), IOException.class, "onExit");
                for (int i = 0; i < 4; i++) {
                    Child c = two.spawn(Command.of("true"));
                    assertNotEquals(failed, c.loopIndex(), "a spawn went to the failed loop");
                    assertEquals(ExitStatus.exited(0), c.waitFor(BOUND));
                }
            } finally {
                two.close();
                two.awaitTermination();
            }
        } finally {
            reapGivenUp(pids);
        }
    }

    private static void assumeUsable(Backend backend) {
        if (backend == Backend.IO_URING) {
            String reason = Ring.ioUringUnavailableReason();
            Assumptions.assumeTrue(reason == null, () -> "skipped: io_uring is not usable here: " + reason);
        }
    }

    private static void assertFailsNamingTheFault(CompletableFuture<?> f, Class<? extends Throwable> type,
            String what) throws Exception {
        Throwable cause;
        try {
            Object value = f.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            fail(what + " completed normally with " + value + " after the loop failed");
            return;
        } catch (ExecutionException e) {
            cause = e.getCause();
        }
        assertInstanceOf(type, cause, what);
        StringBuilder chain = new StringBuilder();
        for (Throwable t = cause; t != null; t = t.getCause()) {
            chain.append(t).append(" <- ");
        }
        assertTrue(chain.toString().contains("injected fault"), what + " does not name the failure: " + chain);
    }

    /** A read on a virtual thread: a READ the loop serves (a platform thread polls the pipe itself). */
    private static CompletableFuture<Object> readInBackground(InputStream in) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                f.complete(in.read());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private static CompletableFuture<Object> writeInBackground(OutputStream out, byte[] bytes) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                out.write(bytes);
                f.complete("wrote " + bytes.length + " bytes");
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /**
     * The failed loop gave its children up unreaped: they are still this JVM's children, so their
     * pids are still theirs; kill and reap them so no other test sees them.
     */
    private static void reapGivenUp(List<Long> pids) {
        MemorySegment siginfo = NativeMemory.calloc(Linux.SIGINFO_SIZE);
        try {
            for (long pid : pids) {
                Sys.kill(pid, Linux.SIGKILL);
                Sys.waitid(Linux.P_PID, pid, siginfo, Linux.WEXITED);
            }
        } finally {
            NativeMemory.free(siginfo);
        }
    }
}
