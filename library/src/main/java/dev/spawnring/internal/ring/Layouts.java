package dev.spawnring.internal.ring;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The kernel's io_uring structs, declared once as {@link MemoryLayout}s with the
 * field names of {@code include/uapi/linux/io_uring.h} (Linux 6.18); the {@code long}
 * constants are byte offsets derived from them, so that no offset is written by hand.
 * The static readers at the end read one field of a {@code struct io_uring_sqe}.
 */
public final class Layouts {
    private Layouts() {
    }

    /** {@code struct io_uring_sqe} (64 bytes; the unions keep the members spawnring uses). */
    public static final StructLayout SQE = MemoryLayout.structLayout(
            JAVA_BYTE.withName("opcode"),
            JAVA_BYTE.withName("flags"),
            JAVA_SHORT.withName("ioprio"),
            JAVA_INT.withName("fd"),
            MemoryLayout.unionLayout(JAVA_LONG.withName("off"), JAVA_LONG.withName("addr2")).withName("u1"),
            MemoryLayout.unionLayout(JAVA_LONG.withName("addr"), JAVA_LONG.withName("splice_off_in")).withName("u2"),
            JAVA_INT.withName("len"),
            MemoryLayout.unionLayout(
                    JAVA_INT.withName("rw_flags"),
                    JAVA_INT.withName("poll32_events"),
                    JAVA_INT.withName("timeout_flags"),
                    JAVA_INT.withName("cancel_flags"),
                    JAVA_INT.withName("open_flags"),
                    JAVA_INT.withName("waitid_flags"),
                    JAVA_INT.withName("nop_flags"),
                    JAVA_INT.withName("execve_flags")).withName("op_flags"),
            JAVA_LONG.withName("user_data"),
            MemoryLayout.unionLayout(JAVA_SHORT.withName("buf_index"), JAVA_SHORT.withName("buf_group")).withName("u3"),
            JAVA_SHORT.withName("personality"),
            MemoryLayout.unionLayout(
                    JAVA_INT.withName("splice_fd_in"),
                    JAVA_INT.withName("file_index"),
                    JAVA_INT.withName("optlen")).withName("u4"),
            JAVA_LONG.withName("addr3"),
            JAVA_LONG.withName("__pad2")).withName("io_uring_sqe");

    public static final long SQE_SIZE = SQE.byteSize();
    public static final long SQE_opcode = SQE.byteOffset(groupElement("opcode"));
    public static final long SQE_flags = SQE.byteOffset(groupElement("flags"));
    public static final long SQE_ioprio = SQE.byteOffset(groupElement("ioprio"));
    public static final long SQE_fd = SQE.byteOffset(groupElement("fd"));
    public static final long SQE_off = SQE.byteOffset(groupElement("u1"), groupElement("off"));
    public static final long SQE_addr2 = SQE.byteOffset(groupElement("u1"), groupElement("addr2"));
    public static final long SQE_addr = SQE.byteOffset(groupElement("u2"), groupElement("addr"));
    public static final long SQE_len = SQE.byteOffset(groupElement("len"));
    /** The 32-bit op-flags union: rw_flags, timeout_flags, nop_flags, execve_flags, ... */
    public static final long SQE_op_flags = SQE.byteOffset(groupElement("op_flags"));
    public static final long SQE_user_data = SQE.byteOffset(groupElement("user_data"));
    public static final long SQE_buf_index = SQE.byteOffset(groupElement("u3"), groupElement("buf_index"));
    public static final long SQE_personality = SQE.byteOffset(groupElement("personality"));
    public static final long SQE_file_index = SQE.byteOffset(groupElement("u4"), groupElement("file_index"));
    public static final long SQE_addr3 = SQE.byteOffset(groupElement("addr3"));

    /** {@code struct io_uring_cqe} (16 bytes without CQE32). */
    public static final StructLayout CQE = MemoryLayout.structLayout(
            JAVA_LONG.withName("user_data"),
            JAVA_INT.withName("res"),
            JAVA_INT.withName("flags")).withName("io_uring_cqe");

    public static final long CQE_SIZE = CQE.byteSize();
    public static final long CQE_user_data = CQE.byteOffset(groupElement("user_data"));
    public static final long CQE_res = CQE.byteOffset(groupElement("res"));
    public static final long CQE_flags = CQE.byteOffset(groupElement("flags"));

