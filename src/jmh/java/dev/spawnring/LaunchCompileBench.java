package dev.spawnring;

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

/**
 * {@link Command} → the parent's side of a spawn ({@code Launch.compile}: argv and envp in native
 * memory, the PATH candidates, the chain's steps; for {@code pipes} also the three pipes), then
 * given back unstarted. Nothing is cloned. The benchmark sits in the library's package, so it
 * reaches the package-private compile step without a hook (the JMH build is class-path only).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LaunchCompileBench {
    @Param({"inherit", "pipes"})
    public String stdio;

    private Spawner spawner;
    private Command command;

    @Setup(Level.Trial)
    public void open() throws IOException {
        spawner = Spawner.create(Backend.FALLBACK); // only its /dev/null fd is used
        Command c = Command.of("true", "--flag", "argument").directory(java.nio.file.Path.of("/tmp"));
        command = stdio.equals("inherit") ? c.inheritIO() : c;
    }

    @TearDown(Level.Trial)
    public void close() {
        spawner.close();
    }

    @Benchmark
    public Object compileChain() throws SpawnException {
        Launch launch = Launch.compile(spawner, command, false);
        launch.discard();
        return launch;
    }
}
