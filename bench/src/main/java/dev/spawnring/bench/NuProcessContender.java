package dev.spawnring.bench;

import com.zaxxer.nuprocess.NuAbstractProcessHandler;
import com.zaxxer.nuprocess.NuProcess;
import com.zaxxer.nuprocess.NuProcessBuilder;
import dev.spawnring.bench.SpawnContenders.Cell;
import dev.spawnring.bench.SpawnContenders.Contender;
import dev.spawnring.bench.SpawnContenders.Workload;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * NuProcess 3.0.0 ({@code com.zaxxer:nuprocess}): one-at-a-time workloads through its
 * synchronous {@code NuProcessBuilder.run()} (it polls the child on the calling thread), the
 * others through {@code start()} and its callbacks on NuProcess's own epoll threads. NuProcess
 * always gives the child pipes for stdin, stdout and stderr. Its defaults are kept (an exit
 * seen before the child is a zombie is polled again every 250 ms: {@code deadPoolPollMs}).
 *
 * <p>A bench-only dependency: this class runs from the shaded jar on the class path; the
 * library's module does not require NuProcess (nor JNA, which NuProcess uses).
 */
final class NuProcessContender implements Contender {
    @Override
    public String name() {
        return "NuProcess 3.0.0";
    }

    @Override
    public boolean supports(Cell cell) {
        if (cell.workload() == Workload.LIVE_CHILDREN && 3 * cell.param() + 200 > ProcStatus.maxOpenFiles()) {
            return false; // NuProcess keeps three pipe ends per child open: they would not fit
        }
        return !cell.pathSearch();
    }

    private static long now() {
        return System.nanoTime();
    }

    /** Collects the exit code and, optionally, stdout copied into Java memory in 64 KiB pieces. */
    private static final class Handler extends NuAbstractProcessHandler {
        final byte[] chunk = new byte[64 << 10];
        final byte[] head = new byte[16];
        long bytes;
        volatile int exit = Integer.MIN_VALUE;
        final Runnable onExit;

        Handler(Runnable onExit) {
            this.onExit = onExit;
        }

        @Override
        public void onStdout(ByteBuffer buffer, boolean closed) {
            while (buffer.hasRemaining()) {
                int n = Math.min(buffer.remaining(), chunk.length);
                buffer.get(chunk, 0, n);
                if (bytes < head.length) {
                    System.arraycopy(chunk, 0, head, (int) bytes, (int) Math.min(n, head.length - bytes));
                }
                bytes += n;
            }
        }

        @Override
        public void onExit(int exitCode) {
            exit = exitCode;
            if (onExit != null) {
                onExit.run();
            }
        }

        void check(String program) throws IOException {
            if (exit != 0) {
                throw new IOException(program + " exited " + exit);
            }
        }
    }

    private static NuProcessBuilder builder(Handler h, String... command) {
        NuProcessBuilder b = new NuProcessBuilder(List.of(command), Map.of());
        b.setProcessListener(h);
        return b;
    }

    @Override
    public long[] run(Cell cell, int n) throws IOException, InterruptedException {
        String program = cell.program();
        return switch (cell.workload()) {
            case START_REAP, START_REAP_PIPES, CAPTURE -> oneAtATime(program, n, cell.workload() == Workload.CAPTURE);
            case FIRST_INSTRUCTION -> firstInstruction(program, n);
            case THROUGHPUT -> throughput(program, (int) cell.param(), n);
            case LIVE_CHILDREN -> liveChildren(program, (int) cell.param());
            case OUTPUT -> output(program, cell.param());
            case COLD_START -> throw new UnsupportedOperationException();
        };
    }

    private static long[] oneAtATime(String program, int n, boolean mustPrint) throws IOException {
        long[] samples = new long[n];
        for (int i = 0; i < n; i++) {
            Handler h = new Handler(null);
            long t0 = now();
            builder(h, program).run();
            samples[i] = now() - t0;
            h.check(program);
            if (mustPrint && h.bytes == 0) {
                throw new IOException(program + " printed nothing");
            }
        }
        return samples;
    }

    private static long[] firstInstruction(String program, int n) throws IOException {
        long[] samples = new long[n];
        for (int i = 0; i < n; i++) {
            Handler h = new Handler(null);
            long t0 = now();
            builder(h, program).run();
            h.check(program);
            samples[i] = ProcessBuilderRuns.stampNanos(program,
                    h.bytes == 16 ? h.head : new byte[(int) Math.min(h.bytes, 15)]) - t0;
        }
        return samples;
    }

    /** {@code inFlight} children at a time: each exit callback lets the next one start. */
    private static long[] throughput(String program, int inFlight, int ms) throws InterruptedException, IOException {
        Semaphore slots = new Semaphore(inFlight);
        AtomicLong done = new AtomicLong();
        AtomicReference<String> failed = new AtomicReference<>();
        long t0 = now();
        long deadline = t0 + ms * 1_000_000L;
        do {
            slots.acquire();
            Handler[] self = new Handler[1];
            self[0] = new Handler(() -> {
                if (self[0].exit != 0) {
                    failed.compareAndSet(null, program + " exited " + self[0].exit);
                }
                done.incrementAndGet();
                slots.release();
            });
            if (builder(self[0], program).start() == null) {
                throw new IOException("NuProcess could not start " + program);
            }
        } while (now() < deadline && failed.get() == null);
        slots.acquire(inFlight);
        long elapsed = now() - t0;
        if (failed.get() != null) {
            throw new IOException(failed.get());
        }
        return new long[] {done.get(), elapsed};
    }

    private static long[] liveChildren(String program, int count) throws IOException, InterruptedException {
        CountDownLatch exited = new CountDownLatch(count);
        AtomicInteger bad = new AtomicInteger();
        ProcStatus before = ProcStatus.self();
        long t0 = now();
        for (int i = 0; i < count; i++) {
            Handler[] self = new Handler[1];
            self[0] = new Handler(() -> {
                if (self[0].exit != 0) {
                    bad.incrementAndGet();
                }
                exited.countDown();
            });
            NuProcess p = builder(self[0], program).start();
            if (p == null) {
                throw new IOException("NuProcess could not start child " + i + " of " + count);
            }
        }
        long started = now() - t0;
        ProcStatus after = ProcStatus.self();
        exited.await();
        long reaped = now() - t0;
        if (bad.get() > 0) {
            throw new IOException(bad.get() + " of " + program + " failed");
        }
        return new long[] {started, reaped, after.threads() - before.threads(), after.rssKb() - before.rssKb()};
    }

    private static long[] output(String program, long bytes) throws IOException {
        Handler h = new Handler(null);
        long t0 = now();
        builder(h, program, String.valueOf(bytes)).run();
        long elapsed = now() - t0;
        h.check(program);
        if (h.bytes != bytes) {
            throw new IOException(program + ": read " + h.bytes + " bytes of " + bytes);
        }
        return new long[] {h.bytes, elapsed};
    }
}
