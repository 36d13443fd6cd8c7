package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Closing a Spawner never throws, ends the pipe reads its loop serves, and leaves nothing behind; both backends. */
class SpawnerShutdownTest {
    /** Exits once its stdin ends; its background sleep keeps the stdout pipe open. */
    private static final Command GRANDCHILD_KEEPS_STDOUT = Command.of("sh", "-c",
            "sleep 60 </dev/null & echo started; read x; exit 0").newProcessGroup().stderr(Stdio.discard());

    @ParameterizedTest
    @EnumSource(Backend.class)
    void closingASpawnerRightAfterCreatingItNeverThrows(Backend backend) throws Exception {
        // The loop thread may still be in its first turn when close() comes: it must end quietly.
        for (int i = 0; i < 200; i++) {
            Spawner s = Spawners.create(backend);
            s.close();
            s.close();
            s.awaitTermination();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    @Tag(KernelSuiteMain.TAG)
    void aVirtualThreadsReadOfAPipeAGrandchildKeepsOpenEndsWithAnErrorWhenTheSpawnerEnds(Backend backend)
            throws Exception {
        Spawner s = Spawners.create(backend);
        Child child = s.spawn(GRANDCHILD_KEEPS_STDOUT);
        try {
            InputStream out = child.stdout();
            assertEquals("started\n", new String(out.readNBytes(8)));
            CompletableFuture<Object> reader = new CompletableFuture<>();
            // A virtual thread's read is a READ the loop serves (a platform thread waits itself: below).
            Thread readerThread = readInBackground(Thread.ofVirtual(), out, reader);
            // Parked means its READ has been handed to the loop, ahead of the exit and the shutdown
            // below (a reader at work when the child exits keeps the pipe; an idle one would see its end).
            do {
                while (readerThread.getState() != Thread.State.WAITING && !reader.isDone()) {
                    Thread.onSpinWait();
                }
                Thread.sleep(50);
            } while (readerThread.getState() != Thread.State.WAITING && !reader.isDone());
            child.stdin().close();
            assertEquals(ExitStatus.exited(0), child.waitFor());
            s.close();
            // The loop ends once the child is reaped; the read in flight is cancelled and its reader told.
            Object r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> reader.get(),
                    "a reader blocked on the pipe hangs after the spawner ended");
            IOException e = assertInstanceOf(IOException.class, r, "read gave " + r);
            assertTrue(e.getMessage().contains("ECANCELED"), e.getMessage());
            s.awaitTermination();
            assertThrows(IOException.class, out::read, "the loop is gone: a new read fails");
            out.close();
        } finally {
            Sys.kill(-child.pid(), Linux.SIGKILL);
            s.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    @Tag(KernelSuiteMain.TAG)
    void aPlatformThreadsReadOfAPipeAGrandchildKeepsOpenOutlivesTheSpawnerAndEndsAtThePipesEnd(Backend backend)
            throws Exception {
        Spawner s = Spawners.create(backend);
        Child child = s.spawn(GRANDCHILD_KEEPS_STDOUT);
        try {
            InputStream out = child.stdout();
            assertEquals("started\n", new String(out.readNBytes(8)));
            CompletableFuture<Object> reader = new CompletableFuture<>();
            Thread readerThread = readInBackground(Thread.ofPlatform(), out, reader);
            // In its poll of the pipe ahead of the exit (an idle stream would be given back at the
            // exit, what the pipe held kept, and would then end there).
            while (!reader.isDone() && java.util.Arrays.stream(readerThread.getStackTrace())
                    .noneMatch(f -> f.getClassName().endsWith(".FdWait") && f.getMethodName().equals("poll"))) {
                Thread.sleep(10);
            }
            Thread.sleep(50);
            child.stdin().close();
            assertEquals(ExitStatus.exited(0), child.waitFor());
            s.close();
            s.awaitTermination();
            // As a ProcessBuilder pipe: the read waits on the pipe itself, not on the loop that ended.
            assertFalse(reader.isDone(), () -> "read gave " + reader.getNow(null));
            Sys.kill(-child.pid(), Linux.SIGKILL); // the sleep goes, and with it the pipe's last writer
            assertEquals(-1, assertTimeoutPreemptively(Duration.ofSeconds(30), () -> reader.get(),
                    "a read of a pipe whose last writer is gone hangs"));
            out.close();
        } finally {
            Sys.kill(-child.pid(), Linux.SIGKILL);
            s.close();
        }
    }

    /** Completes {@code reader} with what one {@code read()} of {@code in} gives, or its exception. */
    private static Thread readInBackground(Thread.Builder builder, InputStream in, CompletableFuture<Object> reader) {
        return builder.start(() -> {
            try {
                reader.complete(in.read());
            } catch (IOException e) {
                reader.complete(e);
            }
        });
    }
}
