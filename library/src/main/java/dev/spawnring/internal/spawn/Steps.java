package dev.spawnring.internal.spawn;

import dev.spawnring.internal.sys.NativeLibrary;
import dev.spawnring.internal.sys.NativeMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The array of {@code struct sr_step} ({@code src/main/c/spawnring.h}) a
 * {@link ChildProgram} hands to the interpreter: native memory from
 * {@link NativeMemory#calloc}, grown as steps are added, freed by {@link #close()}.
 */
final class Steps implements AutoCloseable {
    // struct sr_step (spawnring.h): 64 bytes. Do not change.
    static final int STEP_SIZE = NativeLibrary.STEP_SIZE;
    private static final long OFFSET_OP = 0;      // uint32_t op
    private static final long OFFSET_FLAGS = 4;   // uint32_t flags
    private static final long OFFSET_A = 8;       // int64_t a[6]
    private static final long OFFSET_RES = 56;    // int32_t res
    /** {@code SR_F_HARDLINK}. */
    static final int F_HARDLINK = 1;
    /** {@code SR_F_PATH_SEARCH}. */
    static final int F_PATH_SEARCH = 2;
    /** {@code SR_F_IF_ENOEXEC}. */
    static final int F_IF_ENOEXEC = 4;

    private MemorySegment steps;
    private int capacity;
    private int count;

    Steps(int initialCapacity) {
        if (initialCapacity < 1) {
            throw new IllegalArgumentException("initialCapacity must be at least 1, got " + initialCapacity);
        }
        this.steps = NativeMemory.calloc((long) initialCapacity * STEP_SIZE);
        this.capacity = initialCapacity;
    }

    /** Appends a step; returns its index. */
    int add(int op, boolean hardlink, long a0, long a1, long a2, long a3, long a4, long a5) {
        return addWithFlags(op, hardlink ? F_HARDLINK : 0, a0, a1, a2, a3, a4, a5);
    }

    /** Appends a step with {@code SR_F_*} flags; returns its index. */
    int addWithFlags(int op, int flags, long a0, long a1, long a2, long a3, long a4, long a5) {
        MemorySegment s = open();
        if (count == capacity) {
            s = grow();
        }
        long base = (long) count * STEP_SIZE;
        s.set(ValueLayout.JAVA_INT, base + OFFSET_OP, op);
        s.set(ValueLayout.JAVA_INT, base + OFFSET_FLAGS, flags);
        long a = base + OFFSET_A;
        s.set(ValueLayout.JAVA_LONG, a, a0);
        s.set(ValueLayout.JAVA_LONG, a + 8, a1);
        s.set(ValueLayout.JAVA_LONG, a + 16, a2);
        s.set(ValueLayout.JAVA_LONG, a + 24, a3);
        s.set(ValueLayout.JAVA_LONG, a + 32, a4);
        s.set(ValueLayout.JAVA_LONG, a + 40, a5);
        return count++;
    }

    int count() {
        return count;
    }

    /** The steps' memory, for the interpreter. */
    MemorySegment segment() {
        return open();
    }

    int op(int i) {
        return field(i, OFFSET_OP);
    }

    int result(int i) {
        return field(i, OFFSET_RES);
    }

    private int field(int i, long offset) {
        MemorySegment s = open();
        Objects.checkIndex(i, count);
        return s.get(ValueLayout.JAVA_INT, (long) i * STEP_SIZE + offset);
    }

    private MemorySegment grow() {
        int bigger = Math.max(capacity + 1, capacity * 2);
        MemorySegment s = NativeMemory.calloc((long) bigger * STEP_SIZE);
        MemorySegment.copy(steps, 0, s, 0, (long) count * STEP_SIZE);
        NativeMemory.free(steps);
        steps = s;
        capacity = bigger;
        return s;
    }

    private MemorySegment open() {
        MemorySegment s = steps;
        if (s == null) {
            throw new IllegalStateException("this ChildProgram is closed");
        }
        return s;
    }

    /** Frees the steps. Idempotent. */
    @Override
    public void close() {
        MemorySegment s = steps;
        steps = null;
        NativeMemory.free(s);
    }

    // ---- arguments, checked as the step methods take them

    static long address(String what, MemorySegment p) {
        Objects.requireNonNull(p, what);
        if (!p.isNative()) {
            throw new IllegalArgumentException(what + " must be native memory, not a heap segment: " + p);
        }
        return p.address();
    }

    /** A buffer's address; a zero-length segment is a raw pointer (MemorySegment.ofAddress), taken unchecked. */
    static long buffer(String what, MemorySegment buf, long len) {
        long a = address(what + " buffer", buf);
        if (len < 0 || (buf.byteSize() != 0 && len > buf.byteSize())) {
            throw new IndexOutOfBoundsException(what + ": " + len + " bytes do not fit a buffer of "
                    + buf.byteSize());
        }
        return a;
    }

    static long offset(String what, long offset) {
        if (offset < -1) {
            throw new IllegalArgumentException(what + ": offset must be >= 0, or -1 for the current position, got "
                    + offset);
        }
        return offset;
    }
}
