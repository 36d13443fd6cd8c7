package dev.spawnring.bench;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.ExitStatus;
import dev.spawnring.SpawnException;
import dev.spawnring.Spawner;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Cqe;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The ways the benchmark starts a program, each timed the same way. */
final class SpawnContenders {
    private SpawnContenders() {
    }

    /** What is timed. */
    enum Workload {
        /** From just before the spawn to the stamp the child writes to fd 4 (or 1) as its first act. */
        FIRST_INSTRUCTION("first-instruction"),
        /** From just before the spawn until the child has been reaped. */
        START_REAP("start-reap"),
        /**
         * The same with the child's stdin, stdout and stderr pipes (spawnring's default): from
         * just before the spawn until stdin is closed, stdout and stderr read to their end and
         * the child reaped.
         */
        START_REAP_PIPES("start-reap-pipes"),
        /**
         * Spawns per second with {@link Cell#param} children in flight, each started as soon as
         * one is reaped, for {@code n} ms; a run gives {@code {completed, elapsed ns}}.
         */
        THROUGHPUT("throughput"),
        /**
         * {@link Cell#param} children started back to back (they sleep 2 s), then all reaped; a
         * run gives {@code {ns to start all, ns to reap all, threads added, RSS kB added}}.
         */
        LIVE_CHILDREN("live-children"),
        /** One child writes {@link Cell#param} bytes to stdout, read to the end; a run gives {@code {bytes, ns}}. */
        OUTPUT("output"),
        /** From just before the spawn until the child's one line is captured and the child reaped. */
        CAPTURE("capture-line"),
        /**
         * A fresh JVM starts one child and waits for it ({@link ColdStart}); a run gives
         * {@code {ns from main() to the child's exit, ns of the whole java process, ns of setup}}.
         */
        COLD_START("cold-start");

        final String label;

        Workload(String label) {
            this.label = label;
        }

        /** Whether a run gives one sample per operation (else one figure set per run). */
        boolean perOp() {
            return this == FIRST_INSTRUCTION || this == START_REAP || this == START_REAP_PIPES || this == CAPTURE;
        }

        static Workload of(String label) {
            for (Workload w : values()) {
                if (w.label.equals(label)) {
                    return w;
                }
            }
            throw new IllegalArgumentException("no workload " + label);
        }
    }

    /**
     * One cell of a table: a workload, the parent's size, the candidates to exec (more than one:
     * a PATH search, the last one being the program) and the workload's parameter.
     */
    record Cell(Workload workload, String heap, List<String> candidates, long param) {
        Cell {
            candidates = List.copyOf(candidates);
        }

        Cell(Workload workload, String heap, List<String> candidates) {
            this(workload, heap, candidates, 0);
        }

        boolean pathSearch() {
            return candidates.size() > 1;
        }

        /** The program's path (the last candidate is where it is). */
        String program() {
            return candidates.get(candidates.size() - 1);
        }

        /** The program's file name. */
        String programName() {
            return Path.of(program()).getFileName().toString();
        }

        /** This cell as one line of the worker protocol, {@code n} asked for. */
        String toLine(int n) {
            return workload.label + " " + n + " " + param + " " + String.join(" ", candidates);
        }

        /** The worker protocol: {@code WORKLOAD N PARAM CANDIDATE...}; {@code n} is returned in {@code n[0]}. */
        static Cell parse(String line, int[] n) {
            String[] w = line.trim().split(" ");
            if (w.length < 4) {
                throw new IllegalArgumentException("expected WORKLOAD N PARAM CANDIDATE...: " + line);
            }
            n[0] = Integer.parseInt(w[1]);
            return new Cell(Workload.of(w[0]), "-", List.of(w).subList(3, w.length), Long.parseLong(w[2]));
        }
    }

    /** A way to start programs. */
    interface Contender extends AutoCloseable {
        String name();

        /** Whether this contender can run the cell at all. */
        boolean supports(Cell cell);

        /**
         * Runs the cell: {@code n} samples (ns) for a per-operation workload, else one run's
         * figures as the {@link Workload} says.
         */
        long[] run(Cell cell, int n) throws IOException, InterruptedException;

