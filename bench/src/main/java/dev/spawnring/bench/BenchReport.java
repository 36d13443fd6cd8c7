package dev.spawnring.bench;

import dev.spawnring.bench.BenchCommand.Row;
import dev.spawnring.bench.SpawnContenders.Cell;
import dev.spawnring.bench.SpawnContenders.Workload;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** What the benchmark makes of its rows: look-ups, the goals met or missed, the JSON, the chart's ratios. */
final class BenchReport {
    static final String PB = "ProcessBuilder (default)";
    static final String RING = "spawnring IO_URING";
    static final String SPAWNER = "spawnring Spawner IO_URING";

    private BenchReport() {
    }

    /** A goal of the README, met or missed (null: this run cannot judge it), with the figure that says so. */
    record Goal(String number, String goal, Boolean met, String figure) {
        String verdict() {
            return met == null ? "not judged" : met ? "met" : "MISSED";
        }
    }

    private static Optional<Row> row(List<Row> rows, Cell cell, String contender) {
        return rows.stream().filter(r -> r.cell().equals(cell) && r.contender().equals(contender)).findFirst();
    }

    private static Optional<Row> row(List<Row> rows, Predicate<Cell> cell, String contender) {
        return rows.stream().filter(r -> cell.test(r.cell()) && r.contender().equals(contender)).findFirst();
    }

    /** Median µs of a per-operation row, NaN when there is none. */
    static double median(List<Row> rows, Cell cell, String contender) {
        return row(rows, cell, contender).map(r -> r.samples().medianMicros()).orElse(Double.NaN);
    }

    /** Median rate (spawns/s, MB/s) of a row, NaN when there is none. */
    static double rate(List<Row> rows, Cell cell, String contender) {
        return row(rows, cell, contender).map(r -> r.rate().median()).orElse(Double.NaN);
    }

    /** Median of the {@code k}-th figure of a row, NaN when there is none. */
    static double figure(List<Row> rows, Cell cell, String contender, int k) {
        return row(rows, cell, contender).map(r -> r.figure(k).median()).orElse(Double.NaN);
    }

    private static Predicate<Cell> is(Workload w, boolean bigHeap) {
        return c -> c.workload() == w && !c.pathSearch() && c.heap().equals("small") != bigHeap;
    }

    private static double medianOf(List<Row> rows, Predicate<Cell> cell, String contender) {
        return row(rows, cell, contender).map(r -> r.samples().medianMicros()).orElse(Double.NaN);
    }