    /** {@code struct io_sqring_offsets}. */
    public static final StructLayout SQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"), JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"), JAVA_INT.withName("flags"), JAVA_INT.withName("dropped"),
            JAVA_INT.withName("array"), JAVA_INT.withName("resv1"), JAVA_LONG.withName("user_addr"));

    /** {@code struct io_cqring_offsets}. */
    public static final StructLayout CQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"), JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"), JAVA_INT.withName("overflow"), JAVA_INT.withName("cqes"),
            JAVA_INT.withName("flags"), JAVA_INT.withName("resv1"), JAVA_LONG.withName("user_addr"));

    /** {@code struct io_uring_params} (120 bytes). */
    public static final StructLayout PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("sq_entries"), JAVA_INT.withName("cq_entries"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("sq_thread_cpu"), JAVA_INT.withName("sq_thread_idle"),
            JAVA_INT.withName("features"), JAVA_INT.withName("wq_fd"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv"),
            SQRING_OFFSETS.withName("sq_off"),
            CQRING_OFFSETS.withName("cq_off")).withName("io_uring_params");

    public static final long PARAMS_sq_entries = PARAMS.byteOffset(groupElement("sq_entries"));
    public static final long PARAMS_cq_entries = PARAMS.byteOffset(groupElement("cq_entries"));
    public static final long PARAMS_flags = PARAMS.byteOffset(groupElement("flags"));
    public static final long PARAMS_features = PARAMS.byteOffset(groupElement("features"));

    public static long sqOff(String field) {
        return PARAMS.byteOffset(groupElement("sq_off"), groupElement(field));
    }

    public static long cqOff(String field) {
        return PARAMS.byteOffset(groupElement("cq_off"), groupElement(field));
    }

    /** {@code struct io_uring_probe_op}. */
    public static final StructLayout PROBE_OP = MemoryLayout.structLayout(
            JAVA_BYTE.withName("op"), JAVA_BYTE.withName("resv"),
            JAVA_SHORT.withName("flags"), JAVA_INT.withName("resv2"));

    /** How many {@code io_uring_probe_op}s a probe has room for: every opcode a byte can hold. */
    public static final int PROBE_OPS = 256;

    /** {@code struct io_uring_probe} with room for {@link #PROBE_OPS} ops. */
    public static final StructLayout PROBE = MemoryLayout.structLayout(
            JAVA_BYTE.withName("last_op"), JAVA_BYTE.withName("ops_len"),
            JAVA_SHORT.withName("resv"), MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv2"),
            MemoryLayout.sequenceLayout(PROBE_OPS, PROBE_OP).withName("ops"));

    public static final long PROBE_last_op = PROBE.byteOffset(groupElement("last_op"));
    public static final long PROBE_ops = PROBE.byteOffset(groupElement("ops"));
    public static final long PROBE_OP_flags = PROBE_OP.byteOffset(groupElement("flags"));

    // ---- one field of an SQE, unsigned where the kernel's is

    public static int opcode(MemorySegment sqe) {
        return Byte.toUnsignedInt(sqe.get(JAVA_BYTE, SQE_opcode));
    }

    public static int flags(MemorySegment sqe) {
        return Byte.toUnsignedInt(sqe.get(JAVA_BYTE, SQE_flags));
    }

    public static int ioprio(MemorySegment sqe) {
        return Short.toUnsignedInt(sqe.get(JAVA_SHORT, SQE_ioprio));
    }

    public static int fd(MemorySegment sqe) {
        return sqe.get(JAVA_INT, SQE_fd);
    }

    /** {@code off}, also {@code addr2}. */
    public static long off(MemorySegment sqe) {
        return sqe.get(JAVA_LONG, SQE_off);
    }

    public static long addr(MemorySegment sqe) {
        return sqe.get(JAVA_LONG, SQE_addr);
    }

    public static int len(MemorySegment sqe) {
        return sqe.get(JAVA_INT, SQE_len);
    }

    /** The op-flags union: {@code rw_flags}, {@code nop_flags}, {@code execve_flags}, ... */
    public static int opFlags(MemorySegment sqe) {
        return sqe.get(JAVA_INT, SQE_op_flags);
    }

    public static long userData(MemorySegment sqe) {
        return sqe.get(JAVA_LONG, SQE_user_data);
    }

    public static int bufIndex(MemorySegment sqe) {
        return Short.toUnsignedInt(sqe.get(JAVA_SHORT, SQE_buf_index));
    }

    public static int personality(MemorySegment sqe) {
        return Short.toUnsignedInt(sqe.get(JAVA_SHORT, SQE_personality));
    }

    /** {@code file_index}, also {@code splice_fd_in} and {@code optlen}. */
    public static int fileIndex(MemorySegment sqe) {
        return sqe.get(JAVA_INT, SQE_file_index);
    }

    public static long addr3(MemorySegment sqe) {
        return sqe.get(JAVA_LONG, SQE_addr3);
    }

    static {
        if (SQE_SIZE != 64 || CQE_SIZE != 16 || PARAMS.byteSize() != 120 || PROBE_OP.byteSize() != 8
                || PROBE_ops != 16) {
            throw new ExceptionInInitializerError("io_uring struct layouts do not match the kernel ABI");
        }
    }
}
