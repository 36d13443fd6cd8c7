package dev.spawnring.conformance;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.opentest4j.TestAbortedException;

/**
 * A {@code Process}'s life: exit values ({@code 128 + signal} when killed), {@code exitValue} before
 * the exit, {@code waitFor} with and without a timeout (interrupts, {@code null}, the
 * {@code Duration} edges of JDK 25's {@code waitFor(Duration)}), {@code destroy} and
 * {@code destroyForcibly}, {@code onExit}, {@code toString}, {@code pid}, and {@code close()} as
 * JDK 26 defines it. After the OpenJDK's {@code ProcessBuilder/Basic.java}, {@code DestroyTest},
 * {@code Process/WaitForDuration.java}, {@code ProcessHandle/OnExitTest}.
 */
class LifecycleTest {
    private static ProcessBuilder sleep() {
        return new ProcessBuilder("sleep", "600");
    }

    @Conformance
    void exitValuesAreTheCodeOr128PlusTheSignal(Mode m) throws Exception {
        assertEquals(0, m.start(new ProcessBuilder("true")).waitFor());
        assertEquals(3, m.start(new ProcessBuilder("sh", "-c", "exit 3")).waitFor());
        assertEquals(255, m.start(new ProcessBuilder("sh", "-c", "exit 255")).waitFor());
        Process p = m.start(sleep());
        p.destroy();
        assertEquals(143, p.waitFor());
        assertEquals(143, p.exitValue());
        Process q = m.start(sleep());
        assertSame(q, q.destroyForcibly());
        assertEquals(137, q.waitFor());
        assertEquals(134, m.start(new ProcessBuilder("sh", "-c", "kill -ABRT $$")).waitFor());
    }

    @Conformance
    void exitValueOfARunningProcessIsAnIllegalThreadState(Mode m) throws Exception {
        Process p = m.start(sleep());
        try {
            IllegalThreadStateException e = assertThrows(IllegalThreadStateException.class, p::exitValue);
            assertEquals("process hasn't exited", e.getMessage());
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Conformance
    void isAliveAndWaitForZero(Mode m) throws Exception {
        Process p = m.start(sleep());
        long start = System.nanoTime();
        assertTrue(p.isAlive());
        assertFalse(p.waitFor(0, TimeUnit.MILLISECONDS));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2));
        p.destroy();
        p.waitFor();
        assertFalse(p.isAlive());
        assertTrue(p.waitFor(0, TimeUnit.MILLISECONDS));
        assertTrue(p.waitFor(-1, TimeUnit.DAYS));
    }

