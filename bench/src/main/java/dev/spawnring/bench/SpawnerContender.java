package dev.spawnring.bench;

import dev.spawnring.Child;
import dev.spawnring.Command;
import dev.spawnring.ExitStatus;
import dev.spawnring.Result;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import dev.spawnring.bench.SpawnContenders.Cell;
import dev.spawnring.bench.SpawnContenders.Contender;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * spawnring through its process API, {@link Spawner}: what an application pays. The child's
 * stdio is inherited (no pipes) where the workload reads nothing, as for ProcessBuilder.
 */
final class SpawnerContender implements Contender {
    private final Spawner spawner;
    /** More than one: throughput only, the threads spread over this many Spawners of one loop each. */
    private final Spawner[] spawners;
    /** The loop count asked for and shown in the name (throughput only), or 0: the default Spawner. */
    private final int loops;
    /** Throughput only: the workers are platform threads, whose waitFor reaps the child itself. */
    private final boolean platformThreads;

    /** The process API as an application gets it: {@code Spawner.create(backend)}, default loops. */
    SpawnerContender(Backend backend) throws IOException {
        this(backend, 1, 0, false);
    }

    /** Throughput only: the default Spawner, its workers platform threads instead of virtual ones. */
    static SpawnerContender withPlatformThreads(Backend backend) throws IOException {
        return new SpawnerContender(backend, 1, 0, true);
    }

    /**
     * Throughput only: {@code count} Spawners of one loop each, or (count 1) one Spawner with
     * {@code loops} loops.
     */
    SpawnerContender(Backend backend, int count, int loops) throws IOException {
        this(backend, count, loops, false);
    }

    private SpawnerContender(Backend backend, int count, int loops, boolean platformThreads) throws IOException {
        this.spawners = new Spawner[count];
        this.loops = loops;
        this.platformThreads = platformThreads;
        try {
            for (int i = 0; i < count; i++) {
                spawners[i] = count > 1 ? Spawner.builder().backend(backend).loops(1).build()
                        : loops > 0 ? Spawner.builder().backend(backend).loops(loops).build()
                        : Spawner.create(backend);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        this.spawner = spawners[0];
    }

    @Override
    public String name() {
        String b = spawner.backend().name();
        return spawners.length > 1 ? "spawnring " + spawners.length + " Spawners " + b
                : loops > 0 ? "spawnring " + loops + (loops == 1 ? " loop " : " loops ") + b
                : platformThreads ? "spawnring Spawner " + b + ", platform threads"
                : "spawnring Spawner " + b;
    }

    @Override
    public boolean supports(Cell cell) {
        if (spawners.length > 1 || loops > 0 || platformThreads) {
            return cell.workload() == SpawnContenders.Workload.THROUGHPUT && cell.param() >= spawners.length;
        }
        return !cell.pathSearch() && cell.workload() != SpawnContenders.Workload.FIRST_INSTRUCTION;
    }

    private static long now() {
        return System.nanoTime();
    }

    private static void check(String program, ExitStatus status) throws IOException {
        if (!status.success()) {
            throw new IOException(program + ": " + status);
        }
    }

    @Override
    public long[] run(Cell cell, int n) throws IOException, InterruptedException {
        String program = cell.program();
        return switch (cell.workload()) {
            case START_REAP -> startReap(program, n);
            case START_REAP_PIPES -> startReapPipes(program, n);
            case THROUGHPUT -> throughput(program, (int) cell.param(), n);
            case LIVE_CHILDREN -> liveChildren(program, (int) cell.param());
            case OUTPUT -> output(program, cell.param());
            case CAPTURE -> capture(program, n);
            case FIRST_INSTRUCTION, COLD_START -> throw new UnsupportedOperationException();
        };
    }

    private long[] startReap(String program, int n) throws IOException, InterruptedException {
        long[] samples = new long[n];
        Command cmd = Command.of(program).inheritIO();
        for (int i = 0; i < n; i++) {
            long t0 = now();
            ExitStatus st = spawner.spawn(cmd).waitFor();
            samples[i] = now() - t0;
            check(program, st);
        }
        return samples;
    }

    /**
     * The default three pipes, used as a ProcessBuilder user would: stdin closed, stdout then
     * stderr read to their end (sr-true writes nothing), then waitFor.
     */
    private long[] startReapPipes(String program, int n) throws IOException, InterruptedException {
        long[] samples = new long[n];
        Command cmd = Command.of(program);
        for (int i = 0; i < n; i++) {
            long t0 = now();
            Child child = spawner.spawn(cmd);
            child.stdin().close();
            child.stdout().readAllBytes();
            child.stderr().readAllBytes();
            ExitStatus st = child.waitFor();
            samples[i] = now() - t0;
            check(program, st);
        }
        return samples;
    }

    /**
     * {@code inFlight} virtual threads (or platform threads), each spawning and waiting for one
     * child at a time, for {@code ms}; with several Spawners, thread i uses Spawner i mod their number.
     */
    private long[] throughput(String program, int inFlight, int ms) throws InterruptedException, IOException {
        Command cmd = Command.of(program).inheritIO();
        return Throughput.run(inFlight, ms, platformThreads,
                worker -> check(program, spawners[worker % spawners.length].spawn(cmd).waitFor()));
    }

    /** All started by one {@link Spawner#spawnAll} (one submission), then all waited for. */
    private long[] liveChildren(String program, int count) throws IOException, InterruptedException {
        List<Command> cmds = new ArrayList<>(count);
        Command cmd = Command.of(program).inheritIO();
        for (int i = 0; i < count; i++) {
            cmds.add(cmd);
        }
        ProcStatus before = ProcStatus.self();
        long t0 = now();
        List<Child> children = spawner.spawnAll(cmds);
        long started = now() - t0;
        ProcStatus after = ProcStatus.self();
        for (Child c : children) {
            check(program, c.waitFor());
        }
        long reaped = now() - t0;
        return new long[] {started, reaped, after.threads() - before.threads(), after.rssKb() - before.rssKb()};
    }

    /** One child writing {@code bytes} to its stdout, read through {@link Child#stdout()} with 64 KiB reads. */
    private long[] output(String program, long bytes) throws IOException, InterruptedException {
        byte[] buf = new byte[64 << 10];
        long t0 = now();
        Child child = spawner.spawn(Command.of(program, String.valueOf(bytes)).stdin(Stdio.inherit())
                .stderr(Stdio.inherit()));
        long got = 0;
        try (InputStream in = child.stdout()) {
            for (int r; (r = in.read(buf)) >= 0; ) {
                got += r;
            }
        }
        check(program, child.waitFor());
        long elapsed = now() - t0;
        if (got != bytes) {
            throw new IOException(program + ": read " + got + " bytes of " + bytes);
        }
        return new long[] {got, elapsed};
    }

    /** {@link Spawner#run}: stdout and stderr captured, stdin a pipe closed at once (the defaults). */
    private long[] capture(String program, int n) throws IOException {
        long[] samples = new long[n];
        Command cmd = Command.of(program);
        for (int i = 0; i < n; i++) {
            long t0 = now();
            Result r = spawner.run(cmd).join();
            samples[i] = now() - t0;
            check(program, r.status());
            if (r.stdout().length == 0) {
                throw new IOException(program + " printed nothing");
            }
        }
        return samples;
    }

    @Override
    public void close() {
        for (Spawner s : spawners) {
            if (s != null) {
                s.close();
            }
        }
    }
}
