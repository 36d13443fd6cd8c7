package dev.spawnring.bench;

import dev.spawnring.bench.SpawnContenders.Cell;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The child JVM of {@code spawnring bench} that runs {@code ProcessBuilder} with a launch
 * mechanism or PATH of its own ({@code jdk.lang.Process.launchMechanism} is read once per JVM,
 * and ProcessBuilder searches the JVM's own PATH):
 *
 * <pre>
 * java -Djdk.lang.Process.launchMechanism=FORK -cp spawnring.jar dev.spawnring.bench.BenchWorker TOUCH_MB
 * </pre>
 *
 * It first touches TOUCH_MB of heap (the big-parent cells), then reads one cell a line on stdin
 * ({@code WORKLOAD N PARAM CANDIDATE...}) and answers each with {@code ok FIGURE...} (the
 * samples in ns, or one run's figures) or {@code error MESSAGE}, until stdin ends.
 */
public final class BenchWorker {
    private BenchWorker() {
    }

    public static void main(String[] args) throws Exception {
        int touchMb = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        byte[][] ballast = BenchCommand.touch(touchMb);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) {
                continue;
            }
            try {
                int[] n = new int[1];
                Cell cell = Cell.parse(line, n);
                long[] figures = ProcessBuilderRuns.run(cell, n[0]);
                out.println("ok " + Arrays.stream(figures).mapToObj(Long::toString).collect(Collectors.joining(" ")));
            } catch (Exception e) {
                out.println("error " + String.valueOf(e).replace('\n', ' '));
            }
            out.flush();
        }
        java.lang.ref.Reference.reachabilityFence(ballast);
    }
}
