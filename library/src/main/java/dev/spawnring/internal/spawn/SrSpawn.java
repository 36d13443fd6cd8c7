package dev.spawnring.internal.spawn;

import dev.spawnring.internal.sys.SrCall;
import java.lang.foreign.MemorySegment;

/**
 * {@code sr_spawn_cgroup} of {@code libspawnring.so}, called through {@link SrCall} (the one
 * downcall spawnring links); a library that fails to load is reported on every call.
 */
final class SrSpawn {
    private SrSpawn() {
    }

    /**
     * Runs {@code n} steps in a new child; {@code options} are {@code SR_SPAWN_*} options
     * (0: none), {@code cgroupFd} the cgroup {@code SR_SPAWN_INTO_CGROUP} clones into (else -1).
     *
     * @return the child's pid, or -errno
     */
    static int spawn(MemorySegment steps, int n, MemorySegment pidfdOut, int options, int cgroupFd) {
        return (int) SrCall.call(SrCall.SPAWN, steps.address(), n, pidfdOut.address(),
                Integer.toUnsignedLong(options), cgroupFd, 0);
    }
}
