package dev.spawnring.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The three libc calls the bench's raw-ring contender needs and the spawnring API does not
 * offer (a pipe it hands to a CLONE chain by fd number): {@code pipe2}, {@code read},
 * {@code close}, bound here with {@code java.lang.foreign}. Failures carry the errno's name.
 */
final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_CAPTURE = Linker.Option.captureCallState("errno");
    private static final MethodHandle PIPE2 = bind("pipe2",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle READ = bind("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle CLOSE = bind("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    /** {@code O_CLOEXEC} for {@link #pipe2}. */
    static final int O_CLOEXEC = 02000000;

    private Libc() {
    }

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, ERRNO_CAPTURE);
    }

    /** @return {read end, write end} */
    static int[] pipe2(int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            int r = (int) PIPE2.invokeExact(state, fds, flags);
            check("pipe2", r, state);
            return new int[] {fds.getAtIndex(ValueLayout.JAVA_INT, 0), fds.getAtIndex(ValueLayout.JAVA_INT, 1)};
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** @return the bytes read into {@code buf}, at most {@code count} (0 at the end) */
    static long read(int fd, MemorySegment buf, long count) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long r = (long) READ.invokeExact(state, fd, buf, count);
            check("read", r, state);
            return r;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Closes {@code fd}; a failure is ignored, as there is nothing to do about it. */
    static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(arena.allocate(CALL_STATE), fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void check(String call, long result, MemorySegment state) throws IOException {
        if (result < 0) {
            int errno = (int) ERRNO.get(state, 0L);
            throw new IOException(call + ": " + dev.spawnring.SpawnException.errnoName(errno) + " ("
                    + dev.spawnring.SpawnException.errnoMessage(errno) + ")");
        }
    }
}