        /** At most this many samples of a per-operation cell (a contender too slow for the full count). */
        default int maxSamples(Cell cell) {
            return Integer.MAX_VALUE;
        }

        @Override
        default void close() {
        }
    }

    /**
     * spawnring's ring API itself: CLONE → [DUP2 onto fd 4] → EXEC (hardlinked per PATH
     * candidate), reaped with WAITID and the pidfd closed with CLOSE, all through the ring.
     */
    static final class RingContender implements Contender {
        private final Ring ring;
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
        private final MemorySegment siginfo = arena.allocate(SIGINFO_SIZE);
        private final MemorySegment stamp = arena.allocate(16);
        private final MemorySegment envp = cStrings(arena, List.of());

        RingContender(Backend backend) throws IOException {
            this.ring = Ring.open(32, backend);
        }

        @Override
        public String name() {
            return "spawnring " + ring.backend().name();
        }

        @Override
        public boolean supports(Cell cell) {
            return cell.workload() == Workload.FIRST_INSTRUCTION || cell.workload() == Workload.START_REAP;
        }

        @Override
        public long[] run(Cell cell, int n) throws IOException {
            boolean stamped = cell.workload() == Workload.FIRST_INSTRUCTION;
            List<MemorySegment> paths = new ArrayList<>();
            for (String c : cell.candidates()) {
                paths.add(arena.allocateFrom(c));
            }
            String program = Path.of(cell.candidates().get(0)).getFileName().toString();
            MemorySegment argv = cStrings(arena, List.of(program));
            long[] samples = new long[n];
            for (int i = 0; i < n; i++) {
                int[] p = stamped ? Libc.pipe2(Libc.O_CLOEXEC) : null;
                long t0 = System.nanoTime();
                int steps = 1;
                ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK);
                if (stamped) {
                    ring.getSqe().prepDup2(p[1], 4).flags(IOSQE_IO_LINK);
                    steps++;
                }
                for (MemorySegment path : paths) {
                    ring.getSqe().prepExecveat(AT_FDCWD, path, argv, envp, 0).flags(IOSQE_IO_HARDLINK);
                    steps++;
                }
                ring.submit();
                long end = 0;
                if (stamped) {
                    Libc.close(p[1]);
                    long got = Libc.read(p[0], stamp, 16);
                    Libc.close(p[0]);
                    if (got != 16) {
                        throw new IOException(program + " wrote no stamp on fd 4 (read gave " + got + ")");
                    }
                    end = stamp.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + stamp.get(ValueLayout.JAVA_LONG, 8);
                }
                // One CQE per step, in chain order: CLONE, [DUP2], the EXEC candidates.
                int firstExec = steps - paths.size();
                boolean execed = false;
                for (int s = 0; s < steps; s++) {
                    Cqe cqe = ring.waitCqe();
                    ring.cqeSeen(cqe);
                    if (s == 0) {
                        check("CLONE", cqe.res());
                    }
                    execed |= s >= firstExec && cqe.res() == 0;
                }
                if (!execed) {
                    throw new IOException(program + ": no EXEC candidate ran");
                }
                int fd = pidfd.get(ValueLayout.JAVA_INT, 0);
                ring.getSqe().prepWaitid(P_PIDFD, fd, siginfo, WEXITED, 0).userData(1).flags(IOSQE_IO_HARDLINK);
                ring.getSqe().prepClose(fd).userData(2);
                ring.submitAndWait(2);
                for (int c = 0; c < 2; c++) {
                    Cqe cqe = ring.waitCqe();
                    ring.cqeSeen(cqe);
                    check(cqe.userData() == 1 ? "WAITID" : "CLOSE", cqe.res());
                }
                if (!ExitStatus.fromSiginfo(siginfo).success()) {
                    throw new IOException(program + " did not exit 0");
                }
                samples[i] = (stamped ? end : System.nanoTime()) - t0;
            }
            return samples;
        }

        private static void check(String op, int res) throws IOException {
            if (res < 0) {
                throw new IOException(op + ": " + SpawnException.errnoName(res) + " (" + SpawnException.errnoMessage(res)
                        + ")");
            }
        }

