package dev.spawnring.internal.sys;

import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The C library's {@code environ}: the environment as bytes, read the way the JDK reads it
 * for {@code System.getenv} and {@code ProcessBuilder} ({@code ProcessEnvironment_md.c}
 * walks {@code environ} once). {@code environ} and not {@code /proc/self/environ}, because
 * the latter is the block the kernel copied at exec: it misses what the process changed
 * since ({@code setenv}, {@code putenv}, {@code unsetenv} by the launcher or by native
 * code), may not be mounted or readable (a chroot, {@code hidepid}), and may have been
 * rewritten in place ({@code PR_SET_MM_ENV_START}).
 *
 * <p>Not synchronized with {@code setenv} from native threads, as the JDK's read is not.
 */
public final class Environ {
    private Environ() {
    }

    /**
     * @return each {@code environ} entry's bytes, in order, without the terminating NUL (entries
     *         without {@code '='} included: the caller decides), or null when the C library
     *         exports no {@code environ} symbol
     */
    public static List<byte[]> read() {
        MemorySegment symbol = Linker.nativeLinker().defaultLookup().find("environ").orElse(null);
        if (symbol == null) {
            return null;
        }
        MemorySegment array = symbol.reinterpret(ValueLayout.ADDRESS.byteSize()).get(ValueLayout.ADDRESS, 0);
        List<byte[]> entries = new ArrayList<>();
        if (array.equals(MemorySegment.NULL)) {
            return entries;
        }
        array = array.reinterpret(Long.MAX_VALUE);
        for (long i = 0; ; i++) {
            MemorySegment s = array.getAtIndex(ValueLayout.ADDRESS, i);
            if (s.equals(MemorySegment.NULL)) {
                return entries;
            }
            s = s.reinterpret(Long.MAX_VALUE);
            long n = 0;
            while (s.get(ValueLayout.JAVA_BYTE, n) != 0) {
                n++;
            }
            entries.add(s.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
