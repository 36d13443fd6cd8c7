package dev.spawnring.uring;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * The kernel's io_uring structs, declared once as {@link MemoryLayout}s with the
 * field names of {@code include/uapi/linux/io_uring.h}; the {@code long} constants
 * are byte offsets derived from them, so that no offset is written by hand.
 */
final class Layouts {
    private Layouts() {
    }

    /** {@code struct io_uring_sqe} (64 bytes; the unions keep the members spawnring uses). */
    static final StructLayout SQE = MemoryLayout.structLayout(
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

    static final long SQE_SIZE = SQE.byteSize();
    static final long SQE_opcode = SQE.byteOffset(groupElement("opcode"));
    static final long SQE_flags = SQE.byteOffset(groupElement("flags"));
    static final long SQE_ioprio = SQE.byteOffset(groupElement("ioprio"));
    static final long SQE_fd = SQE.byteOffset(groupElement("fd"));
    static final long SQE_off = SQE.byteOffset(groupElement("u1"), groupElement("off"));
    static final long SQE_addr2 = SQE.byteOffset(groupElement("u1"), groupElement("addr2"));
    static final long SQE_addr = SQE.byteOffset(groupElement("u2"), groupElement("addr"));
    static final long SQE_len = SQE.byteOffset(groupElement("len"));
    /** The 32-bit op-flags union: rw_flags, timeout_flags, nop_flags, execve_flags, ... */
    static final long SQE_op_flags = SQE.byteOffset(groupElement("op_flags"));
    static final long SQE_user_data = SQE.byteOffset(groupElement("user_data"));
    static final long SQE_buf_index = SQE.byteOffset(groupElement("u3"), groupElement("buf_index"));
    static final long SQE_personality = SQE.byteOffset(groupElement("personality"));
    static final long SQE_file_index = SQE.byteOffset(groupElement("u4"), groupElement("file_index"));
    static final long SQE_addr3 = SQE.byteOffset(groupElement("addr3"));

    /** {@code struct io_uring_cqe} (16 bytes without CQE32). */
    static final StructLayout CQE = MemoryLayout.structLayout(
            JAVA_LONG.withName("user_data"),
            JAVA_INT.withName("res"),
            JAVA_INT.withName("flags")).withName("io_uring_cqe");

    static final long CQE_SIZE = CQE.byteSize();
    static final long CQE_user_data = CQE.byteOffset(groupElement("user_data"));
    static final long CQE_res = CQE.byteOffset(groupElement("res"));
    static final long CQE_flags = CQE.byteOffset(groupElement("flags"));

    /** {@code struct io_sqring_offsets}. */
    static final StructLayout SQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"), JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"), JAVA_INT.withName("flags"), JAVA_INT.withName("dropped"),
            JAVA_INT.withName("array"), JAVA_INT.withName("resv1"), JAVA_LONG.withName("user_addr"));

    /** {@code struct io_cqring_offsets}. */
    static final StructLayout CQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"), JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"), JAVA_INT.withName("overflow"), JAVA_INT.withName("cqes"),
            JAVA_INT.withName("flags"), JAVA_INT.withName("resv1"), JAVA_LONG.withName("user_addr"));

    /** {@code struct io_uring_params} (120 bytes). */
    static final StructLayout PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("sq_entries"), JAVA_INT.withName("cq_entries"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("sq_thread_cpu"), JAVA_INT.withName("sq_thread_idle"),
            JAVA_INT.withName("features"), JAVA_INT.withName("wq_fd"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv"),
            SQRING_OFFSETS.withName("sq_off"),
            CQRING_OFFSETS.withName("cq_off")).withName("io_uring_params");

    static final long PARAMS_sq_entries = PARAMS.byteOffset(groupElement("sq_entries"));
    static final long PARAMS_cq_entries = PARAMS.byteOffset(groupElement("cq_entries"));
    static final long PARAMS_flags = PARAMS.byteOffset(groupElement("flags"));
    static final long PARAMS_features = PARAMS.byteOffset(groupElement("features"));

    static long sqOff(String field) {
        return PARAMS.byteOffset(groupElement("sq_off"), groupElement(field));
    }

    static long cqOff(String field) {
        return PARAMS.byteOffset(groupElement("cq_off"), groupElement(field));
    }

    /** {@code struct io_uring_probe_op}. */
    static final StructLayout PROBE_OP = MemoryLayout.structLayout(
            JAVA_BYTE.withName("op"), JAVA_BYTE.withName("resv"),
            JAVA_SHORT.withName("flags"), JAVA_INT.withName("resv2"));

    /** {@code struct io_uring_probe} with room for 256 ops. */
    static final StructLayout PROBE = MemoryLayout.structLayout(
            JAVA_BYTE.withName("last_op"), JAVA_BYTE.withName("ops_len"),
            JAVA_SHORT.withName("resv"), MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv2"),
            MemoryLayout.sequenceLayout(256, PROBE_OP).withName("ops"));

    static final long PROBE_last_op = PROBE.byteOffset(groupElement("last_op"));
    static final long PROBE_ops = PROBE.byteOffset(groupElement("ops"));
    static final long PROBE_OP_flags = PROBE_OP.byteOffset(groupElement("flags"));

    /** {@code struct __kernel_timespec}. */
    static final StructLayout TIMESPEC = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"), JAVA_LONG.withName("tv_nsec"));

    static {
        if (SQE_SIZE != 64 || CQE_SIZE != 16 || PARAMS.byteSize() != 120 || PROBE_OP.byteSize() != 8
                || PROBE_ops != 16) {
            throw new ExceptionInInitializerError("io_uring struct layouts do not match the kernel ABI");
        }
    }
}
