package dev.spawnring.internal.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Native memory whose lifetime spawnring decides: {@code calloc}/{@code free}
 * (cheap, any thread may free, unlike a confined arena), and C strings that refuse
 * an embedded NUL instead of truncating silently. {@code calloc} and {@code free} are
 * the C library's, called through {@link SrCall}.
 */
public final class NativeMemory {
    /** {@code -Dspawnring.debug.nativeMemory=true}: count live blocks (the leak tests do). */
    private static final boolean COUNT = Boolean.getBoolean("spawnring.debug.nativeMemory");
    private static final java.util.concurrent.atomic.AtomicLong LIVE = new java.util.concurrent.atomic.AtomicLong();

    private NativeMemory() {
    }

    /**
     * Zeroed native memory, to be given back with {@link #free}.
     *
     * @throws OutOfMemoryError when the C heap has no room for {@code size} bytes
     */
    public static MemorySegment calloc(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("calloc: negative size " + size);
        }
        long p = SrCall.call(SrCall.CALLOC, Math.max(1L, size), 0, 0, 0, 0, 0);
        if (p == 0) {
            throw new OutOfMemoryError("calloc of " + size + " bytes failed");
        }
        if (COUNT) {
            LIVE.incrementAndGet();
        }
        return MemorySegment.ofAddress(p).reinterpret(size);
    }

    /** Gives back memory from {@link #calloc}; NULL is ignored. */
    public static void free(MemorySegment p) {
        if (p == null || p.equals(MemorySegment.NULL)) {
            return;
        }
        SrCall.call(SrCall.FREE, p.address(), 0, 0, 0, 0, 0);
        if (COUNT) {
            LIVE.decrementAndGet();
        }
    }

    /**
     * @return how many blocks from {@link #calloc} are not freed yet, or -1 unless the JVM runs
     *         with {@code -Dspawnring.debug.nativeMemory=true} (a debug aid: the leak tests use it)
     */
    public static long liveBlocks() {
        return COUNT ? LIVE.get() : -1;
    }

    /** A {@link SegmentAllocator} over {@link #calloc}; the caller frees each segment. */
    public static final SegmentAllocator CALLOC_ALLOCATOR = new SegmentAllocator() { // not a lambda: see Sys
        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            return calloc(byteSize);
        }
    };

    /**
     * The UTF-8 bytes of {@code s} plus a terminating NUL.
     *
     * @param what names the string in the error (e.g. {@code "argv[2]"})
     * @throws IllegalArgumentException when {@code s} contains a NUL character
     * @throws NullPointerException when {@code s} is null
     */
    public static byte[] cBytes(String what, String s) {
        if (s == null) {
            throw new NullPointerException(what + " is null");
        }
        int nul = s.indexOf('\0');
        if (nul >= 0) {
            throw new IllegalArgumentException(what + " contains a NUL character at index " + nul
                    + ": \"" + s.replace("\0", "\\0") + "\"");
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[utf8.length + 1];
        System.arraycopy(utf8, 0, out, 0, utf8.length);
        return out;
    }

    /** {@link #cBytes} copied into memory from {@code allocator}. */
    public static MemorySegment cString(SegmentAllocator allocator, String what, String s) {
        byte[] b = cBytes(what, s);
        MemorySegment seg = allocator.allocate(b.length);
        MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, b.length);
        return seg;
    }

    /** Convenience for short-lived strings in a confined arena. */
    public static MemorySegment cString(Arena arena, String what, String s) {
        return cString((SegmentAllocator) arena, what, s);
    }

    /**
     * A NULL-terminated {@code char *[]} of {@code strings} (as execve takes argv and envp) in
     * one {@link #calloc} block: the pointer array, then the NUL-terminated UTF-8 strings.
     * Free it with {@link #free}.
     *
     * @param what names the array in errors: {@code "argv"} gives {@code "argv[3] contains a NUL ..."}
     * @throws IllegalArgumentException when a string contains a NUL character
     */
    public static MemorySegment cStringArray(String what, String[] strings) {
        if (strings == null) {
            throw new NullPointerException(what + " is null");
        }
        byte[][] bytes = new byte[strings.length][];
        long total = (strings.length + 1L) * Long.BYTES;
        for (int i = 0; i < strings.length; i++) {
            bytes[i] = cBytes(what + "[" + i + "]", strings[i]);
            total += bytes[i].length;
        }
        MemorySegment block = calloc(total);
        long at = (strings.length + 1L) * Long.BYTES;
        for (int i = 0; i < strings.length; i++) {
            MemorySegment.copy(bytes[i], 0, block, ValueLayout.JAVA_BYTE, at, bytes[i].length);
            // The pointer as a long (x86_64's 8 bytes): no ADDRESS var handle for a cold JVM to make.
            block.setAtIndex(ValueLayout.JAVA_LONG, i, block.address() + at);
            at += bytes[i].length;
        }
        // calloc left the terminating NULL pointer at index strings.length.
        return block;
    }
}
