package dev.spawnring.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spawnring.bench.BenchCommand.Row;
import dev.spawnring.bench.SpawnContenders.Cell;
import dev.spawnring.cli.Json;
import dev.spawnring.bench.SpawnContenders.Workload;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The benchmark's arithmetic and formats, on made-up figures: no timing is measured or asserted here. */
class BenchFiguresTest {
    @Test
    void percentilesAreNearestRank() {
        Samples s = new Samples(new long[] {5000, 1000, 4000, 2000, 3000, 6000, 7000, 8000, 9000, 10000});
        assertEquals(1.0, s.percentileMicros(10));
        assertEquals(5.0, s.medianMicros());
        assertEquals(9.0, s.percentileMicros(90));
        assertEquals(10.0, s.percentileMicros(100));
        assertEquals(5000.0, s.median());
        assertTrue(Double.isNaN(new Samples(new long[0]).median()));
    }

    @Test
    void concatKeepsEverySampleSorted() {
        Samples s = Samples.concat(new Samples(new long[] {3, 1}), new long[] {2});
        assertEquals(List.of(1L, 2L, 3L), java.util.Arrays.stream(s.nanos()).boxed().toList());
    }

    @Test
    void procStatusReadsThreadsAndRss() {
        String status = "Name:\tjava\nVmPeak:\t 9000 kB\nVmRSS:\t   123456 kB\nRssAnon:\t 1 kB\nThreads:\t27\n";
        assertEquals(new ProcStatus(27, 123456), ProcStatus.parse(status));
        assertEquals(new ProcStatus(-1, -1), ProcStatus.parse("Name:\tx\n"));
        assertEquals(20000, ProcStatus.parseMaxOpenFiles("Limit                     Soft Limit           Hard Limit"
                + "           Units     \nMax open files            20000                20000                files     \n"));
        assertEquals(Long.MAX_VALUE, ProcStatus.parseMaxOpenFiles("Max open files unlimited unlimited files\n"));
        ProcStatus self = ProcStatus.self();
        assertTrue(self.threads() > 0 && self.rssKb() > 0, self.toString());
    }

    @Test
    void workerLinesRoundTrip() {
        Cell cell = new Cell(Workload.THROUGHPUT, "small", List.of("/a/sr-true"), 16);
        int[] n = new int[1];
        Cell back = Cell.parse(cell.toLine(250), n);
        assertEquals(250, n[0]);
        assertEquals(Workload.THROUGHPUT, back.workload());
        assertEquals(16, back.param());
        assertEquals(List.of("/a/sr-true"), back.candidates());
        assertEquals("sr-true", back.programName());
        assertThrows(IllegalArgumentException.class, () -> Cell.parse("start-reap 3", n));
        assertThrows(IllegalArgumentException.class, () -> Cell.parse("nope 3 0 /x", n));
    }

    @Test
    void ratesComeFromCountAndElapsedTime() {
        Cell tp = new Cell(Workload.THROUGHPUT, "small", List.of("/x"), 4);
        Row r = new Row(tp, "c", List.of(new long[] {1000, 500_000_000L}, new long[] {3000, 1_000_000_000L}));
        assertEquals(List.of(2000L, 3000L), java.util.Arrays.stream(r.rate().nanos()).boxed().toList());
        Cell out = new Cell(Workload.OUTPUT, "small", List.of("/x"), 1 << 30);
        Row o = new Row(out, "c", List.<long[]>of(new long[] {2_000_000_000L, 1_000_000_000L}));
        assertEquals(2000.0, o.rate().median()); // MB/s
    }

