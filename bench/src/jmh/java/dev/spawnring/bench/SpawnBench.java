package dev.spawnring.bench;

import dev.spawnring.Command;
import dev.spawnring.ExitStatus;
import dev.spawnring.Spawner;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** {@code /bin/true} started through {@link Spawner#spawn} and waited for, stdio inherited, per backend. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SpawnBench {
    @Param({"IO_URING", "FALLBACK"})
    public String backend;

    private Spawner spawner;
    private final Command command = Command.of("/bin/true").inheritIO();

    @Setup(Level.Trial)
    public void open() throws IOException {
        spawner = Spawner.create(Backend.valueOf(backend));
    }

    @TearDown(Level.Trial)
    public void close() {
        spawner.close();
    }

    @Benchmark
    public ExitStatus spawnTrue() throws Exception {
        ExitStatus st = spawner.spawn(command).waitFor();
        if (!st.success()) {
            throw new IllegalStateException("/bin/true: " + st);
        }
        return st;
    }
}
