package dev.spawnring.uring;

import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Arrays;

/**
 * The native memory one SQE's preps copied (paths, timespecs, argv and envp), which
 * belongs to the entry until the ring's backend has consumed it: the kernel copies what
 * it needs at submission, and the spawn layer runs its chains within submit.
 */
final class SqeMemory {
    private MemorySegment[] blocks = new MemorySegment[2];
    private int count;

    /** @return the address of a copy of {@code s}, NUL-terminated */
    long string(String what, String s) {
        return add(NativeMemory.cString(NativeMemory.CALLOC_ALLOCATOR, what, s));
    }

    /** @return the address of a NULL-terminated {@code char *[]} copy of {@code strings} */
    long stringArray(String what, String[] strings) {
        return add(NativeMemory.cStringArray(what, strings));
    }

    /** @return the address of a {@code struct __kernel_timespec} holding {@code d} */
    long timespec(Duration d) {
        SqeArgs.timeout(d);
        MemorySegment ts = NativeMemory.calloc(Linux.TIMESPEC_SIZE);
        ts.set(ValueLayout.JAVA_LONG, Linux.TV_SEC, d.getSeconds());
        ts.set(ValueLayout.JAVA_LONG, Linux.TV_NSEC, d.getNano());
        return add(ts);
    }

    private long add(MemorySegment m) {
        if (count == blocks.length) {
            blocks = Arrays.copyOf(blocks, blocks.length * 2);
        }
        blocks[count++] = m;
        return m.address();
    }

    /** Frees every block: the entry has been consumed, or given up. */
    void free() {
        for (int i = 0; i < count; i++) {
            NativeMemory.free(blocks[i]);
            blocks[i] = null;
        }
        count = 0;
    }
}
