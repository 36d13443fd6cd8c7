package dev.spawnring;

import static dev.spawnring.uring.IoUring.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.Children;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.Stress;
import dev.spawnring.testing.Leaks;
import dev.spawnring.testing.Isolation;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Cqe;
import dev.spawnring.uring.Ring;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Stress#spawns()} spawns through each layer (the raw ring's CLONE chains,
 * {@code Spawner.spawn}, {@code Spawner.run}, the CLI's {@code chain}, and failing spawns)
 * leave the fds, children, io_uring mappings, threads and native memory of this JVM as they
 * were; both backends. Each layer is warmed up first (JIT, pools, lazily made threads), so
 * what is left over is what the spawns kept.
 */
@Tag(Stress.TAG)
@Tag(Isolation.TAG)
class LeakTest {
    /**
     * The C heap growth tolerated per test, whatever the count: the JIT, the GC and the JDK
     * move it by a few MiB on their own. Per spawn that is under 210 bytes at 10,000 spawns
     * and 21 bytes at 100,000: a lost argv, path or siginfo would show.
     */
    private static final long MALLOC_SLACK = 16L << 20;

    private static final int WARM_UP = 500;

    @TempDir
    Path tmp;

    private final String echo = Spawners.nativeBin("sr-echo-args");
    private final String trueBin = Spawners.nativeBin("sr-true");

    @BeforeEach
    void collectOtherTestsGarbage() throws Exception {
        // Streams other tests dropped unclosed are given back by a cleaner after a GC.
        System.gc();
        Thread.sleep(50);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void rawCloneChainsLeaveNothingBehind(Backend backend) throws Exception {
        Spawners.create(backend).close(); // skips where io_uring is refused
        cloneChains(backend, WARM_UP);
        Leaks before = Leaks.now();
        cloneChains(backend, Stress.spawns());
        Leaks.assertBackTo(before, MALLOC_SLACK, Stress.spawns() + " CLONE chains on " + backend);
    }

    /** CLONE(pidfd) → DUP2 /dev/null onto 0 → CLOSE_RANGE → EXEC, then a reap, on one ring opened for the run. */
    private void cloneChains(Backend backend, int n) throws Exception {
        int devNull = Sys.openat(Linux.AT_FDCWD, "/dev/null", Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
        assertTrue(devNull >= 0);
        try (Ring ring = Ring.open(16, backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            String[] argv = {"sr-true"};
            for (int i = 0; i < n; i++) {
                ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(0);
                ring.getSqe().prepDup2(devNull, 0).flags(IOSQE_IO_LINK).userData(1);
                ring.getSqe().prepCloseRange(3, ~0, Linux.CLOSE_RANGE_CLOEXEC).flags(IOSQE_IO_LINK).userData(2);
                ring.getSqe().prepExec(trueBin, argv, null).userData(3);
                ring.submit();
                for (int k = 0; k < 4; k++) {
                    Cqe cqe = ring.waitCqe();
                    ring.cqeSeen(cqe);
                    assertTrue(cqe.userData() == 0 ? cqe.res() > 0 : cqe.res() >= 0, cqe::toString);
                }
                int fd = pidfd.get(ValueLayout.JAVA_INT, 0);
                // the ring's WAITID where it has one (not io_uring before Linux 6.7), else waitid(2)
                assertEquals(Children.Exit.exited(0), Children.reap(ring, fd));
                Sys.close(fd);
            }
            assertEquals(0, ring.inFlight());
        } finally {
            Sys.close(devNull);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void spawnsWithPipesLeaveNothingBehind(Backend backend) throws Exception {
        spawns(backend, WARM_UP);
        Leaks before = Leaks.now();
        spawns(backend, Stress.spawns());
        Leaks.assertBackTo(before, MALLOC_SLACK, Stress.spawns() + " Spawner.spawn on " + backend);
    }

    /** Spawns with three pipes, reads stdout to its end, closes every stream, waits; one Spawner for the run. */
    private void spawns(Backend backend, int n) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            for (int i = 0; i < n; i++) {
                String arg = Integer.toString(i);
                Child c = s.spawn(Command.of(echo, arg).clearEnvironment());
                byte[] out = c.stdout().readAllBytes();
                assertEquals(echo.length() + arg.length() + 2 + "--env--\n".length(), out.length);
                c.stdin().close();
                c.stdout().close();
                c.stderr().close();
                assertEquals(ExitStatus.exited(0), c.waitFor());
            }
            s.close();
            s.awaitTermination();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void runsLeaveNothingBehind(Backend backend) throws Exception {
        runs(backend, WARM_UP);
        Leaks before = Leaks.now();
        runs(backend, Stress.spawns());
        Leaks.assertBackTo(before, MALLOC_SLACK, Stress.spawns() + " Spawner.run on " + backend);
    }

    private void runs(Backend backend, int n) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            for (int i = 0; i < n; i++) {
                Result r = s.run(Command.of(echo, Integer.toString(i)).clearEnvironment()).get();
                assertEquals(ExitStatus.exited(0), r.status());
                assertTrue(r.stdoutText().startsWith(echo + "\0" + i + "\0"), r::stdoutText);
            }
            s.close();
            s.awaitTermination();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void failedSpawnsLeaveNothingBehind(Backend backend) throws Exception {
        failures(backend, WARM_UP);
        Leaks before = Leaks.now();
        int n = Math.max(3, Stress.spawns() / 4);
        failures(backend, n);
        Leaks.assertBackTo(before, MALLOC_SLACK, n + " failed spawns on " + backend);
    }

    /** Fails in turn in the parent (a redirect), in the child (chdir) and at exec (a PATH search). */
    private void failures(Backend backend, int n) throws Exception {
        Path missing = tmp.resolve("missing");
        try (Spawner s = Spawners.create(backend)) {
            for (int i = 0; i < n; i++) {
                Command c = switch (i % 3) {
                    case 0 -> Command.of(trueBin).stdout(Stdio.to(missing.resolve("out")));
                    case 1 -> Command.of(trueBin).directory(missing);
                    default -> Command.of("no-such-program-" + i).env("PATH", "/usr/local/bin:/usr/bin:/bin");
                };
                SpawnException e = assertThrows(SpawnException.class, () -> s.spawn(c));
                assertEquals(dev.spawnring.internal.sys.Errno.ENOENT, e.errno(), e::getMessage);
            }
            s.close();
            s.awaitTermination();
        }
    }
}
