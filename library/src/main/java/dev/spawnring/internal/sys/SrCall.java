package dev.spawnring.internal.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@code sr_call} of {@code libspawnring.so}: the one downcall through which spawnring
 * makes every native call, system calls ({@link Sys}), {@code calloc}/{@code free}
 * ({@link NativeMemory}) and the spawn itself.
 *
 * <p>Why one: a cold JVM pays for each distinct downcall shape it links (its first costs
 * some 100 ms of method handles and generated classes, each later shape tens), and for
 * errno capture on every call. {@code sr_call} has one shape, seven {@code long}s in and a
 * {@code long} out, and returns the kernel's {@code -errno} itself, so it is linked once,
 * on first use, and needs no capture state. See {@code spawnring.h}.
 *
 * <p>The first call loads the library ({@link NativeLibrary}); when that fails, this and
 * every later call throw what {@link NativeLibrary#lookup()} documents.
 */
public final class SrCall {
    // sr_call's functions, from spawnring.h. Do not change.
    /** {@code sr_spawn_cgroup(steps, nsteps, pidfd_out, options, cgroup_fd)}: the child's pid, or -errno. */
    public static final long SPAWN = -1;
    /** {@code calloc(1, a1)}: the address, or 0. */
    public static final long CALLOC = -2;
    /** {@code free(a1)}. */
    public static final long FREE = -3;
    /** {@code clock_gettime(a1)} (the vDSO) in nanoseconds, or -errno. */
    public static final long CLOCK_GETTIME = -4;
    /** {@code sizeof(struct sr_step)}. */
    public static final long STEP_SIZE = -5;
    /** {@code sr_version()}, an address. */
    public static final long VERSION = -6;
    /** {@code environ}'s entries, a NUL after each, into {@code a1} ({@code a2} bytes): the bytes they take. */
    public static final long ENVIRON = -7;

    private static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG;

    private static final MethodHandle CALL;
    private static final Throwable FAILURE;

    static {
        MethodHandle call = null;
        Throwable failure = null;
        try {
            call = link(FunctionDescriptor.of(J, J, J, J, J, J, J, J));
            long size = (long) call.invokeExact(STEP_SIZE, 0L, 0L, 0L, 0L, 0L, 0L);
            if (size != NativeLibrary.STEP_SIZE) {
                call = null;
                throw new UnsatisfiedLinkError("spawnring's native library " + NativeLibrary.path()
                        + " speaks another ABI: sizeof(struct sr_step) is " + size + ", this build expects "
                        + NativeLibrary.STEP_SIZE + " (a stale libspawnring.so?)");
            }
        } catch (UnsatisfiedLinkError | UnsupportedOperationException | IllegalCallerException e) {
            failure = e;
        } catch (Error e) {
            throw e; // out of memory and the like: not the library's fault, and not to be kept
        } catch (Throwable t) {
            failure = new UnsatisfiedLinkError("spawnring's native library failed its health check: " + t);
            failure.initCause(t);
        }
        CALL = call;
        FAILURE = failure;
    }

    private SrCall() {
    }

    /**
     * {@code sr_call(fn, a1, ..., a6)}: the raw system call {@code fn} when {@code fn >= 0},
     * else one of this class's functions.
     *
     * @return the result: {@code >= 0}, or {@code -errno}
     * @throws UnsatisfiedLinkError          when the library cannot be loaded (and the other
     *                                       exceptions {@link NativeLibrary#lookup()} names)
     */
    public static long call(long fn, long a1, long a2, long a3, long a4, long a5, long a6) {
        MethodHandle h = CALL;
        if (h == null) {
            throw NativeLibrary.again(FAILURE);
        }
        try {
            return (long) h.invokeExact(fn, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) {
            throw Sys.rethrow(t);
        }
    }

    /**
     * {@code read(2)} of {@code count} bytes into {@code buf}, which may be a heap segment
     * (a Java array): a critical downcall, linked on first use (a second shape, which only
     * bulk reads pay for).
     *
     * @return the bytes read, or {@code -errno}
     */
    static long readCritical(int fd, MemorySegment buf, long count) {
        if (CALL == null) {
            throw NativeLibrary.again(FAILURE);
        }
        MethodHandle h = CriticalRead.READ;
        try {
            return (long) h.invokeExact(Sys.SYS_read, (long) fd, buf, count, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw Sys.rethrow(t);
        }
    }

    private static final class CriticalRead {
        // sr_call(SYS_read, fd, buf, count, ...) with buf an address (a heap segment allowed).
        static final MethodHandle READ = link(FunctionDescriptor.of(J, J, J, ValueLayout.ADDRESS, J, J, J, J),
                Linker.Option.critical(true));
    }

    private static MethodHandle link(FunctionDescriptor descriptor, Linker.Option... options) {
        java.util.Optional<MemorySegment> found = NativeLibrary.lookup().find("sr_call");
        if (found.isEmpty()) {
            throw new UnsatisfiedLinkError("spawnring's native library " + NativeLibrary.path()
                    + " has no sr_call (a stale libspawnring.so?)");
        }
        MemorySegment symbol = found.get();
        try {
            return Linker.nativeLinker().downcallHandle(symbol, descriptor, options);
        } catch (IllegalCallerException e) {
            throw NativeLibrary.nativeAccessDenied(e);
        }
    }
}
