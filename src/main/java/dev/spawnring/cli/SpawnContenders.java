package dev.spawnring.cli;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.sys.Errno;
import dev.spawnring.sys.Linux;
import dev.spawnring.sys.NativeMemory;
import dev.spawnring.sys.Sys;
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

/** The ways the benchmark starts a program, each timed the same way. */
final class SpawnContenders {
    private SpawnContenders() {
    }

    /** What is timed. */
    enum Workload {
        /** From just before the spawn to the stamp the child writes to fd 4 as its first act. */
        FIRST_INSTRUCTION("first-instruction"),
        /** From just before the spawn until the child has been reaped. */
        START_REAP("start-reap");

        final String label;

        Workload(String label) {
            this.label = label;
        }
    }

    /** One cell of the table: a workload, a program and the candidates to exec. */
    record Cell(Workload workload, String heap, List<String> candidates) {
        boolean pathSearch() {
            return candidates.size() > 1;
        }
    }

    /** A way to start programs. */
    interface Contender extends AutoCloseable {
        String name();

        /** Whether this contender can run the cell at all (ProcessBuilder cannot map fd 4). */
        boolean supports(Cell cell);

        long[] run(Cell cell, int n) throws IOException, InterruptedException;

        @Override
        default void close() {
        }
    }

    /** spawnring: CLONE → [DUP2 onto fd 4] → EXEC (hardlinked per PATH candidate), reaped with WAITID. */
    static final class RingContender implements Contender {
        private final Ring ring;
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
        private final MemorySegment siginfo = arena.allocate(Linux.SIGINFO_SIZE);
        private final MemorySegment stamp = arena.allocate(16);
        private final MemorySegment envp = NativeMemory.cStringArray("envp", new String[0]);

        RingContender(Backend backend) throws IOException {
            this.ring = Ring.open(32, backend);
        }

        @Override
        public String name() {
            return "spawnring " + ring.backend().name();
        }

        @Override
        public boolean supports(Cell cell) {
            return true;
        }

        @Override
        public long[] run(Cell cell, int n) throws IOException {
            boolean stamped = cell.workload() == Workload.FIRST_INSTRUCTION;
            List<MemorySegment> paths = new ArrayList<>();
            for (String c : cell.candidates()) {
                paths.add(NativeMemory.cString(arena, "program", c));
            }
            String program = Path.of(cell.candidates().get(0)).getFileName().toString();
            MemorySegment argv = NativeMemory.cStringArray("argv", new String[] {program});
            long[] samples = new long[n];
            int[] p = new int[2];
            try {
                for (int i = 0; i < n; i++) {
                    if (stamped) {
                        Errno.check("pipe2", Sys.pipe2(p, Linux.O_CLOEXEC));
                    }
                    long t0 = Sys.clockGettime(Sys.CLOCK_MONOTONIC_RAW);
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
                        Sys.close(p[1]);
                        long got = Sys.read(p[0], stamp, 16);
                        Sys.close(p[0]);
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
                            Errno.check("CLONE", cqe.res());
                        }
                        execed |= s >= firstExec && cqe.res() == 0;
                    }
                    if (!execed) {
                        throw new IOException(program + ": no EXEC candidate ran");
                    }
                    int fd = pidfd.get(ValueLayout.JAVA_INT, 0);
                    ring.getSqe().prepWaitid(P_PIDFD, fd, siginfo, WEXITED, 0);
                    ring.submitAndWait(1);
                    Cqe w = ring.waitCqe();
                    ring.cqeSeen(w);
                    Sys.close(fd);
                    Errno.check("waitid", w.res());
                    if (siginfo.get(ValueLayout.JAVA_INT, Linux.SI_CODE) != Linux.CLD_EXITED
                            || siginfo.get(ValueLayout.JAVA_INT, Linux.SI_STATUS) != 0) {
                        throw new IOException(program + " did not exit 0");
                    }
                    samples[i] = (stamped ? end : Sys.clockGettime(Sys.CLOCK_MONOTONIC_RAW)) - t0;
                }
            } finally {
                NativeMemory.free(argv);
            }
            return samples;
        }

        @Override
        public void close() {
            ring.close();
            NativeMemory.free(envp);
            arena.close();
        }
    }

    /** The C floor: sr-floor with vfork+execve or posix_spawn, reporting its own samples. */
    static final class FloorContender implements Contender {
        private final String mode;
        private final Path floor;
        private final long touchMb;

        FloorContender(String mode, Path floor, long touchMb) {
            this.mode = mode;
            this.floor = floor;
            this.touchMb = touchMb;
        }

        @Override
        public String name() {
            return "C " + mode;
        }

        @Override
        public boolean supports(Cell cell) {
            return true;
        }

        FloorContender withTouch(long mb) {
            return new FloorContender(mode, floor, mb);
        }

        @Override
        public long[] run(Cell cell, int n) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of(floor.toString(), mode, cell.workload().label,
                    String.valueOf(n), String.valueOf(touchMb)));
            if (cell.pathSearch()) {
                cmd.add(Path.of(cell.candidates().get(0)).getFileName().toString());
                for (String c : cell.candidates()) {
                    cmd.add(Path.of(c).getParent().toString());
                }
            } else {
                cmd.add(cell.candidates().get(0));
            }
            Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            List<String> lines = new String(proc.getInputStream().readAllBytes()).lines().toList();
            int rc = proc.waitFor();
            if (rc != 0 || lines.size() != n) {
                throw new IOException(String.join(" ", cmd) + " exited " + rc + " after " + lines.size() + " samples");
            }
            return lines.stream().mapToLong(Long::parseLong).toArray();
        }
    }

    /** {@code java.lang.ProcessBuilder} with a given launch mechanism ({@code jdk.lang.Process.launchMechanism}). */
    static final class ProcessBuilderContender implements Contender {
        @Override
        public String name() {
            return "ProcessBuilder " + System.getProperty("jdk.lang.Process.launchMechanism", "(default)");
        }

        @Override
        public boolean supports(Cell cell) {
            return cell.workload() == Workload.START_REAP && !cell.pathSearch();
        }

        @Override
        public long[] run(Cell cell, int n) throws IOException, InterruptedException {
            long[] samples = new long[n];
            ProcessBuilder pb = new ProcessBuilder(cell.candidates().get(0));
            for (int i = 0; i < n; i++) {
                long t0 = Sys.clockGettime(Sys.CLOCK_MONOTONIC_RAW);
                int rc = pb.start().waitFor();
                samples[i] = Sys.clockGettime(Sys.CLOCK_MONOTONIC_RAW) - t0;
                if (rc != 0) {
                    throw new IOException(cell.candidates().get(0) + " exited " + rc);
                }
            }
            return samples;
        }
    }
}
