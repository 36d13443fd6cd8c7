package dev.spawnring.bench;

import dev.spawnring.bench.SpawnContenders.Cell;
import dev.spawnring.cli.Json;
import dev.spawnring.cli.Main;
import dev.spawnring.bench.SpawnContenders.Contender;
import dev.spawnring.bench.SpawnContenders.FloorContender;
import dev.spawnring.bench.SpawnContenders.ProcessBuilderContender;
import dev.spawnring.bench.SpawnContenders.RingContender;
import dev.spawnring.bench.SpawnContenders.SpawnerStartContender;
import dev.spawnring.bench.SpawnContenders.WorkerContender;
import dev.spawnring.bench.SpawnContenders.Workload;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code spawnring bench}: spawnring against the C floor (vfork+execve, posix_spawn),
 * {@code ProcessBuilder} (default launch mechanism, and FORK in a child JVM), the same
 * {@code ProcessBuilder} code started through spawnring ({@code Spawner.start(ProcessBuilder)},
 * and in a child JVM with the agent) and NuProcess, side by side in one run, contenders alternating in rounds so that drift on a shared machine
 * hits them alike, each warmed up first.
 *
 * <p>Sections: the proposal's "time to the child's first instruction" (a static program without
 * libc stamps {@code CLOCK_MONOTONIC}, the clock of {@link System#nanoTime()}, as its first act) and "start and reap", by path and by
 * a six-directory {@code $PATH} search, with a small parent and a big one; throughput with 1 to
 * 16 children in flight; 10,000 live children; a child's output read into Java; one line
 * captured from each of many children; the ring's NOP round trip.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time spawnring against the C floor, ProcessBuilder and NuProcess in one run and print tables.")
public final class BenchCommand implements Callable<Integer> {
    /** The sections, in the order they run; {@code --only} picks some. */
    enum Section {
        cold, spawn, throughput, live, output, capture, nop
    }

    @Option(names = "--quick", description = "Fewer samples, smaller heap, 1,000 live children, 10 cold starts: about a minute.")
    boolean quick;

    @Option(names = "--iterations", paramLabel = "N",
            description = "Samples per contender in the start/first-instruction cells (default 5000, quick 300).")
    Integer iterations;

    @Option(names = "--heap-mb", paramLabel = "MB",
            description = "Touched heap of the big-parent cells, in MiB (default 4096, quick 512; 0 skips them).")
    Integer heapMb;

    @Option(names = "--children", paramLabel = "N", description = "Live children (default 10000, quick 1000).")
    Integer children;

    @Option(names = "--output-mb", paramLabel = "MB", description = "What the output child writes (default 1024, quick 256).")
    Integer outputMb;

    @Option(names = "--lines", paramLabel = "N", description = "Children whose line is captured (default 10000, quick 500).")
    Integer lines;

    @Option(names = "--cold-runs", paramLabel = "N",
            description = "Fresh JVMs per contender in the cold-start section (default 40, quick 10).")
    Integer coldRuns;

    @Option(names = "--only", split = ",", paramLabel = "SECTION",
            description = "Run only these sections: ${COMPLETION-CANDIDATES}.")
    Set<Section> only;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write every sample and figure to FILE.")
    Path json;

    @Option(names = "--chart", paramLabel = "FILE", description = "Also draw the main ratios as a PNG chart to FILE.")
    Path chart;

    @Spec
    CommandSpec spec;

    private final List<Row> rows = new ArrayList<>();
    private final Map<String, Object> settings = new LinkedHashMap<>();
    private PrintWriter out;
    private PrintWriter err;
    private long started;

    /** One contender's runs of one cell: per-op samples (ns), or one figure set per round. */
    record Row(Cell cell, String contender, List<long[]> runs) {
        /** All per-operation samples. */
        Samples samples() {
            long[] all = runs.stream().flatMapToLong(Arrays::stream).toArray();
            return new Samples(all);
        }

        /** The {@code k}-th figure of every round. */
        Samples figure(int k) {
            return new Samples(runs.stream().mapToLong(r -> r[k]).toArray());
        }

        /** Spawns per second (throughput) or MB/s (output), one per round. */
        Samples rate() {
            long scale = cell.workload() == Workload.OUTPUT ? 1_000L : 1_000_000_000L;
            return new Samples(runs.stream().mapToLong(r -> (long) (r[0] * (double) scale / r[1])).toArray());
        }
    }

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        started = System.nanoTime();
        int n = iterations != null ? iterations : quick ? 200 : 5000;
        int rounds = quick ? 3 : 5;
        if (n < rounds) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--iterations must be at least " + rounds);
        }
        int heap = heapMb != null ? heapMb : quick ? 512 : 4096;
        int live = children != null ? children : quick ? 1000 : 10_000;
        long outBytes = (long) (outputMb != null ? outputMb : quick ? 256 : 1024) << 20;
        int lineCount = lines != null ? lines : quick ? 500 : 10_000;
        Set<Section> sections = only == null || only.isEmpty() ? EnumSet.allOf(Section.class) : EnumSet.copyOf(only);
        settings.put("date", LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString());
        settings.put("quick", quick);
        settings.put("cores", Runtime.getRuntime().availableProcessors());
        settings.put("kernel", System.getProperty("os.version"));
        settings.put("java", System.getProperty("java.vm.version"));
        settings.put("samples_per_cell", n);
        settings.put("heap_mb", heap);
        settings.put("live_children", live);
        settings.put("output_bytes", outBytes);
        settings.put("capture_lines", lineCount);
        int cold = coldRuns != null ? coldRuns : quick ? 10 : 40;
        settings.put("cold_runs", cold);
        out.printf("spawnring bench%s, %s, %d cores, kernel %s, Java %s%n", quick ? " --quick" : "", settings.get("date"),
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"),
                System.getProperty("java.vm.version"));
        out.flush();

        Path stamp = Programs.path("sr-stamp");
        Path trueBin = Programs.path("sr-true");
        Path floor = Programs.path("sr-floor");
        if (sections.contains(Section.cold)) {
            // First, before this JVM has started thousands of children: fresh JVMs on a quiet machine.
            settings.put("cold_load_average_before", ColdStart.loadAverage());
            rows.addAll(ColdStart.run(cold, line -> progress("%s", line)));
            settings.put("cold_load_average_after", ColdStart.loadAverage());
        }
        Path pathRoot = Files.createTempDirectory("spawnring-bench-path");
        try {
            List<String> stampSearch = pathCandidates(pathRoot, stamp);
            List<String> trueSearch = pathCandidates(pathRoot, trueBin);
            List<String> pathDirs = trueSearch.stream().map(c -> Path.of(c).getParent().toString()).toList();
            try (Contenders c = new Contenders(floor, 0, pathDirs, true, Integer.MAX_VALUE)) {
                if (sections.contains(Section.spawn)) {
                    for (Cell cell : List.of(
                            new Cell(Workload.START_REAP, "small", List.of(trueBin.toString())),
                            new Cell(Workload.START_REAP_PIPES, "small", List.of(trueBin.toString())),
                            new Cell(Workload.FIRST_INSTRUCTION, "small", List.of(stamp.toString())),
                            new Cell(Workload.START_REAP, "small", trueSearch),
                            new Cell(Workload.FIRST_INSTRUCTION, "small", stampSearch))) {
                        runPerOp(cell, c.all, n, rounds);
                    }
                }
                if (sections.contains(Section.throughput)) {
                    int ms = quick ? 120 : 1000;
                    settings.put("throughput_ms_per_run", ms);
                    for (int inFlight : new int[] {1, 2, 4, 16}) {
                        Cell cell = new Cell(Workload.THROUGHPUT, "small", List.of(trueBin.toString()), inFlight);
                        runFigures(cell, c.all, ms, quick ? 2 : 5, cell, ms / 5);
                    }
                }
                if (sections.contains(Section.live)) {
                    Cell cell = new Cell(Workload.LIVE_CHILDREN, "small",
                            List.of(Programs.path("sr-sleep").toString()), live);
                    Cell warm = new Cell(Workload.LIVE_CHILDREN, "small", List.of(trueBin.toString()), 200);
                    // --quick keeps it under a minute: ProcessBuilder FORK (~12 ms a child) and NuProcess
                    // (~7 ms) alone would take 20 s for 1,000 children.
                    List<Contender> these = quick ? c.all.stream().filter(k -> !k.name().equals("ProcessBuilder FORK")
                            && !k.name().startsWith("NuProcess") && !k.name().equals("C posix_spawn")).toList() : c.all;
                    runFigures(cell, these, 0, quick ? 1 : 2, warm, 0);
                }
                if (sections.contains(Section.output)) {
                    Cell cell = new Cell(Workload.OUTPUT, "small", List.of(Programs.path("sr-emit").toString()),
                            outBytes);
                    Cell warm = cell; // the read path must be compiled before it is timed
                    runFigures(cell, c.all, 0, quick ? 2 : 5, warm, 0);
                }
                if (sections.contains(Section.capture)) {
                    Cell cell = new Cell(Workload.CAPTURE, "small", List.of(Programs.path("sr-line").toString()));
                    runPerOp(cell, c.all, lineCount, rounds);
                }
            }
            if (sections.contains(Section.spawn) && heap > 0) {
                progress("touching %d MiB of heap", heap);
                byte[][] ballast = touch(heap);
                String label = heap % 1024 == 0 ? heap / 1024 + " GiB" : heap + " MiB";
                // FORK copies the parent's page tables: ~25 ms a spawn with 512 MiB, ~0.2 s with 4 GiB.
                int forkSamples = quick ? 30 : 200;
                settings.put("fork_big_heap_samples", forkSamples);
                try (Contenders c = new Contenders(floor, heap, pathDirs, false, forkSamples)) {
                    for (Cell cell : List.of(
                            new Cell(Workload.START_REAP, label, List.of(trueBin.toString())),
                            new Cell(Workload.FIRST_INSTRUCTION, label, List.of(stamp.toString())))) {
                        runPerOp(cell, c.all, n, rounds);
                    }
                }
                java.lang.ref.Reference.reachabilityFence(ballast);
            }
            printCold();
            printSpawnTable(Workload.START_REAP, Workload.START_REAP_PIPES, Workload.FIRST_INSTRUCTION);
            printThroughput();
            printLive();
            printOutput();
            printSpawnTable(Workload.CAPTURE);
            List<Map<String, Object>> nops = sections.contains(Section.nop) ? NopThroughput.print(out, quick ? 5_000 : 20_000)
                    : List.of();
            List<BenchReport.Goal> goals = BenchReport.goals(rows);
            printGoals(goals);
            if (json != null) {
                Files.writeString(json, Json.write(BenchReport.json(settings, rows, nops, goals)));
                progress("wrote %s", json);
            }
            if (chart != null) {
                BenchChart.write(chart, BenchReport.speedups(rows), "spawnring bench, " + settings.get("date")
                        + ", " + Runtime.getRuntime().availableProcessors() + " cores");
                progress("wrote %s", chart);
            }
        } finally {
            try (var walk = Files.walk(pathRoot)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return Main.EXIT_OK;
    }

    /** Touches {@code mb} MiB of Java heap, one write a page, and returns it to be held. */
    static byte[][] touch(int mb) {
        int chunks = (mb + 63) / 64;
        byte[][] ballast = new byte[chunks][];
        for (int i = 0; i < chunks; i++) {
            ballast[i] = new byte[64 << 20];
            for (int j = 0; j < ballast[i].length; j += 4096) {
                ballast[i][j] = 1;
            }
        }
        return ballast;
    }

    /** Five empty directories, then the program's own: a PATH search that finds it sixth. */
    private static List<String> pathCandidates(Path root, Path program) throws IOException {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            out.add(Files.createDirectories(root.resolve("bin" + i)).resolve(program.getFileName()).toString());
        }
        out.add(program.toString());
        return out;
    }

    /** The contenders of one parent size, closed together. */
    private static final class Contenders implements AutoCloseable {
        final List<Contender> all = new ArrayList<>();

        Contenders(Path floor, long touchMb, List<String> pathDirs, boolean small, int forkSamples)
                throws IOException {
            try {
                boolean uring = Ring.ioUringUnavailableReason() == null;
                if (uring) {
                    all.add(new RingContender(Backend.IO_URING));
                }
                all.add(new RingContender(Backend.FALLBACK));
                if (small) {
                    if (uring) {
                        all.add(new SpawnerContender(Backend.IO_URING));
                    }
                    all.add(new SpawnerContender(Backend.FALLBACK));
                    // A loop thread clones one child at a time (vfork style). The default Spawner has one
                    // loop per core; one loop, one loop per core asked for, and two one-loop Spawners
                    // show what the loops give.
                    Backend best = uring ? Backend.IO_URING : Backend.FALLBACK;
                    int cores = Runtime.getRuntime().availableProcessors();
                    all.add(new SpawnerContender(best, 1, 1));
                    all.add(new SpawnerContender(best, 1, Math.max(2, cores)));
                    all.add(new SpawnerContender(best, 2, 1));
                    // Platform-thread workers wait for their children themselves (waitFor reaps on the
                    // waiting thread); virtual threads wait through the loop.
                    all.add(SpawnerContender.withPlatformThreads(best));
                }
                all.add(new FloorContender("vfork", floor, touchMb));
                all.add(new FloorContender("posix_spawn", floor, touchMb));
                if (small) {
                    all.add(new FloorContender("vfork", floor, touchMb, 2));
                }
                all.add(new ProcessBuilderContender());
                if (small) {
                    // ProcessBuilder code unchanged, started through spawnring: the entry point, and the agent.
                    all.add(new SpawnerStartContender(uring ? Backend.IO_URING : Backend.FALLBACK));
                    Path agent = AgentJar.create();
                    if (agent != null) {
                        all.add(WorkerContender.withAgent(agent));
                    }
                }
                all.add(new WorkerContender("FORK", touchMb, null, forkSamples));
                if (small) {
                    all.add(new WorkerContender(null, 0, pathDirs, Integer.MAX_VALUE));
                    all.add(new WorkerContender("FORK", 0, pathDirs, Integer.MAX_VALUE));
                }
                all.add(new NuProcessContender());
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() {
            all.forEach(Contender::close);
        }
    }

    private void progress(String format, Object... args) {
        err.printf("bench [%3ds]: %s%n", (System.nanoTime() - started) / 1_000_000_000L, String.format(format, args));
        err.flush();
    }

    private static String describe(Cell cell) {
        String what = cell.workload().label + (cell.param() != 0 && cell.workload() == Workload.THROUGHPUT
                ? " " + cell.param() + " in flight" : "");
        return what + ", " + cell.heap() + " parent" + (cell.pathSearch() ? ", PATH search" : "");
    }

    /** Per-operation samples: warm-up, then {@code n / rounds} samples a round from each contender in turn. */
    private void runPerOp(Cell cell, List<Contender> contenders, int n, int rounds) throws Exception {
        Map<Contender, List<long[]>> got = new LinkedHashMap<>();
        for (Contender c : contenders) {
            if (c.supports(cell)) {
                c.run(cell, Math.max(1, Math.min(Math.min(n, c.maxSamples(cell)) / (quick ? 10 : 5), 1000))); // warm-up
                got.put(c, new ArrayList<>());
            }
        }
        for (int round = 0; round < rounds; round++) {
            progress("%s: round %d/%d", describe(cell), round + 1, rounds);
            for (Map.Entry<Contender, List<long[]>> e : got.entrySet()) {
                int k = Math.max(1, Math.min(n, e.getKey().maxSamples(cell)) / rounds);
                e.getValue().add(e.getKey().run(cell, k));
            }
        }
        got.forEach((c, runs) -> rows.add(new Row(cell, c.name(), runs)));
    }

    /** One figure set per round and contender, after a warm-up run of {@code warm}. */
    private void runFigures(Cell cell, List<Contender> contenders, int n, int rounds, Cell warm, int warmN)
            throws Exception {
        Map<Contender, List<long[]>> got = new LinkedHashMap<>();
        for (Contender c : contenders) {
            if (c.supports(cell)) {
                c.run(warm, warmN);
                got.put(c, new ArrayList<>());
            }
        }
        for (int round = 0; round < rounds; round++) {
            for (Map.Entry<Contender, List<long[]>> e : got.entrySet()) {
                progress("%s: round %d/%d, %s", describe(cell), round + 1, rounds, e.getKey().name());
                e.getValue().add(e.getKey().run(cell, n));
            }
        }
        got.forEach((c, runs) -> rows.add(new Row(cell, c.name(), runs)));
    }

    private List<Row> rowsOf(Workload w) {
        return rows.stream().filter(r -> r.cell().workload() == w).toList();
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "-" : String.format("%.2f", a / b);
    }

    private void printSpawnTable(Workload... workloads) {
        List<Row> these = rows.stream().filter(r -> Arrays.asList(workloads).contains(r.cell().workload())).toList();
        if (these.isEmpty()) {
            return;
        }
        out.println();
        if (workloads[0] == Workload.CAPTURE) {
            out.printf("capture: one child at a time prints one line, captured through pipes (spawnring: Spawner.run;"
                    + " ProcessBuilder: its three pipes read to the end); %d children%n", these.get(0).samples().size());
        } else {
            out.printf("start-reap and first-instruction: one child at a time; %d samples per contender and cell"
                    + " (ProcessBuilder FORK with the big heap: %s)%n", settings.get("samples_per_cell"),
                    settings.getOrDefault("fork_big_heap_samples", "-"));
        }
        out.printf("%-18s %-9s %-6s %-28s %9s %9s %9s %8s %8s%n", "workload", "parent", "PATH", "contender",
                "median µs", "p10 µs", "p90 µs", "x vfork", "x PB");
        for (Row r : these) {
            double vfork = BenchReport.median(rows, r.cell(), "C vfork");
            double pb = BenchReport.median(rows, r.cell(), "ProcessBuilder (default)");
            double m = r.samples().medianMicros();
            out.printf("%-18s %-9s %-6s %-28s %9.1f %9.1f %9.1f %8s %8s%n", r.cell().workload().label,
                    r.cell().heap(), r.cell().pathSearch() ? "6 dirs" : "-", r.contender(), m,
                    r.samples().percentileMicros(10), r.samples().percentileMicros(90), ratio(m, vfork), ratio(m, pb));
        }
        out.flush();
    }

    private void printCold() {
        List<Row> these = rowsOf(Workload.COLD_START);
        if (these.isEmpty()) {
            return;
        }
        out.println();
        out.printf("cold start: a fresh JVM per sample (java --enable-native-access=ALL-UNNAMED -cp <the bench jar>,"
                + " default options; \", AOT cache\": with -XX:AOTCache=<its cache, from one training run>) starts %s and"
                + " waits for it; %d samples per contender, taking turns; load average %.2f before, %.2f after%n",
                ColdStart.PROGRAM, these.get(0).runs().size(),
                settings.get("cold_load_average_before"), settings.get("cold_load_average_after"));
        out.printf("(a) main(): from the first line of main() to the child's exit; (b) java: the whole java process;"
                + " setup: Spawner.create(), within (a)%n");
        out.printf("%-38s %9s %8s %8s %9s %8s %8s %9s %8s %8s%n", "contender", "(a) ms", "p10", "p90", "(b) ms", "p10",
                "p90", "setup ms", "x PB (a)", "x PB (b)");
        for (Row r : these) {
            double pbMain = BenchReport.figure(rows, r.cell(), BenchReport.PB, 0);
            double pbWall = BenchReport.figure(rows, r.cell(), BenchReport.PB, 1);
            Samples main = r.figure(0);
            Samples wall = r.figure(1);
            String name = r.contender() + (r.cell().heap().equals(ColdStart.AOT_CELL) ? ", AOT cache" : "");
            out.printf("%-38s %9.1f %8.1f %8.1f %9.1f %8.1f %8.1f %9.1f %8s %8s%n", name, main.median() / 1e6,
                    main.percentile(10) / 1e6, main.percentile(90) / 1e6, wall.median() / 1e6,
                    wall.percentile(10) / 1e6, wall.percentile(90) / 1e6, r.figure(2).median() / 1e6,
                    ratio(main.median(), pbMain), ratio(wall.median(), pbWall));
        }
        out.flush();
    }

    private void printThroughput() {
        List<Row> these = rowsOf(Workload.THROUGHPUT);
        if (these.isEmpty()) {
            return;
        }
        out.println();
        out.printf("throughput: start+reap of sr-true with N children in flight, spawns per second, %d ms a run,"
                + " %d runs; x 2 loops: against two C vfork loops in parallel (one per core)%n",
                settings.get("throughput_ms_per_run"), these.get(0).runs().size());
        out.printf("%-9s %-44s %10s %10s %10s %10s %8s%n", "in flight", "contender", "median/s", "p10/s", "p90/s",
                "x 2 loops", "x PB");
        for (Row r : these) {
            double loops = BenchReport.rate(rows, r.cell(), "C vfork, 2 loops");
            double pb = BenchReport.rate(rows, r.cell(), "ProcessBuilder (default)");
            Samples s = r.rate();
            out.printf("%-9d %-44s %10.0f %10.0f %10.0f %10s %8s%n", r.cell().param(), r.contender(), s.median(),
                    s.percentile(10), s.percentile(90), ratio(s.median(), loops), ratio(s.median(), pb));
        }
        out.flush();
    }

    private void printLive() {
        List<Row> these = rowsOf(Workload.LIVE_CHILDREN);
        if (these.isEmpty()) {
            return;
        }
        out.println();
        out.printf("live children: %d children that sleep 2 s started back to back, then all reaped; median of %d"
                + " runs; threads and RSS added to the parent while they live%n", these.get(0).cell().param(),
                these.get(0).runs().size());
        if (these.stream().noneMatch(r -> r.contender().startsWith("NuProcess"))) {
            out.printf("(NuProcess left out: %s)%n", quick ? "--quick leaves out it and ProcessBuilder FORK"
                    : "it keeps three pipe ends per child open, more than this process's fd limit of "
                            + ProcStatus.maxOpenFiles());
        }
        out.printf("%-28s %12s %12s %14s %12s %10s %10s%n", "contender", "start all ms", "reap all ms",
                "threads added", "RSS add MiB", "x C start", "x PB start");
        for (Row r : these) {
            double c = BenchReport.figure(rows, r.cell(), "C vfork", 0);
            double pb = BenchReport.figure(rows, r.cell(), "ProcessBuilder (default)", 0);
            double start = r.figure(0).median();
            out.printf("%-28s %12.0f %12.0f %14.0f %12.1f %10s %10s%n", r.contender(), start / 1e6,
                    r.figure(1).median() / 1e6, r.figure(2).median(), r.figure(3).median() / 1024.0,
                    ratio(start, c), ratio(start, pb));
        }
        out.flush();
    }

    private void printOutput() {
        List<Row> these = rowsOf(Workload.OUTPUT);
        if (these.isEmpty()) {
            return;
        }
        out.println();
        out.printf("output: one child (sr-emit) writes %d MiB to stdout, read into Java with 64 KiB reads (C: read(2)"
                + " from a 1 MiB pipe); GB/s, %d runs%n", these.get(0).cell().param() >> 20, these.get(0).runs().size());
        out.printf("%-28s %10s %10s %10s %8s %8s%n", "contender", "GB/s", "p10", "p90", "x C", "x PB");
        for (Row r : these) {
            double c = BenchReport.rate(rows, r.cell(), "C vfork");
            double pb = BenchReport.rate(rows, r.cell(), "ProcessBuilder (default)");
            Samples s = r.rate();
            out.printf("%-28s %10.2f %10.2f %10.2f %8s %8s%n", r.contender(), s.median() / 1000,
                    s.percentile(10) / 1000, s.percentile(90) / 1000, ratio(s.median(), c), ratio(s.median(), pb));
        }
        out.flush();
    }

    private void printGoals(List<BenchReport.Goal> goals) {
        if (goals.isEmpty()) {
            return;
        }
        out.println();
        out.println("goals");
        for (BenchReport.Goal g : goals) {
            out.printf("(%s) %-10s %s: %s%n", g.number(), g.verdict(), g.goal(), g.figure());
        }
        out.flush();
    }
}
