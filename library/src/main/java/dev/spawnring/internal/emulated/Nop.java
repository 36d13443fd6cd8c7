package dev.spawnring.internal.emulated;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.internal.sys.Errno;

/** {@code IORING_OP_NOP} (the kernel's nop.c). */
final class Nop {
    /** The {@code nop_flags} Linux 6.18 knows, but {@code IORING_NOP_CQE32}: this ring has no 32-byte CQEs. */
    private static final int KNOWN_FLAGS = IORING_NOP_INJECT_RESULT | IORING_NOP_FILE | IORING_NOP_FIXED_FILE
            | IORING_NOP_FIXED_BUFFER | IORING_NOP_TW;

    private Nop() {
    }

    static int prep(EmulatedRing ring, Request r, Request prev) {
        return (r.opFlags & ~KNOWN_FLAGS) != 0 ? -Errno.EINVAL : 0;
    }

    static void issue(EmulatedRing ring, Request r) {
        int nf = r.opFlags;
        int ret = (nf & IORING_NOP_INJECT_RESULT) != 0 ? r.len : 0;
        if ((nf & IORING_NOP_FILE) != 0 && ((nf & IORING_NOP_FIXED_FILE) != 0 || !ring.waits.userFd(r.fd))) {
            ret = -Errno.EBADF;
        } else if ((nf & IORING_NOP_FIXED_BUFFER) != 0) {
            ret = -Errno.EFAULT; // no buffer is ever registered
        }
        ring.completions.complete(r, ret);
    }
}
