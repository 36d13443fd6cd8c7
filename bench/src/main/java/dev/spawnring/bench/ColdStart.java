package dev.spawnring.bench;

import dev.spawnring.Command;
import dev.spawnring.Spawner;
import dev.spawnring.bench.BenchCommand.Row;
import dev.spawnring.bench.SpawnContenders.Cell;
import dev.spawnring.bench.SpawnContenders.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The cold-start section: what a fresh JVM pays to start one program and wait for it. Each
 * sample is a new {@code java} process (the bench's own jar on the class path, the JVM's
 * default options plus {@code --enable-native-access=ALL-UNNAMED}) running this class's
 * {@link #main}, which starts the program with spawnring's {@code Spawner} or with
 * {@code ProcessBuilder} and waits for it. Two figures per sample: (a) from the first line
 * of {@code main} to the child's exit, timed inside the JVM, and (b) the whole {@code java}
 * process, timed by the bench from before it is started until it has exited. The contenders
 * take turns, sample by sample (the order flipped every other sample), after one untimed run
 * each (which also leaves spawnring's library in its per-user cache, where every later JVM
 * finds it). Then the same again with an AOT cache per contender (JDK 25's
 * {@code -XX:AOTCacheOutput}, made by one training run of the same program): what a program
 * that ships such a cache pays.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp spawnring-bench.jar dev.spawnring.bench.ColdStart spawnring|processbuilder PROGRAM
 * </pre>
 *
 * prints {@code cold MAIN_TO_EXIT_NS SETUP_NS BACKEND}: the setup is {@code Spawner.create()}
 * (0 for ProcessBuilder), the backend the Spawner's ({@code -} for ProcessBuilder).
 */
public final class ColdStart {
    /** The cell of the samples whose JVMs have an AOT cache. */
    static final String AOT_CELL = "fresh JVM, AOT cache";
    /** What the child JVMs start. */
    static final String PROGRAM = "/bin/true";

    private ColdStart() {
    }

    /**
     * One sample, in a fresh JVM.
     *
     * @param args {@code spawnring} or {@code processbuilder}, then the program
     */
    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        // Each contender in a class of its own, so that the other's classes are never loaded.
        String[] setupAndBackend = args[0].equals("spawnring") ? WithSpawner.run(args[1], start)
                : WithProcessBuilder.run(args[1]);
        long end = System.nanoTime();
        System.out.println("cold " + (end - start) + " " + setupAndBackend[0] + " " + setupAndBackend[1]);
    }

    private static final class WithSpawner {
        static String[] run(String program, long start) throws Exception {
            try (Spawner spawner = Spawner.create()) {
                long setup = System.nanoTime() - start;
                int code = spawner.spawn(Command.of(program).inheritIO()).waitFor().code();
                if (code != 0) {
                    throw new IllegalStateException(program + " exited " + code);
                }
                return new String[] {Long.toString(setup), spawner.backend().name()};
            }
        }
    }

    private static final class WithProcessBuilder {
        static String[] run(String program) throws Exception {
            int code = new ProcessBuilder(program).inheritIO().start().waitFor();
            if (code != 0) {
                throw new IllegalStateException(program + " exited " + code);
            }
            return new String[] {"0", "-"};
        }
    }

    /** A sample: {main to exit, java wall time, setup} in ns, and the backend. */
    private record Sample(long[] figures, String backend) {
    }

    /**
     * Runs {@code samples} cold starts per contender, taking turns, with default JVMs and then
     * with an AOT cache each.
     *
     * @return spawnring's row (named after the backend its Spawners chose), then ProcessBuilder's,
     *         for the default JVMs; then the two of the {@link #AOT_CELL}
     */
    static List<Row> run(int samples, Consumer<String> progress) throws IOException, InterruptedException {
        progress.accept("cold start: one untimed run each");
        sample("spawnring", List.of());
        sample("processbuilder", List.of());
        List<Row> rows = new ArrayList<>(run(new Cell(Workload.COLD_START, "fresh JVM", List.of(PROGRAM)), "", samples,
                List.of(), List.of(), progress));
        Path dir = Files.createTempDirectory("spawnring-cold-aot-");
        try {
            Path mine = dir.resolve("spawnring.aot");
            Path theirs = dir.resolve("processbuilder.aot");
            progress.accept("cold start: one training run each for its AOT cache");
            sample("spawnring", List.of("-XX:AOTCacheOutput=" + mine));
            sample("processbuilder", List.of("-XX:AOTCacheOutput=" + theirs));
            rows.addAll(run(new Cell(Workload.COLD_START, AOT_CELL, List.of(PROGRAM)), ", AOT cache",
                    samples, List.of("-XX:AOTCache=" + mine), List.of("-XX:AOTCache=" + theirs), progress));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
        return rows;
    }

    /** The samples of one cell, the contenders taking turns, each JVM started with its options. */
    private static List<Row> run(Cell cell, String suffix, int samples, List<String> mine, List<String> theirs,
            Consumer<String> progress) throws IOException, InterruptedException {
        List<long[]> spawnring = new ArrayList<>();
        List<long[]> pb = new ArrayList<>();
        String backend = "";
        for (int i = 0; i < samples; i++) {
            if (i % 10 == 0) {
                progress.accept(String.format("cold start%s: samples %d-%d of %d", suffix, i + 1,
                        Math.min(samples, i + 10), samples));
            }
            for (String who : i % 2 == 0 ? List.of("spawnring", "processbuilder") : List.of("processbuilder", "spawnring")) {
                Sample s = sample(who, who.equals("spawnring") ? mine : theirs);
                if (who.equals("spawnring")) {
                    spawnring.add(s.figures());
                    backend = s.backend();
                } else {
                    pb.add(s.figures());
                }
            }
        }
        return List.of(new Row(cell, "spawnring Spawner " + backend, spawnring), new Row(cell, BenchReport.PB, pb));
    }

    /** One fresh JVM, with {@code options} before the default ones. */
    private static Sample sample(String who, List<String> options) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options);
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ColdStart.class.getName(), who, PROGRAM));
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        long wall = System.nanoTime() - start;
        String line = out.lines().filter(l -> l.startsWith("cold ")).findFirst().orElse(null);
        if (code != 0 || line == null) {
            throw new IOException("cold start of " + who + " failed (exit " + code + "): " + out);
        }
        String[] w = line.split(" ");
        return new Sample(new long[] {Long.parseLong(w[1]), wall, Long.parseLong(w[2])}, w[3]);
    }

    /** The load average over the last minute, from /proc/loadavg, or NaN. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
