package dev.spawnring.internal.spawn;

import dev.spawnring.internal.sys.NativeLibrary;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@code sr_spawn} and {@code sr_spawn_ex} of {@code libspawnring.so}, linked on first
 * use; a library that fails to load is reported on every call.
 */
final class SrSpawn {
    private static final MethodHandle SPAWN;
    private static final MethodHandle SPAWN_EX;
    private static final UnsatisfiedLinkError FAILURE;

    static {
        MethodHandle spawn = null;
        MethodHandle spawnEx = null;
        UnsatisfiedLinkError failure = null;
        try {
            var lookup = NativeLibrary.lookup();
            Linker linker = Linker.nativeLinker();
            // int sr_spawn(struct sr_step *steps, int nsteps, int32_t *pidfd_out): -errno, not errno
            spawn = linker.downcallHandle(lookup.find("sr_spawn").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS));
            spawnEx = linker.downcallHandle(lookup.find("sr_spawn_ex").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        } catch (UnsatisfiedLinkError e) {
            failure = e;
        } catch (java.util.NoSuchElementException e) {
            failure = new UnsatisfiedLinkError("spawnring's native library lacks sr_spawn or sr_spawn_ex"
                    + " (a stale libspawnring.so?)");
        }
        SPAWN = spawn;
        SPAWN_EX = spawnEx;
        FAILURE = failure;
    }

    private SrSpawn() {
    }

    /**
     * Runs {@code n} steps in a new child; {@code options} 0 is {@code sr_spawn}, else
     * {@code sr_spawn_ex} with {@code SR_SPAWN_*} options.
     *
     * @return the child's pid, or -errno
     */
    static int spawn(MemorySegment steps, int n, MemorySegment pidfdOut, int options) {
        if (FAILURE != null) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError(FAILURE.getMessage());
            e.initCause(FAILURE);
            throw e;
        }
        try {
            return options == 0
                    ? (int) SPAWN.invokeExact(steps, n, pidfdOut)
                    : (int) SPAWN_EX.invokeExact(steps, n, pidfdOut, options);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("sr_spawn failed", t);
        }
    }
}