        /** A NULL-terminated array of C strings, as execve takes argv and envp. */
        private static MemorySegment cStrings(Arena arena, List<String> strings) {
            MemorySegment array = arena.allocate(ValueLayout.ADDRESS, strings.size() + 1L);
            for (int i = 0; i < strings.size(); i++) {
                array.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(strings.get(i)));
            }
            array.setAtIndex(ValueLayout.ADDRESS, strings.size(), MemorySegment.NULL);
            return array;
        }

        @Override
        public void close() {
            ring.close();
            arena.close();
        }
    }

    /** The C floor: sr-floor with vfork+execve or posix_spawn, reporting its own figures. */
    static final class FloorContender implements Contender {
        private final String mode;
        private final Path floor;
        private final long touchMb;
        private final int loops;

        /** One process, the workload as asked. */
        FloorContender(String mode, Path floor, long touchMb) {
            this(mode, floor, touchMb, 0);
        }

        /** {@code loops} > 0: throughput cells only, that many one-at-a-time loops in parallel processes. */
        FloorContender(String mode, Path floor, long touchMb, int loops) {
            this.mode = mode;
            this.floor = floor;
            this.touchMb = touchMb;
            this.loops = loops;
        }

        @Override
        public String name() {
            return loops > 0 ? "C " + mode + ", " + loops + " loops" : "C " + mode;
        }

        @Override
        public boolean supports(Cell cell) {
            return loops == 0 || cell.workload() == Workload.THROUGHPUT;
        }

        @Override
        public long[] run(Cell cell, int n) throws IOException, InterruptedException {
            String workload = switch (cell.workload()) {
                case THROUGHPUT -> loops > 0 ? "loops:" + loops : "throughput:" + cell.param();
                case LIVE_CHILDREN -> "concurrent";
                default -> cell.workload().label.equals("capture-line") ? "capture" : cell.workload().label;
            };
            long count = switch (cell.workload()) {
                case LIVE_CHILDREN, OUTPUT -> cell.param();
                default -> n;
            };
            List<String> cmd = new ArrayList<>(List.of(floor.toString(), mode, workload, String.valueOf(count),
                    String.valueOf(touchMb)));
            if (cell.pathSearch()) {
                cmd.add(cell.programName());
                for (String c : cell.candidates()) {
                    cmd.add(Path.of(c).getParent().toString());
                }
            } else {
                cmd.add(cell.program());
            }
            Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            List<String> lines = new String(proc.getInputStream().readAllBytes()).lines().toList();
            int rc = proc.waitFor();
            int expected = cell.workload().perOp() ? n : 1;
            if (rc != 0 || lines.size() != expected) {
                throw new IOException(String.join(" ", cmd) + " exited " + rc + " after " + lines.size() + " lines");
            }
            if (cell.workload().perOp()) {
                return lines.stream().mapToLong(Long::parseLong).toArray();
            }
            return java.util.Arrays.stream(lines.get(0).trim().split(" ")).mapToLong(Long::parseLong).toArray();
        }
    }

    /** {@code java.lang.ProcessBuilder} in this JVM, with its default launch mechanism. */
    static final class ProcessBuilderContender implements Contender {
        @Override
        public String name() {
            return ProcessBuilderRuns.name();
        }

        @Override
        public boolean supports(Cell cell) {
            return !cell.pathSearch(); // it searches this JVM's own PATH: a worker JVM does those cells
        }

        @Override
        public long[] run(Cell cell, int n) throws IOException, InterruptedException {
            return ProcessBuilderRuns.run(cell, n);
        }
    }

    /**
     * {@code ProcessBuilder} code unchanged, its builders started through spawnring with
     * {@code Spawner.start(ProcessBuilder)} (one default Spawner): the same runs as
     * {@link ProcessBuilderContender}, returning the JDK's {@code Process} type.
     */
    static final class SpawnerStartContender implements Contender {
        private final Spawner spawner;

        SpawnerStartContender(Backend backend) throws IOException {
            this.spawner = Spawner.create(backend);
        }

        @Override
        public String name() {
            return "PB Spawner.start " + spawner.backend().name();
        }

        @Override
        public boolean supports(Cell cell) {
            return !cell.pathSearch(); // it searches this JVM's own PATH, as ProcessBuilder does
        }

        @Override
        public long[] run(Cell cell, int n) throws IOException, InterruptedException {
            return ProcessBuilderRuns.run(spawner::start, cell, n);
        }

        @Override
        public void close() {
            spawner.close();
        }
    }

    /**
     * {@code ProcessBuilder} in a child JVM ({@link BenchWorker}): for a launch mechanism this JVM
     * did not start with ({@code jdk.lang.Process.launchMechanism} is read once per JVM), for a
     * PATH search (ProcessBuilder searches the JVM's own PATH), with the same heap touched as
     * this parent. The worker stays up across rounds and answers one line per cell.
     */
    static final class WorkerContender implements Contender {
        private final String name;
        private final boolean pathCells;
        private final List<String> cmd = new ArrayList<>();
        private final Map<String, String> env = new java.util.HashMap<>();
        private final int maxSamples;
        private Process worker;
        private java.io.BufferedReader replies;
        private java.io.Writer requests;

        /**
         * @param mechanism the launch mechanism, or null for the JDK's default
         * @param touchMb   heap the worker touches first
         * @param pathDirs  null: the worker runs the cells without a PATH search; else it runs
         *                  only PATH-search cells, with these directories as its PATH
         */
        WorkerContender(String mechanism, long touchMb, List<String> pathDirs, int maxSamples) {
            this("ProcessBuilder " + (mechanism == null ? "(default)" : mechanism),
                    mechanism == null ? List.of() : List.of("-Djdk.lang.Process.launchMechanism=" + mechanism),
                    touchMb, pathDirs, maxSamples);
        }

        /**
         * {@code ProcessBuilder} in a JVM started with the spawnring agent: every
         * {@code ProcessBuilder.start} of the unchanged worker goes through spawnring.
         *
         * @param agentJar a jar whose manifest names the agent (its classes are on this JVM's class path)
         */
        static WorkerContender withAgent(Path agentJar) {
            return new WorkerContender("ProcessBuilder + agent", List.of("-javaagent:" + agentJar), 0, null,
                    Integer.MAX_VALUE);
        }

        private WorkerContender(String name, List<String> jvmOptions, long touchMb, List<String> pathDirs,
                int maxSamples) {
            this.name = name;
            this.maxSamples = maxSamples;
            this.pathCells = pathDirs != null;
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvmOptions);
            if (touchMb > 0) {
                cmd.add("-Xmx" + (touchMb + 1024) + "m");
            }
            cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    BenchWorker.class.getName(), String.valueOf(touchMb)));
            if (pathDirs != null) {
                env.put("PATH", String.join(":", pathDirs));
            }
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean supports(Cell cell) {
            return cell.pathSearch() == pathCells;
        }

        @Override
        public int maxSamples(Cell cell) {
            return maxSamples;
        }

        @Override
        public long[] run(Cell cell, int n) throws IOException {
            if (worker == null) {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
                pb.environment().putAll(env);
                worker = pb.start();
                replies = worker.inputReader();
                requests = worker.outputWriter();
            }
            // The worker runs ProcessBuilder on the bare name when searching its PATH.
            Cell asked = cell.pathSearch() ? new Cell(cell.workload(), cell.heap(), List.of(cell.programName()),
                    cell.param()) : cell;
            requests.write(asked.toLine(n) + "\n");
            requests.flush();
            String reply = replies.readLine();
            if (reply == null || !reply.startsWith("ok")) {
                throw new IOException(name + " worker: " + (reply == null ? "ended" : reply));
            }
            String figures = reply.substring(2).trim();
            return figures.isEmpty() ? new long[0]
                    : java.util.Arrays.stream(figures.split(" ")).mapToLong(Long::parseLong).toArray();
        }

        @Override
        public void close() {
            if (worker != null) {
                try {
                    requests.close();
                    worker.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (IOException | InterruptedException e) {
                    // ends below
                }
                worker.destroyForcibly();
            }
        }
    }
}
