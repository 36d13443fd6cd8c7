package dev.spawnring.internal.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

/**
 * Downcalls to the C library itself, for what {@link SrCall} does not cover: the errno
 * names and messages of glibc ({@link Errno}), which only a failure needs. Each is linked
 * on first use (a class that uses this one initialises it then), never at start-up: the
 * system calls go through {@link SrCall}.
 */
final class LibC {
    private LibC() {
    }

    /** A plain downcall, or {@code null} where this C library lacks {@code name}. */
    static MethodHandle optional(String name, FunctionDescriptor fd) {
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find(name).map(s -> linker.downcallHandle(s, fd)).orElse(null);
    }
}
