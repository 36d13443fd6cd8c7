package dev.spawnring.cli;

import dev.spawnring.cli.SpawnContenders.Cell;
import dev.spawnring.cli.SpawnContenders.Contender;
import dev.spawnring.cli.SpawnContenders.FloorContender;
import dev.spawnring.cli.SpawnContenders.ProcessBuilderContender;
import dev.spawnring.cli.SpawnContenders.RingContender;
import dev.spawnring.cli.SpawnContenders.Workload;
import dev.spawnring.sys.NativeLibrary;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code spawnring bench}: spawnring against the C floor (vfork+execve, posix_spawn)
 * and {@code ProcessBuilder}, side by side in one run, contenders alternating in
 * rounds so that drift on a shared machine hits them alike.
 *
 * <p>Workloads: the proposal's "time to the child's first instruction" (a static
 * program without libc stamps {@code CLOCK_MONOTONIC_RAW} onto fd 4 as its first
 * act) and "start and reap"; each with the program named by path and found by a
 * six-directory {@code $PATH} search, with a small parent and with one holding a
 * touched heap.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time spawnring against the C floor and ProcessBuilder in one run and print a table.")
public final class BenchCommand implements Callable<Integer> {
    private static final int ROUNDS = 5;

    @Option(names = "--quick", description = "500 samples a cell instead of 2,000 (under a minute).")
    boolean quick;

    @Option(names = "--iterations", paramLabel = "N", description = "Samples per cell and contender (default 2000).")
    Integer iterations;

    @Option(names = "--heap-mb", paramLabel = "MB", defaultValue = "1024",
            description = "Touched heap of the big-parent cells, in MiB (default ${DEFAULT-VALUE}; 0 skips them).")
    int heapMb;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write every sample (ns) to FILE.")
    Path json;

    @Spec
    CommandSpec spec;

    /** Holds the big parent's heap while its cells run. */
    private byte[][] ballast;

    @Override
    public Integer call() throws Exception {
        int n = iterations != null ? iterations : quick ? 500 : 2000;
        if (n < ROUNDS) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--iterations must be at least " + ROUNDS);
        }
        Path stamp = NativeLibrary.program("sr-stamp");
        Path trueBin = NativeLibrary.program("sr-true");
        Path floor = NativeLibrary.program("sr-floor");
        Path pathRoot = Files.createTempDirectory("spawnring-bench-path");
        try {
            List<String> stampSearch = pathCandidates(pathRoot, stamp);
            List<String> trueSearch = pathCandidates(pathRoot, trueBin);
            List<Row> rows = new ArrayList<>();
            List<Cell> small = List.of(
                    new Cell(Workload.FIRST_INSTRUCTION, "small", List.of(stamp.toString())),
                    new Cell(Workload.FIRST_INSTRUCTION, "small", stampSearch),
                    new Cell(Workload.START_REAP, "small", List.of(trueBin.toString())),
                    new Cell(Workload.START_REAP, "small", trueSearch));
            try (Contenders c = new Contenders(floor, 0)) {
                for (Cell cell : small) {
                    rows.addAll(runCell(cell, c.all, n));
                }
            }
            if (heapMb > 0) {
                touchHeap(heapMb);
                String heap = heapMb + " MiB";
                List<Cell> big = List.of(
                        new Cell(Workload.FIRST_INSTRUCTION, heap, List.of(stamp.toString())),
                        new Cell(Workload.START_REAP, heap, List.of(trueBin.toString())));
                try (Contenders c = new Contenders(floor, heapMb)) {
                    for (Cell cell : big) {
                        rows.addAll(runCell(cell, c.all, n));
                    }
                }
                ballast = null;
            }
            print(rows, n);
            printNopThroughput(quick ? 5_000 : 20_000);
            if (json != null) {
                writeJson(rows, n);
            }
        } finally {
            for (Path p : Files.walk(pathRoot).sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        return Main.EXIT_OK;
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

        Contenders(Path floor, long touchMb) throws IOException {
            if (Ring.ioUringUnavailableReason() == null) {
                all.add(new RingContender(Backend.IO_URING));
            }
            all.add(new RingContender(Backend.FALLBACK));
            all.add(new FloorContender("vfork", floor, touchMb));
            all.add(new FloorContender("posix_spawn", floor, touchMb));
            all.add(new ProcessBuilderContender());
        }

        @Override
        public void close() {
            all.forEach(Contender::close);
        }
    }

    record Row(Cell cell, String contender, Samples samples) {
    }

    private List<Row> runCell(Cell cell, List<Contender> contenders, int n) throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Map<Contender, Samples> got = new LinkedHashMap<>();
        for (Contender c : contenders) {
            if (c.supports(cell)) {
                c.run(cell, Math.max(1, n / 10)); // warm-up, discarded
                got.put(c, new Samples(new long[0]));
            }
        }
        for (int round = 0; round < ROUNDS; round++) {
            err.printf("bench: %s, %s parent%s: round %d/%d%n", cell.workload().label, cell.heap(),
                    cell.pathSearch() ? ", PATH search" : "", round + 1, ROUNDS);
            err.flush();
            for (Map.Entry<Contender, Samples> e : got.entrySet()) {
                e.setValue(Samples.concat(e.getValue(), e.getKey().run(cell, n / ROUNDS)));
            }
        }
        List<Row> rows = new ArrayList<>();
        got.forEach((c, s) -> rows.add(new Row(cell, c.name(), s)));
        return rows;
    }

