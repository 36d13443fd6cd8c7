package dev.spawnring;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testkit.Procs;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A read of an empty pipe waits, a platform thread by polling the pipe itself, a virtual thread
 * for the loop's READ; on both, an interrupt or a close ends the wait at once, the stream reads on after an interrupt, and
 * threads reading one stream together get every byte once; both backends.
 */
@Tag(KernelSuiteMain.TAG)
class PipeReadWaitTest {
    private static final Duration BOUND = Duration.ofSeconds(60);

    @ParameterizedTest
    @EnumSource(Backend.class)
    void anInterruptEndsABlockedReadAtOnceAndTheStreamReadsOnAfterwards(Backend backend) throws Exception {
        for (boolean virtual : new boolean[] {false, true}) {
            try (Spawner s = Spawners.create(backend)) {
                Child cat = s.spawn(Command.of("cat")); // echoes its stdin; lives until stdin closes
                Reader reader = Reader.start(cat.stdout(), virtual);
                Thread.sleep(200); // blocked by now; an interrupt before the wait must end it just the same
                reader.thread().interrupt();
                assertEquals("InterruptedIOException, interrupt status set",
                        reader.outcome().get(BOUND.toSeconds(), TimeUnit.SECONDS), virtual ? "virtual" : "platform");

                cat.stdin().write("x".getBytes(US_ASCII));
                cat.stdin().flush();
                assertEquals('x', cat.stdout().read(), "the byte after the interrupted read");
                cat.stdin().close();
                assertEquals(-1, cat.stdout().read());
                assertEquals(ExitStatus.exited(0), cat.waitFor());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void closingAStreamAThreadReadsEndsTheReadAndGivesItsFdBack(Backend backend) throws Exception {
        for (boolean virtual : new boolean[] {false, true}) {
            try (Spawner s = Spawners.create(backend)) {
                s.spawn(Command.of("true").stdout(Stdio.discard()).stderr(Stdio.discard())).waitFor();
                Map<Integer, String> fds = Procs.openFds();
                Child cat = s.spawn(Command.of("cat").stderr(Stdio.discard()));
                Reader reader = Reader.start(cat.stdout(), virtual);
                Thread.sleep(200);
                cat.stdout().close();
                Object outcome = reader.outcome().get(BOUND.toSeconds(), TimeUnit.SECONDS);
                assertInstanceOf(IOException.class, outcome, String.valueOf(outcome));
                assertEquals("Stream closed", ((IOException) outcome).getMessage());
                cat.stdin().close();
                assertEquals(ExitStatus.exited(0), cat.waitFor());
                assertEquals(Map.of(), Procs.fdsOpenedSince(fds, BOUND), virtual ? "virtual" : "platform");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void threadsReadingOneStreamTogetherGetEveryByteOnce(Backend backend) throws Exception {
        int size = 300_000;
        try (Spawner s = Spawners.create(backend)) {
            Child child = s.spawn(Command.of("head", "-c", String.valueOf(size), "/dev/zero"));
            AtomicLong total = new AtomicLong();
            List<CompletableFuture<Void>> readers = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                boolean virtual = i % 2 == 1;
                int chunk = i < 2 ? 1 : 8192; // single bytes through the buffer, and bulk reads
                CompletableFuture<Void> done = new CompletableFuture<>();
                (virtual ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                    try {
                        byte[] b = new byte[chunk];
                        for (int n; (n = child.stdout().read(b, 0, chunk)) >= 0; ) {
                            for (int k = 0; k < n; k++) {
                                assertEquals(0, b[k]);
                            }
                            total.addAndGet(n);
                        }
                        done.complete(null);
                    } catch (Throwable e) {
                        done.completeExceptionally(e);
                    }
                });
                readers.add(done);
            }
            for (CompletableFuture<Void> r : readers) {
                r.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            }
            assertEquals(size, total.get());
            assertEquals(ExitStatus.exited(0), child.waitFor());
        }
    }

    /** A thread in one {@code read()} of {@code in}, and what it ended with. */
    private record Reader(Thread thread, CompletableFuture<Object> outcome) {
        static Reader start(InputStream in, boolean virtual) {
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            Thread t = (virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon()).start(() -> {
                try {
                    outcome.complete(in.read());
                } catch (InterruptedIOException e) {
                    outcome.complete("InterruptedIOException, interrupt status "
                            + (Thread.currentThread().isInterrupted() ? "set" : "cleared"));
                } catch (Throwable e) {
                    outcome.complete(e);
                }
            });
            return new Reader(t, outcome);
        }
    }
}