    /** The README's goals that this run's rows can judge. */
    static List<Goal> goals(List<Row> rows) {
        List<Goal> goals = new ArrayList<>();
        String ring = rows.stream().anyMatch(r -> r.contender().equals(RING)) ? RING : "spawnring FALLBACK";
        String spawner = rows.stream().anyMatch(r -> r.contender().equals(SPAWNER)) ? SPAWNER
                : "spawnring Spawner FALLBACK";

        Predicate<Cell> sr = is(Workload.START_REAP, false);
        double srRing = medianOf(rows, sr, ring);
        double srSpawner = medianOf(rows, sr, spawner);
        double srVfork = medianOf(rows, sr, "C vfork");
        double srPb = medianOf(rows, sr, PB);
        if (!Double.isNaN(srSpawner) && !Double.isNaN(srVfork)) {
            double x = srSpawner / srVfork;
            goals.add(new Goal("1a", "start-reap through the Spawner, inherited stdio, <= 1.15x the C vfork loop",
                    x <= 1.15, String.format("%s %.1f µs = %.2fx C vfork (%.1f µs); the ring itself (%s) %.1f µs ="
                            + " %.2fx", spawner, srSpawner, x, srVfork, ring, srRing, srRing / srVfork)));
        }
        Predicate<Cell> pipes = is(Workload.START_REAP_PIPES, false);
        double pSpawner = medianOf(rows, pipes, spawner);
        double pVfork = medianOf(rows, pipes, "C vfork");
        double pPb = medianOf(rows, pipes, PB);
        if (!Double.isNaN(pSpawner) && !Double.isNaN(pVfork)) {
            double x = pSpawner / pVfork;
            goals.add(new Goal("1b", "start-reap through the Spawner, the default three pipes, <= 1.3x the C"
                    + " three-pipe vfork loop", x <= 1.3, String.format("%s %.1f µs = %.2fx C vfork with three pipes"
                            + " (%.1f µs)", spawner, pSpawner, x, pVfork)));
        }
        if (!Double.isNaN(srSpawner) && !Double.isNaN(srPb)) {
            double faster = srPb / srSpawner;
            String fig = String.format("inherited stdio: %s %.1f µs, %.1fx faster than ProcessBuilder (%.1f µs)",
                    spawner, srSpawner, faster, srPb);
            boolean met = faster >= 10;
            if (!Double.isNaN(pSpawner) && !Double.isNaN(pPb)) {
                met &= pPb / pSpawner >= 10;
                fig += String.format("; three pipes: %.1f µs, %.1fx faster than ProcessBuilder (%.1f µs)", pSpawner,
                        pPb / pSpawner, pPb);
            }
            goals.add(new Goal("1c", "start-reap through the Spawner >= 10x faster than ProcessBuilder", met, fig));
        }

        Predicate<Cell> fi = is(Workload.FIRST_INSTRUCTION, false);
        Predicate<Cell> fiBig = is(Workload.FIRST_INSTRUCTION, true);
        double fiRing = medianOf(rows, fi, ring);
        double fiVfork = medianOf(rows, fi, "C vfork");
        double bigRing = medianOf(rows, fiBig, ring);
        double bigVfork = medianOf(rows, fiBig, "C vfork");
        if (!Double.isNaN(fiRing) && !Double.isNaN(fiVfork)) {
            double x = fiRing / fiVfork;
            boolean met = x <= 1.1;
            String fig = String.format("%s %.1f µs = %.2fx C vfork (%.1f µs)", ring, fiRing, x, fiVfork);
            if (!Double.isNaN(bigRing) && !Double.isNaN(bigVfork)) {
                String heap = row(rows, fiBig, ring).map(r -> r.cell().heap()).orElse("big");
                double bx = bigRing / bigVfork;
                met &= bx <= 1.1 && bigRing / fiRing <= 1.1;
                fig += String.format("; %s parent %.1f µs = %.2fx C vfork (%.1f µs), %.2fx the small parent", heap,
                        bigRing, bx, bigVfork, bigRing / fiRing);
            }
            goals.add(new Goal("2", "first instruction <= 1.1x the C vfork loop, a big heap changes nothing", met, fig));
        }

        List<Row> tp = rows.stream().filter(r -> r.cell().workload() == Workload.THROUGHPUT
                && r.contender().equals(spawner)).toList();
        if (!tp.isEmpty()) {
            // Judged at 2, 4 and 16 in flight (each must reach 0.9x); 1 in flight is shown, not judged.
            boolean met = true;
            int judged = 0;
            StringBuilder each = new StringBuilder();
            for (Row r : tp) {
                double loops = rate(rows, r.cell(), "C vfork, 2 loops");
                double x = r.rate().median() / loops;
                each.append(String.format("%s%d in flight %.0f/s = %.2fx (two C loops %.0f/s)",
                        each.isEmpty() ? "" : ", ", r.cell().param(), r.rate().median(), x, loops));
                if (r.cell().param() >= 2) {
                    met &= x >= 0.9;
                    judged++;
                }
            }
            // Shown beside, not judged: the same Spawner with platform-thread workers.
            String platform = spawner + ", platform threads";
            StringBuilder onPlatform = new StringBuilder();
            rows.stream().filter(r -> r.cell().workload() == Workload.THROUGHPUT && r.contender().equals(platform))
                    .forEach(r -> onPlatform.append(String.format("%s%d in flight %.2fx",
                            onPlatform.isEmpty() ? "" : ", ", r.cell().param(),
                            r.rate().median() / rate(rows, r.cell(), "C vfork, 2 loops"))));
            goals.add(new Goal("3", "throughput with 2, 4 and 16 in flight >= 0.9x two C vfork loops in parallel",
                    judged == 0 ? null : met, spawner + ": " + each
                            + (onPlatform.isEmpty() ? "" : "; with platform threads (not judged): " + onPlatform)));
        }

        row(rows, c -> c.workload() == Workload.LIVE_CHILDREN, spawner).ifPresent(r -> {
            double start = r.figure(0).median() / 1e9;
            double threads = r.figure(2).median();
            long n = r.cell().param();
            goals.add(new Goal("5", "all 10,000 live children started in under 1.5 s, no thread per child",
                    n < 10_000 ? null : start < 1.5 && threads <= 4, String.format("%s: %,d started in %.2f s, %.0f threads"
                            + " added, %.0f MiB RSS added%s", spawner, n, start, threads, r.figure(3).median() / 1024,
                            n < 10_000 ? " (fewer than 10,000 children)" : "")));
        });

        rows.stream().filter(r -> r.cell().workload() == Workload.COLD_START && r.contender().startsWith("spawnring"))
                .findFirst().ifPresent(r -> {
                    double mine = r.figure(0).median();
                    double pb = figure(rows, r.cell(), PB, 0);
                    goals.add(new Goal("7", "cold start: main() to the child's exit in a fresh JVM <= ProcessBuilder's",
                            mine <= pb, String.format("%s %.1f ms = %.2fx ProcessBuilder (%.1f ms); the whole java"
                                    + " process %.1f ms against %.1f ms", r.contender(), mine / 1e6, mine / pb,
                                    pb / 1e6, r.figure(1).median() / 1e6, figure(rows, r.cell(), PB, 1) / 1e6)));
                });

        row(rows, c -> c.workload() == Workload.OUTPUT, spawner).ifPresent(r -> {
            double mine = r.rate().median();
            double pb = rate(rows, r.cell(), PB);
            goals.add(new Goal("6", "output read >= 1.5x ProcessBuilder's throughput", mine / pb >= 1.5,
                    String.format("%s %.2f GB/s = %.2fx ProcessBuilder (%.2f GB/s)", spawner, mine / 1000, mine / pb,
                            pb / 1000)));
        });
        return goals;
    }

