package dev.spawnring.internal.sys;

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
 * <p>The native library copies the entries out ({@link SrCall#ENVIRON}), one downcall, so that
 * no symbol lookup or pointer walk through {@code java.lang.foreign} is needed on a first spawn.
 * Not synchronized with {@code setenv} from native threads, as the JDK's read is not.
 */
public final class Environ {
    private Environ() {
    }

    /**
     * @return each {@code environ} entry's bytes, in order, without the terminating NUL (entries
     *         without {@code '='} included: the caller decides)
     */
    public static List<byte[]> read() {
        long size = SrCall.call(SrCall.ENVIRON, 0, 0, 0, 0, 0, 0);
        while (true) {
            long room = size + 4096; // room for what native code may add meanwhile
            MemorySegment buf = NativeMemory.calloc(room);
            try {
                size = SrCall.call(SrCall.ENVIRON, buf.address(), room, 0, 0, 0, 0);
                if (size <= room) {
                    return split(buf.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE));
                }
            } finally {
                NativeMemory.free(buf);
            }
        }
    }

    /** @return the NUL-terminated entries of {@code block} */
    static List<byte[]> split(byte[] block) {
        List<byte[]> entries = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < block.length; i++) {
            if (block[i] == 0) {
                byte[] e = new byte[i - start];
                System.arraycopy(block, start, e, 0, e.length);
                entries.add(e);
                start = i + 1;
            }
        }
        return entries;
    }
}
