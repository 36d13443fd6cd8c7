package dev.spawnring.bench;

import dev.spawnring.bench.SpawnContenders.Cell;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Every workload of the benchmark done with {@code java.lang.ProcessBuilder}, in this JVM with
 * whatever launch mechanism it started with: the in-process contenders and {@link BenchWorker}
 * run the same code, the builders started by the JDK ({@link #JDK}, also what a JVM with the
 * agent runs) or by {@code Spawner.start(ProcessBuilder)}. The child's stdio is inherited (no
 * pipes) where the workload reads nothing.
 */
final class ProcessBuilderRuns {
    /** What starts a builder: {@code builder.start()}, or a Spawner's {@code start(builder)}. */
    interface Starter {
        Process start(ProcessBuilder builder) throws IOException;
    }

    /** {@code ProcessBuilder.start()}: the JDK, or the agent when this JVM runs it. */
    static final Starter JDK = ProcessBuilder::start;

    private ProcessBuilderRuns() {
    }

    /** "ProcessBuilder (default)" or "ProcessBuilder FORK": the mechanism this JVM uses. */
    static String name() {
        return "ProcessBuilder " + System.getProperty("jdk.lang.Process.launchMechanism", "(default)");
    }

    /** The cell with {@code builder.start()}. */
    static long[] run(Cell cell, int n) throws IOException, InterruptedException {
        return run(JDK, cell, n);
    }

    /** The cell, each builder started by {@code s}. */
    static long[] run(Starter s, Cell cell, int n) throws IOException, InterruptedException {
        String program = cell.candidates().get(0);
        return switch (cell.workload()) {
            case START_REAP -> startReap(s, program, n);
            case START_REAP_PIPES -> startReapPipes(s, program, n);
            case FIRST_INSTRUCTION -> firstInstruction(s, program, n);
            case THROUGHPUT -> throughput(s, program, (int) cell.param(), n);
            case LIVE_CHILDREN -> liveChildren(s, program, (int) cell.param());
            case OUTPUT -> output(s, program, cell.param());
            case CAPTURE -> capture(s, program, n);
            case COLD_START -> throw new UnsupportedOperationException("the cold start runs in ColdStart");
        };
    }

    private static long now() {
        return System.nanoTime();
    }

    private static void check(String program, int rc) throws IOException {
        if (rc != 0) {
            throw new IOException(program + " exited " + rc);
        }
    }

    static long[] startReap(Starter s, String program, int n) throws IOException, InterruptedException {
        long[] samples = new long[n];
        ProcessBuilder pb = new ProcessBuilder(program).inheritIO();
        for (int i = 0; i < n; i++) {
            long t0 = now();
            int rc = s.start(pb).waitFor();
            samples[i] = now() - t0;
            check(program, rc);
        }
        return samples;
    }

    /** Three pipes, the default: stdin closed, stdout and stderr read to their end, then waitFor. */
    static long[] startReapPipes(Starter s, String program, int n) throws IOException, InterruptedException {
        long[] samples = new long[n];
        ProcessBuilder pb = new ProcessBuilder(program);
        for (int i = 0; i < n; i++) {
            long t0 = now();
            Process p = s.start(pb);
            p.getOutputStream().close();
            p.getInputStream().readAllBytes();
            p.getErrorStream().readAllBytes();
            int rc = p.waitFor();
            samples[i] = now() - t0;
            check(program, rc);
        }
        return samples;
    }

    /** sr-stamp writes its stamp to stdout when it has no fd 4, as here. */
    static long[] firstInstruction(Starter s, String program, int n) throws IOException, InterruptedException {
        long[] samples = new long[n];
        ProcessBuilder pb = new ProcessBuilder(program).redirectInput(Redirect.INHERIT).redirectError(Redirect.INHERIT);
        for (int i = 0; i < n; i++) {
            long t0 = now();
            Process p = s.start(pb);
            byte[] stamp;
            try (InputStream in = p.getInputStream()) {
                stamp = in.readNBytes(16);
            }
            check(program, p.waitFor());
            samples[i] = stampNanos(program, stamp) - t0;
        }
        return samples;
    }

    /** The 16-byte stamp sr-stamp writes (tv_sec, tv_nsec, native order), in ns. */
    static long stampNanos(String program, byte[] stamp) throws IOException {
        if (stamp.length != 16) {
            throw new IOException(program + " wrote no stamp (" + stamp.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(stamp).order(ByteOrder.nativeOrder());
        return b.getLong(0) * 1_000_000_000L + b.getLong(8);
    }

    /** {@code inFlight} virtual threads, each starting and reaping one child at a time, for {@code ms}. */
    static long[] throughput(Starter s, String program, int inFlight, int ms) throws InterruptedException, IOException {
        ProcessBuilder pb = new ProcessBuilder(program).inheritIO();
        return Throughput.run(inFlight, ms, worker -> check(program, s.start(pb).waitFor()));
    }

    static long[] liveChildren(Starter s, String program, int count) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(program).inheritIO();
        ProcStatus before = ProcStatus.self();
        List<Process> children = new ArrayList<>(count);
        long t0 = now();
        for (int i = 0; i < count; i++) {
            children.add(s.start(pb));
        }
        long started = now() - t0;
        ProcStatus after = ProcStatus.self();
        for (Process p : children) {
            check(program, p.waitFor());
        }
        long reaped = now() - t0;
        return new long[] {started, reaped, after.threads() - before.threads(), after.rssKb() - before.rssKb()};
    }

    /** One child writing {@code bytes} to its stdout, read with 64 KiB reads. */
    static long[] output(Starter s, String program, long bytes) throws IOException, InterruptedException {
        byte[] buf = new byte[64 << 10];
        long t0 = now();
        Process p = s.start(new ProcessBuilder(program, String.valueOf(bytes)).redirectInput(Redirect.INHERIT)
                .redirectError(Redirect.INHERIT));
        long got = 0;
        try (InputStream in = p.getInputStream()) {
            for (int r; (r = in.read(buf)) >= 0; ) {
                got += r;
            }
        }
        check(program, p.waitFor());
        long elapsed = now() - t0;
        if (got != bytes) {
            throw new IOException(program + ": read " + got + " bytes of " + bytes);
        }
        return new long[] {got, elapsed};
    }

    /** The child's one line read from its stdout pipe (stdin and stderr pipes too: the defaults). */
    static long[] capture(Starter s, String program, int n) throws IOException, InterruptedException {
        long[] samples = new long[n];
        ProcessBuilder pb = new ProcessBuilder(program);
        for (int i = 0; i < n; i++) {
            long t0 = now();
            Process p = s.start(pb);
            byte[] line = p.getInputStream().readAllBytes();
            p.getErrorStream().readAllBytes();
            p.getOutputStream().close();
            check(program, p.waitFor());
            samples[i] = now() - t0;
            if (line.length == 0) {
                throw new IOException(program + " printed nothing");
            }
        }
        return samples;
    }
}