    @Test
    void goalsAreJudgedFromTheRows() {
        Cell sr = new Cell(Workload.START_REAP, "small", List.of("/x"));
        Cell pipes = new Cell(Workload.START_REAP_PIPES, "small", List.of("/x"));
        List<Row> rows = List.of(
                new Row(sr, BenchReport.RING, List.<long[]>of(new long[] {80_000})),
                new Row(sr, BenchReport.SPAWNER, List.<long[]>of(new long[] {100_000})),
                new Row(sr, "C vfork", List.<long[]>of(new long[] {90_000})),
                new Row(sr, BenchReport.PB, List.<long[]>of(new long[] {1_100_000})),
                new Row(pipes, BenchReport.SPAWNER, List.<long[]>of(new long[] {140_000})),
                new Row(pipes, "C vfork", List.<long[]>of(new long[] {100_000})),
                new Row(pipes, BenchReport.PB, List.<long[]>of(new long[] {1_500_000})));
        List<BenchReport.Goal> goals = BenchReport.goals(rows);
        assertEquals(List.of("1a", "1b", "1c"), goals.stream().map(BenchReport.Goal::number).toList());
        assertTrue(goals.get(0).met(), goals.get(0).figure()); // 1.11x C
        assertEquals(false, goals.get(1).met(), goals.get(1).figure()); // 1.4x the three-pipe C loop
        assertTrue(goals.get(2).met(), goals.get(2).figure()); // 11x and 10.7x faster than ProcessBuilder
        assertTrue(goals.get(1).figure().contains("1.40x C vfork with three pipes (100.0 µs)"), goals.get(1).figure());
        List<BenchReport.Speedup> speedups = BenchReport.speedups(rows);
        assertEquals(5, speedups.size()); // ring, Spawner and C vfork; Spawner and C in the pipes cell
        assertEquals(11.0, speedups.get(1).value(), 1e-9);
    }

    @Test
    void throughputIsJudgedAtTwoFourAndSixteenInFlight() {
        List<Row> rows = new java.util.ArrayList<>();
        for (long k : new long[] {1, 2, 4, 16}) {
            Cell tp = new Cell(Workload.THROUGHPUT, "small", List.of("/x"), k);
            long mine = k == 1 ? 5_000 : k == 4 ? 17_000 : 19_000; // 1 in flight is shown, not judged
            rows.add(new Row(tp, BenchReport.SPAWNER, List.<long[]>of(new long[] {mine, 1_000_000_000L})));
            rows.add(new Row(tp, "C vfork, 2 loops", List.<long[]>of(new long[] {20_000, 1_000_000_000L})));
        }
        List<BenchReport.Goal> goals = BenchReport.goals(rows);
        assertEquals("3", goals.get(0).number());
        assertEquals(false, goals.get(0).met(), goals.get(0).figure()); // 4 in flight: 0.85x
        assertTrue(goals.get(0).figure().contains("4 in flight 17000/s = 0.85x"), goals.get(0).figure());
    }

    @Test
    void theColdStartGoalComparesMainToExitWithProcessBuilders() {
        Cell cold = new Cell(Workload.COLD_START, "fresh JVM", List.of("/bin/true"));
        // {main() to exit, whole java process, setup} per fresh JVM, in ns
        List<Row> rows = List.of(
                new Row(cold, "spawnring Spawner IO_URING", List.of(new long[] {90_000_000, 300_000_000, 60_000_000},
                        new long[] {110_000_000, 320_000_000, 70_000_000}, new long[] {100_000_000, 310_000_000, 65_000_000})),
                new Row(cold, BenchReport.PB, List.of(new long[] {120_000_000, 280_000_000, 0},
                        new long[] {100_000_000, 290_000_000, 0}, new long[] {110_000_000, 285_000_000, 0})));
        List<BenchReport.Goal> goals = BenchReport.goals(rows);
        assertEquals(1, goals.size());
        assertEquals("7", goals.get(0).number());
        assertTrue(goals.get(0).met(), goals.get(0).figure()); // 100 ms against 110 ms
        assertTrue(goals.get(0).figure().contains("spawnring Spawner IO_URING 100.0 ms = 0.91x ProcessBuilder (110.0 ms)"),
                goals.get(0).figure());
        Map<String, Object> json = BenchReport.json(Map.of(), rows, List.of(), goals);
        String text = Json.write(json);
        assertTrue(text.contains("\"median_main_to_exit_ms\":100.0"), text);
        assertTrue(text.contains("\"median_java_wall_ms\":310.0"), text);
        assertEquals(1.1, BenchReport.speedups(rows).get(0).value(), 1e-9);
    }

    @Test
    void jsonEscapesAndNests() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\nd\u0001");
        m.put("n", List.of(1, 2.5, true));
        m.put("null", null);
        assertEquals("{\"s\":\"a\\\"b\\\\c\\nd\\u0001\",\"n\":[1,2.5,true],\"null\":null}", Json.write(m));
    }
}