    /** Everything measured, for {@code --json}. */
    static Map<String, Object> json(Map<String, Object> settings, List<Row> rows, List<Map<String, Object>> nops,
            List<Goal> goals) {
        Map<String, Object> top = new LinkedHashMap<>(settings);
        List<Object> out = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", r.cell().workload().label);
            m.put("parent", r.cell().heap());
            m.put("path_search", r.cell().pathSearch());
            m.put("param", r.cell().param());
            m.put("contender", r.contender());
            switch (r.cell().workload()) {
                case START_REAP, START_REAP_PIPES, FIRST_INSTRUCTION, CAPTURE -> {
                    m.put("median_us", r.samples().medianMicros());
                    m.put("p10_us", r.samples().percentileMicros(10));
                    m.put("p90_us", r.samples().percentileMicros(90));
                    m.put("samples_ns", Arrays.stream(r.samples().nanos()).boxed().toList());
                }
                case THROUGHPUT -> {
                    m.put("median_spawns_per_s", r.rate().median());
                    m.put("runs_completed_elapsed_ns", r.runs().stream().map(a -> Arrays.stream(a).boxed().toList())
                            .toList());
                }
                case OUTPUT -> {
                    m.put("median_gb_per_s", r.rate().median() / 1000);
                    m.put("runs_bytes_elapsed_ns", r.runs().stream().map(a -> Arrays.stream(a).boxed().toList())
                            .toList());
                }
                case COLD_START -> {
                    m.put("median_main_to_exit_ms", r.figure(0).median() / 1e6);
                    m.put("median_java_wall_ms", r.figure(1).median() / 1e6);
                    m.put("median_setup_ms", r.figure(2).median() / 1e6);
                    m.put("runs_main_to_exit_ns_wall_ns_setup_ns", r.runs().stream()
                            .map(a -> Arrays.stream(a).boxed().toList()).toList());
                }
                case LIVE_CHILDREN -> {
                    m.put("median_start_all_ms", r.figure(0).median() / 1e6);
                    m.put("median_reap_all_ms", r.figure(1).median() / 1e6);
                    m.put("median_threads_added", r.figure(2).median());
                    m.put("median_rss_added_kb", r.figure(3).median());
                    m.put("runs_start_ns_reap_ns_threads_rss_kb", r.runs().stream()
                            .map(a -> Arrays.stream(a).boxed().toList()).toList());
                }
            }
            out.add(m);
        }
        top.put("rows", out);
        top.put("nop_round_trip", nops);
        List<Object> g = new ArrayList<>();
        for (Goal goal : goals) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("goal", goal.number());
            m.put("text", goal.goal());
            m.put("met", goal.met());
            m.put("figure", goal.figure());
            g.add(m);
        }
        top.put("goals", g);
        return top;
    }

    /** One bar of the chart: how many times faster than ProcessBuilder (default) a contender is on a workload. */
    record Speedup(String category, String series, double value) {
    }

    /** The series the chart shows, each named after the rows it takes. */
    static final List<String> SERIES = List.of(RING, SPAWNER, "C vfork", "ProcessBuilder FORK", "NuProcess 3.0.0");

    static List<Speedup> speedups(List<Row> rows) {
        List<Speedup> out = new ArrayList<>();
        for (Row r : rows) {
            if (!SERIES.contains(r.contender())) {
                continue;
            }
            Cell c = r.cell();
            String category = switch (c.workload()) {
                case START_REAP -> "start+reap" + (c.pathSearch() ? ", PATH" : "") + heap(c);
                case START_REAP_PIPES -> "start+reap, 3 pipes";
                case FIRST_INSTRUCTION -> "first instr." + (c.pathSearch() ? ", PATH" : "") + heap(c);
                case THROUGHPUT -> "spawns/s, " + c.param() + " in flight";
                case LIVE_CHILDREN -> String.format("start %,d live", c.param());
                case OUTPUT -> "output GB/s";
                case CAPTURE -> "capture a line";
                case COLD_START -> c.heap().equals(ColdStart.AOT_CELL) ? "cold start, AOT cache" : "cold start";
            };
            double value = switch (c.workload()) {
                case START_REAP, START_REAP_PIPES, FIRST_INSTRUCTION, CAPTURE -> median(rows, c, PB) / r.samples().medianMicros();
                case THROUGHPUT, OUTPUT -> r.rate().median() / rate(rows, c, PB);
                case LIVE_CHILDREN, COLD_START -> figure(rows, c, PB, 0) / r.figure(0).median();
            };
            if (c.workload() == Workload.THROUGHPUT && c.param() != 1 && c.param() != 16) {
                continue;
            }
            if (!Double.isNaN(value) && value > 0) {
                out.add(new Speedup(category, r.contender(), value));
            }
        }
        return out;
    }

    private static String heap(Cell c) {
        return c.heap().equals("small") ? "" : ", " + c.heap();
    }
}