    @Conformance
    void waitForATimeoutWaitsAtLeastThatLong(Mode m) throws Exception {
        Process p = m.start(sleep());
        long start = System.nanoTime();
        assertFalse(p.waitFor(10, TimeUnit.MILLISECONDS));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(10));
        p.destroy();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    }

    @Conformance
    void waitForIsInterruptedWhileOrBeforeWaiting(Mode m) throws Exception {
        Process p = m.start(sleep());
        try {
            for (long timeout : new long[] {30_000, Long.MAX_VALUE, -2 /* waitFor() */}) {
                for (boolean before : new boolean[] {true, false}) {
                    AtomicReference<Object> outcome = new AtomicReference<>();
                    CountDownLatch ready = new CountDownLatch(1);
                    Thread t = Thread.ofPlatform().start(() -> {
                        try {
                            if (before) {
                                Thread.currentThread().interrupt();
                            }
                            ready.countDown();
                            outcome.set(timeout == -2 ? (Object) p.waitFor() : p.waitFor(timeout, TimeUnit.MILLISECONDS));
                        } catch (InterruptedException e) {
                            outcome.set("interrupted");
                        }
                    });
                    ready.await();
                    if (!before) {
                        Thread.sleep(20);
                        t.interrupt();
                    }
                    t.join(10_000);
                    assertFalse(t.isAlive());
                    assertEquals("interrupted", outcome.get(), "timeout " + timeout + ", interrupted before: " + before);
                }
            }
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Conformance
    void anInterruptedThreadStillGetsTheExitOfAProcessThatHasExited(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("true"));
        p.waitFor();
        Thread.currentThread().interrupt();
        try {
            assertEquals(0, p.waitFor());
            assertTrue(p.waitFor(1, TimeUnit.SECONDS));
        } finally {
            assertTrue(Thread.interrupted());
        }
    }

    @Conformance
    void waitForWithANullUnitIsANullPointerException(Mode m) throws Exception {
        Process p = m.start(sleep());
        for (long t : new long[] {10, 0, -1}) {
            assertThrows(NullPointerException.class, () -> p.waitFor(t, null));
        }
        p.destroy();
        p.waitFor();
        for (long t : new long[] {10, 0, -1}) {
            assertThrows(NullPointerException.class, () -> p.waitFor(t, null));
        }
        assertThrows(NullPointerException.class, () -> p.waitFor((Duration) null));
    }

    @Conformance
    void waitForADurationAtItsEdges(Mode m) throws Exception {
        Object[][] cases = {
            {Duration.ZERO, false}, {Duration.ofSeconds(-100), false}, {Duration.ofSeconds(100), true},
            {Duration.ofSeconds(Long.MAX_VALUE), true}, {Duration.ofSeconds(Long.MIN_VALUE), false}};
        for (Object[] c : cases) {
            Process p = m.start(new ProcessBuilder("sleep", "0.3"));
            assertEquals(c[1], p.waitFor((Duration) c[0]), c[0].toString());
            p.destroyForcibly().waitFor();
        }
    }

    @Conformance
    void destroySendsSigtermThatATrapCanIgnoreAndDestroyForciblyKills(Mode m) throws Exception {
        Path script = Io.script(Io.tmp().resolve("ProcessTrap.sh"),
                "#!/bin/sh\ntrap 'true' TERM INT\necho started\nwhile :; do sleep 0.05; done\n", true);
        Process p = m.start(new ProcessBuilder(script.toString()).redirectErrorStream(true));
        assertEquals('s', p.getInputStream().read(), "the trap is set");
        p.destroy();
        Thread.sleep(200);
        assertTrue(p.isAlive(), "the trap kept it alive");
        p.destroyForcibly().waitFor();
        assertFalse(p.isAlive());
        assertEquals(137, p.exitValue());
    }

    @Conformance
    void destroyingAProcessThatExitedChangesNothing(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("sh", "-c", "exit 4"));
        assertEquals(4, p.waitFor());
        p.destroy();
        assertSame(p, p.destroyForcibly());
        assertEquals(4, p.exitValue());
        assertTrue(p.supportsNormalTermination());
    }

    @Conformance
    void onExitCompletesWithTheProcessOnANewFutureEachTime(Mode m) throws Exception {
        Process p = m.start(sleep());
        CompletableFuture<Process> a = p.onExit();
        CompletableFuture<Process> b = p.onExit();
        assertNotSame(a, b);
        assertFalse(a.isDone());
        a.cancel(false);
        p.destroy();
        assertSame(p, b.get(10, TimeUnit.SECONDS));
        assertFalse(p.isAlive(), "onExit completes once the process is done");
        assertSame(p, p.onExit().get(10, TimeUnit.SECONDS));
        assertTrue(a.isCancelled());
    }

    @Conformance
    void toStringSaysThePidAndTheExitValue(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("cat").redirectOutput(ProcessBuilder.Redirect.DISCARD));
        String s = p.toString();
        assertEquals("Process[pid=" + p.pid() + ", exitValue=\"not exited\"]", s);
        p.getOutputStream().close();
        int exit = p.waitFor();
        assertEquals("Process[pid=" + p.pid() + ", exitValue=" + exit + "]", p.toString());
    }

    @Conformance
    void pidIsTheChildsOwn(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("sh", "-c", "echo $$"));
        assertEquals(p.pid() + "\n", Io.run(p).out());
    }

    /**
     * {@code Process.close()} is JDK 26's: on JDK 25 the JDK's own Process has none, and the case is
     * not applicable to it (checked before anything is started).
     */
    private static void closeExists(Mode m) {
        if (m == Mode.JDK && java.util.Arrays.stream(Process.class.getMethods()).noneMatch(x -> x.getName().equals("close"))) {
            throw new TestAbortedException("not applicable here: this JDK's Process has no close() (JDK 26 adds it)");
        }
    }

    private static Method close(Mode m, Process p) throws NoSuchMethodException {
        return p.getClass().getMethod("close");
    }

    private static void invokeClose(Method close, Process p) throws Exception {
        try {
            close.invoke(p);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }

    @Conformance
    void closeClosesTheStreamsAndWaits(Mode m) throws Exception {
        closeExists(m);
        Process p = m.start(new ProcessBuilder("sh", "-c", "[ \"$(cat)\" = unflushed ]"));
        Method close = close(m, p);
        OutputStream out = p.getOutputStream();
        out.write("unflushed".getBytes());
        invokeClose(close, p); // flushed and closed: the child reads it all, then the end of its input
        assertFalse(p.isAlive());
        assertEquals(0, p.exitValue());
        InputStream in = p.getInputStream();
        assertThrows(IOException.class, in::read);
        invokeClose(close, p); // idempotent
    }

    @Conformance
    void closeInterruptedDestroysForciblyAndKeepsTheInterrupt(Mode m) throws Exception {
        closeExists(m);
        Process p = m.start(sleep());
        Method close = close(m, p);
        Thread.currentThread().interrupt();
        try {
            invokeClose(close, p);
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
        assertFalse(p.isAlive());
        assertEquals(137, p.exitValue());
    }
}
