package dev.spawnring.internal.process;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * C strings laid out once for {@code execve}: a NULL-terminated {@code char *[]} followed by
 * the NUL-terminated strings it points to, in one block of an automatic arena, freed by the
 * garbage collector once nothing refers to it. A command prepares its argv, envp, exec
 * candidates and directory this way on its first spawn, and every spawn of it passes the same
 * addresses: nothing is encoded or copied per spawn. (A chain that uses them holds its
 * {@link ProcessSpec}, so they live until the child has exec'd.)
 */
public final class NativeStrings {
    private static final long POINTER = ValueLayout.ADDRESS.byteSize();

    private final MemorySegment block;
    private final long[] offsets;
    private final List<OsString> strings;

    private NativeStrings(MemorySegment block, long[] offsets, List<OsString> strings) {
        this.block = block;
        this.offsets = offsets;
        this.strings = strings;
    }

    /**
     * @param what    names the array in errors: {@code "argv"} gives {@code "argv[3] contains a NUL ..."}
     * @param strings the strings, in order
     * @throws IllegalArgumentException when a string contains a NUL byte
     */
    public static NativeStrings of(String what, List<OsString> strings) {
        return make(what, List.copyOf(strings), true);
    }

    /**
     * One string (a path): {@link #string(int) string(0)}.
     *
     * @param what names the string in errors
     * @throws IllegalArgumentException when it contains a NUL byte
     */
    public static NativeStrings one(String what, OsString s) {
        return make(what, List.of(s), false);
    }

    private static NativeStrings make(String what, List<OsString> strings, boolean indexed) {
        int n = strings.size();
        long size = (n + 1L) * POINTER;
        for (int i = 0; i < n; i++) {
            OsString s = strings.get(i);
            int nul = s.indexOf((byte) 0);
            if (nul >= 0) {
                int at = s.text().indexOf('\0');
                throw new IllegalArgumentException((indexed ? what + "[" + i + "]" : what)
                        + " contains a NUL character at index " + (at >= 0 ? at : nul) + ": \""
                        + s.text().replace("\0", "\\0") + "\"");
            }
            size += s.bytes().length + 1L;
        }
        MemorySegment block = Arena.ofAuto().allocate(size, POINTER);
        long[] offsets = new long[n];
        long at = (n + 1L) * POINTER;
        for (int i = 0; i < n; i++) {
            byte[] b = strings.get(i).bytes();
            MemorySegment.copy(b, 0, block, ValueLayout.JAVA_BYTE, at, b.length);
            block.setAtIndex(ValueLayout.ADDRESS, i, block.asSlice(at));
            offsets[i] = at;
            at += b.length + 1L; // the arena zeroed the NUL, and the NULL pointer after the last one
        }
        return new NativeStrings(block, offsets, strings);
    }

    /** @return the {@code char *[]}, NULL-terminated */
    public MemorySegment array() {
        return block;
    }

    /** @return string {@code i}, NUL-terminated */
    public MemorySegment string(int i) {
        return block.asSlice(offsets[i]);
    }

    /** @return how many strings there are */
    public int size() {
        return offsets.length;
    }

    /** @return the strings */
    public List<OsString> strings() {
        return strings;
    }
}