    private void touchHeap(int mb) {
        int chunks = (mb + 63) / 64;
        ballast = new byte[chunks][];
        for (int i = 0; i < chunks; i++) {
            ballast[i] = new byte[64 << 20];
            for (int j = 0; j < ballast[i].length; j += 4096) {
                ballast[i][j] = 1;
            }
        }
    }

    private void print(List<Row> rows, int n) {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("spawnring bench, %s, %d samples per cell, %d cores, kernel %s%n", LocalDate.now(), n,
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"));
        out.printf("%-18s %-9s %-6s %-28s %9s %9s %9s %8s %8s%n", "workload", "parent", "PATH", "contender",
                "median µs", "p10 µs", "p90 µs", "x vfork", "x PB");
        for (Row r : rows) {
            double vfork = median(rows, r.cell(), "C vfork");
            double pb = medianStartsWith(rows, r.cell(), "ProcessBuilder");
            double m = r.samples().medianMicros();
            out.printf("%-18s %-9s %-6s %-28s %9.1f %9.1f %9.1f %8.2f %8s%n", r.cell().workload().label, r.cell().heap(),
                    r.cell().pathSearch() ? "6 dirs" : "-", r.contender(), m, r.samples().percentileMicros(10),
                    r.samples().percentileMicros(90), m / vfork, Double.isNaN(pb) ? "-" : String.format("%.2f", m / pb));
        }
        out.flush();
    }

    /** The ring alone: batches of 32 NOPs submitted and reaped, per backend, rounds alternating. */
    private void printNopThroughput(int batches) throws IOException {
        List<Backend> backends = new ArrayList<>();
        if (Ring.ioUringUnavailableReason() == null) {
            backends.add(Backend.IO_URING);
        }
        backends.add(Backend.FALLBACK);
        Map<Backend, Samples> perNop = new LinkedHashMap<>();
        List<Ring> rings = new ArrayList<>();
        try {
            for (Backend b : backends) {
                Ring ring = Ring.open(64, b);
                rings.add(ring);
                nopBatches(ring, batches / 10); // warm-up
                perNop.put(b, new Samples(new long[0]));
            }
            for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < backends.size(); i++) {
                    long t0 = System.nanoTime();
                    nopBatches(rings.get(i), batches / ROUNDS);
                    long perOp = (System.nanoTime() - t0) / ((long) (batches / ROUNDS) * 32);
                    perNop.put(backends.get(i), Samples.concat(perNop.get(backends.get(i)), new long[] {perOp}));
                }
            }
        } finally {
            rings.forEach(Ring::close);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%nring round trip: batches of 32 NOPs submitted and reaped, %d batches, median of %d rounds%n",
                batches, ROUNDS);
        out.printf("%-10s %12s %14s%n", "backend", "ns per NOP", "NOPs per s");
        perNop.forEach((b, s) -> out.printf("%-10s %12.0f %14.0f%n", b, s.medianMicros() * 1000,
                1e9 / (s.medianMicros() * 1000)));
        out.flush();
    }

    private static void nopBatches(Ring ring, int batches) throws IOException {
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < 32; i++) {
                ring.getSqe().prepNop().userData(i);
            }
            ring.submitAndWait(32);
            for (int i = 0; i < 32; i++) {
                ring.cqeSeen(ring.waitCqe());
            }
        }
    }

    private static double median(List<Row> rows, Cell cell, String contender) {
        return rows.stream().filter(r -> r.cell() == cell && r.contender().equals(contender))
                .mapToDouble(r -> r.samples().medianMicros()).findFirst().orElse(Double.NaN);
    }

    private static double medianStartsWith(List<Row> rows, Cell cell, String prefix) {
        return rows.stream().filter(r -> r.cell() == cell && r.contender().startsWith(prefix))
                .mapToDouble(r -> r.samples().medianMicros()).findFirst().orElse(Double.NaN);
    }

    private void writeJson(List<Row> rows, int n) throws IOException {
        List<Object> out = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", r.cell().workload().label);
            m.put("parent", r.cell().heap());
            m.put("path_search", r.cell().pathSearch());
            m.put("contender", r.contender());
            m.put("median_us", r.samples().medianMicros());
            m.put("samples_ns", java.util.Arrays.stream(r.samples().nanos()).boxed().toList());
            out.add(m);
        }
        Files.writeString(json, Json.write(Map.of("date", LocalDate.now().toString(), "samples_per_cell", n, "rows", out)));
    }
}
