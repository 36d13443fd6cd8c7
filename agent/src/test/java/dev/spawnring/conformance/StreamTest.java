package dev.spawnring.conformance;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The streams of a {@code Process}: buffered as the JDK's, {@code available()} asking the pipe,
 * what is left after the exit, behaviour once closed and once destroyed, pending reads when the
 * process is destroyed, a grandchild that keeps the pipes, readers and writers and their charsets,
 * a close racing the exit. After the OpenJDK's {@code ProcessBuilder/Basic.java},
 * {@code CloseRace}, {@code ReaderWriterTest}, {@code SkipTest}.
 */
class StreamTest {
    private static final int SIZE = 4095;

    @Conformance
    void aPipeHoldsWhatTheChildWroteAfterItExitsAndAvailableCountsIt(Mode m) throws Exception {
        // The child copies SIZE bytes of stdin to stdout and SIZE 'E's to stderr, then exits 5.
        Process p = m.start(new ProcessBuilder("sh", "-c",
                "head -c " + SIZE + "; head -c " + SIZE + " /dev/zero | tr '\\000' E >&2; exit 5"));
        OutputStream stdin = p.getOutputStream();
        for (int i = 0; i < SIZE; i++) {
            stdin.write('!');
        }
        stdin.flush();
        assertEquals(5, p.waitFor());
        assertEquals(SIZE, p.getInputStream().available());
        assertEquals(SIZE, p.getErrorStream().available());
        assertThrows(IOException.class, () -> {
            p.getOutputStream().write('!');
            p.getOutputStream().flush();
        }, "stdin of a process that has exited");
        byte[] bytes = new byte[SIZE + 1];
        assertEquals(SIZE, p.getInputStream().read(bytes));
        for (int i = 0; i < SIZE; i++) {
            assertEquals('!', bytes[i]);
        }
        assertEquals(0, bytes[SIZE]);
        assertEquals(SIZE, p.getErrorStream().read(bytes));
        assertEquals('E', bytes[SIZE - 1]);
        assertEquals(0, p.getInputStream().available());
        assertEquals(-1, p.getErrorStream().read());
        assertEquals(-1, p.getInputStream().read());
        assertEquals(5, p.exitValue());

        p.getInputStream().close();
        p.getErrorStream().close();
        try {
            p.getOutputStream().close();
        } catch (IOException flushFailed) {
            // what was written after the exit could not go anywhere
        }
        for (InputStream in : new InputStream[] {p.getInputStream(), p.getErrorStream()}) {
            assertEquals("Stream closed", assertThrows(IOException.class, in::read).getMessage());
            assertEquals("Stream closed", assertThrows(IOException.class, () -> in.read(bytes)).getMessage());
            assertEquals("Stream closed", assertThrows(IOException.class, in::available).getMessage());
        }
    }

    @Conformance
    void availableCountsWhatThePipeHoldsWhileTheChildRuns(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("sh", "-c", "printf hello; exec sleep 10"));
        try {
            InputStream in = p.getInputStream();
            int available = 0;
            for (int i = 0; i < 200 && (available = in.available()) < 5; i++) {
                Thread.sleep(10);
            }
            assertEquals(5, available);
            assertTrue(p.isAlive());
            byte[] b = new byte[5];
            assertEquals(5, in.readNBytes(b, 0, 5));
            assertEquals("hello", new String(b, StandardCharsets.US_ASCII));
            assertEquals(0, in.available());
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Conformance
    void streamsAreBufferedAsTheJdksAreAndTheSameEachTime(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("cat"));
        assertSame(p.getInputStream(), p.getInputStream());
        assertSame(p.getOutputStream(), p.getOutputStream());
        assertSame(p.getErrorStream(), p.getErrorStream());
        assertInstanceOf(BufferedOutputStream.class, p.getOutputStream());
        assertInstanceOf(BufferedInputStream.class, p.getInputStream());
        assertInstanceOf(BufferedInputStream.class, p.getErrorStream());
        assertTrue(p.getInputStream().markSupported());
        OutputStream out = p.getOutputStream();
        out.write("abcdef\n".getBytes());
        out.close();
        InputStream in = p.getInputStream();
        assertEquals('a', in.read());
        in.mark(10);
        assertEquals('b', in.read());
        assertEquals('c', in.read());
        in.reset();
        assertEquals("bcdef\n", new String(in.readAllBytes()));
        assertEquals(0, p.waitFor());
    }

