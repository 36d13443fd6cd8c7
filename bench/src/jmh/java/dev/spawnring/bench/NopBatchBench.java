package dev.spawnring.bench;

import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Ring;
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

/** The ring alone: 32 NOPs prepared, submitted in one go and reaped, per backend. One op = one batch. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class NopBatchBench {
    @Param({"IO_URING", "FALLBACK"})
    public String backend;

    private Ring ring;

    @Setup(Level.Trial)
    public void open() throws IOException {
        ring = Ring.open(64, Backend.valueOf(backend));
    }

    @TearDown(Level.Trial)
    public void close() {
        ring.close();
    }

    @Benchmark
    public int nopBatch32() throws IOException {
        for (int i = 0; i < 32; i++) {
            ring.getSqe().prepNop().userData(i);
        }
        ring.submitAndWait(32);
        int sum = 0;
        for (int i = 0; i < 32; i++) {
            var cqe = ring.waitCqe();
            sum += cqe.res();
            ring.cqeSeen(cqe);
        }
        return sum;
    }
}
