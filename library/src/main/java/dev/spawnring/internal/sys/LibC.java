package dev.spawnring.internal.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Linker plumbing shared by the system layer: symbol lookup in the C library and
 * errno capture. Each downcall that can fail is linked with
 * {@code captureCallState("errno")}; {@link #errno()} reads what the last such call
 * on this thread left.
 */
final class LibC {
    static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    /** One capture segment per thread, freed with the thread (virtual threads included). */
    private static final ThreadLocal<MemorySegment> CAPTURE = ThreadLocal.withInitial(
            () -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private LibC() {
    }

    /** A downcall to {@code name} whose first parameter is the errno capture segment. */
    static MethodHandle errnoCall(String name, FunctionDescriptor fd, Linker.Option... more) {
        Linker.Option[] opts = new Linker.Option[more.length + 1];
        opts[0] = CAPTURE_ERRNO;
        System.arraycopy(more, 0, opts, 1, more.length);
        return LINKER.downcallHandle(symbol(name), fd, opts);
    }

    /** A plain downcall to {@code name} (for calls that cannot fail). */
    static MethodHandle call(String name, FunctionDescriptor fd, Linker.Option... opts) {
        return LINKER.downcallHandle(symbol(name), fd, opts);
    }

    /** A plain downcall, or {@code null} where this C library lacks {@code name}. */
    static MethodHandle optional(String name, FunctionDescriptor fd) {
        return LOOKUP.find(name).map(s -> LINKER.downcallHandle(s, fd)).orElse(null);
    }

    /** This thread's capture segment, to pass as the first argument of an {@link #errnoCall}. */
    static MemorySegment capture() {
        return CAPTURE.get();
    }

    /** The errno the last {@link #errnoCall} on this thread captured. */
    static int errno() {
        return (int) ERRNO.get(CAPTURE.get(), 0L);
    }

    /** {@code -errno} when {@code ret == -1}, else {@code ret}: the kernel's convention. */
    static long result(long ret) {
        return ret == -1 ? -errno() : ret;
    }

    static int result(int ret) {
        return ret == -1 ? -errno() : ret;
    }

    private static MemorySegment symbol(String name) {
        return LOOKUP.find(name).orElseThrow(
                () -> new UnsatisfiedLinkError("C library symbol not found: " + name));
    }

    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;
}