    @Conformance
    void stdinIsWrittenOnFlush(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("head", "-c", "3"));
        OutputStream out = p.getOutputStream();
        out.write("abc".getBytes());
        assertFalse(p.waitFor(100, TimeUnit.MILLISECONDS), "three bytes wait in the buffer until a flush");
        out.flush();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals("abc", Io.readAll(p.getInputStream()));
    }

    @Conformance
    void destroyClosesTheStreams(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("sleep", "10"));
        p.destroy();
        assertEquals("Stream closed", assertThrows(IOException.class, () -> p.getInputStream().read()).getMessage());
        assertEquals("Stream closed", assertThrows(IOException.class, () -> p.getErrorStream().available()).getMessage());
        IOException w = assertThrows(IOException.class, () -> {
            p.getOutputStream().write(1);
            p.getOutputStream().flush();
        });
        assertTrue(w.getMessage().matches("Stream [Cc]losed"), w.getMessage());
        assertEquals(143, p.waitFor());
    }

    @Conformance
    void aWriteAfterDestroyFailsAsOnAClosedFileAndAfterTheExitAsOnANullStream(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("sleep", "10"));
        p.destroy();
        IOException closed = assertThrows(IOException.class, () -> {
            p.getOutputStream().write(1);
            p.getOutputStream().flush();
        });
        p.waitFor();
        assertTrue(closed.getMessage().matches("Stream [Cc]losed"), closed.getMessage());
        Process q = m.start(new ProcessBuilder("true"));
        q.waitFor();
        Thread.sleep(50); // the JDK's reaper swaps the stream after waitFor returns
        IOException exited = assertThrows(IOException.class, () -> {
            q.getOutputStream().write(1);
            q.getOutputStream().flush();
        });
        assertEquals("Stream closed", exited.getMessage());
    }

    @Conformance
    void readsPendingWhenTheProcessIsDestroyedGetEndOfFileOrStreamClosed(Mode m) throws Exception {
        for (int action = 0; action < 4; action++) {
            Process p = m.start(new ProcessBuilder("sleep", "600"));
            InputStream s = (action & 1) == 0 ? p.getInputStream() : p.getErrorStream();
            boolean bulk = (action & 2) != 0;
            AtomicReference<Object> outcome = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    started.countDown();
                    outcome.set(bulk ? s.read(new byte[10]) : s.read());
                } catch (IOException e) {
                    outcome.set(e.getMessage());
                }
            });
            started.await();
            Thread.sleep(50);
            p.destroy();
            reader.join(10_000);
            assertFalse(reader.isAlive(), "the pending read returned");
            Object r = outcome.get();
            assertTrue(Integer.valueOf(-1).equals(r) || "Stream closed".equals(r), "action " + action + ": " + r);
            p.waitFor();
        }
    }

    @Conformance
    void aGrandchildThatKeepsThePipesDoesNotHangTheParent(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("sh", "-c", "sleep 59 & echo $!; wait"));
        long grandchild = Long.parseLong(new BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine());
        try {
            AtomicReference<Object> outcome = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try {
                    outcome.set(p.getInputStream().read());
                } catch (IOException e) {
                    outcome.set(e.getMessage());
                }
            });
            Thread.sleep(50);
            p.destroy();
            assertNotEquals(0, p.waitFor());
            assertNotEquals(0, p.exitValue());
            long start = System.nanoTime();
            p.getInputStream().close();
            p.getErrorStream().close();
            p.getOutputStream().close();
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "closing did not wait for the grandchild");
        } finally {
            ProcessHandle.of(grandchild).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Conformance
    void skipSkipsInThePipe(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("sh", "-c", "head -c 100000 /dev/zero; printf end"));
        InputStream in = p.getInputStream();
        long skipped = 0;
        while (skipped < 100000) {
            long n = in.skip(100000 - skipped);
            assertTrue(n > 0);
            skipped += n;
        }
        assertEquals("end", new String(in.readAllBytes()));
        assertEquals(0, p.waitFor());
    }

    @Conformance
    void readersAndWritersKeepTheirCharset(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("cat"));
        BufferedWriter w = p.outputWriter(StandardCharsets.ISO_8859_1);
        assertSame(w, p.outputWriter(StandardCharsets.ISO_8859_1));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.outputWriter(StandardCharsets.UTF_8));
        assertEquals("BufferedWriter was created with charset: ISO-8859-1", e.getMessage());
        w.write("caf\u00e9\n");
        w.close();
        BufferedReader r = p.inputReader(StandardCharsets.ISO_8859_1);
        assertEquals("caf\u00e9", r.readLine());
        assertThrows(IllegalStateException.class, () -> p.inputReader(StandardCharsets.UTF_8));
        assertSame(p.errorReader(), p.errorReader());
        assertNull(p.errorReader().readLine());
        assertEquals(0, p.waitFor());
        Process q = m.start(new ProcessBuilder("printf", "\\303\\251"));
        assertEquals("\u00e9", q.inputReader(StandardCharsets.UTF_8).readLine());
    }

    @Conformance
    void aCloseRacingTheExitLosesNoByteAndNoFd(Mode m) throws Exception {
        // CloseRace: start, wait, close stdout, over and over, while another thread opens files.
        Thread opener = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try (InputStream ignored = new java.io.FileInputStream("/proc/self/stat")) {
                    Thread.onSpinWait();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        try {
            ProcessBuilder pb = new ProcessBuilder("/bin/echo", "x");
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(800);
            int n = 0;
            while (System.nanoTime() < deadline || n < 20) {
                Process p = m.start(pb);
                InputStream in = p.getInputStream();
                p.waitFor();
                assertEquals("x\n", new String(in.readAllBytes()));
                in.close();
                p.getErrorStream().close();
                p.getOutputStream().close();
                n++;
            }
        } finally {
            opener.interrupt();
            opener.join();
        }
    }

    @Conformance
    void bulkOutputArrivesWhole(Mode m) throws Exception {
        byte[] data = new byte[3 << 20];
        new java.util.Random(42).nextBytes(data);
        Process p = m.start(new ProcessBuilder("cat"));
        Thread writer = Thread.ofPlatform().start(() -> {
            try (OutputStream out = p.getOutputStream()) {
                out.write(data);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] back = p.getInputStream().readAllBytes();
        writer.join();
        assertEquals(0, p.waitFor());
        assertTrue(Arrays.equals(data, back), "3 MiB through cat, byte for byte");
    }
}
