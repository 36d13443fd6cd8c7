package dev.spawnring.internal.emulated;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** {@code IORING_OP_OPENAT} and {@code IORING_OP_CLOSE} (the kernel's openclose.c). */
final class OpenClose {
    private OpenClose() {
    }

    /** Copies the path now, as the kernel's {@code getname()}: the caller may free it once submitted. */
    static int openatPrep(EmulatedRing ring, Request r, Request prev) {
        if (r.bufIndex != 0) {
            return -Errno.EINVAL;
        }
        if (r.fixedFile()) {
            return -Errno.EBADF;
        }
        int n = ring.io.copyPath(r.addr);
        if (n < 0) {
            return n;
        }
        r.path = new byte[n];
        MemorySegment.copy(ring.io.path, ValueLayout.JAVA_BYTE, 0, r.path, 0, n);
        if (r.fileIndex != 0 && (r.opFlags & Linux.O_CLOEXEC) != 0) {
            return -Errno.EINVAL;
        }
        return 0;
    }

    static void openat(EmulatedRing ring, Request r) {
        if (ring.waits.internal(r.fd)) {
            ring.completions.complete(r, -Errno.EBADF);
            return;
        }
        MemorySegment path = ring.io.path;
        MemorySegment.copy(r.path, 0, path, ValueLayout.JAVA_BYTE, 0, r.path.length);
        path.set(ValueLayout.JAVA_BYTE, r.path.length, (byte) 0);
        int flags = r.opFlags;
        if (r.fileIndex != 0) {
            flags |= Linux.O_CLOEXEC;
        }
        int fd;
        do {
            fd = Sys.openat(r.fd, path, flags, r.len);
        } while (fd == -Errno.EINTR);
        if (fd >= 0 && r.fileIndex != 0) {
            Sys.close(fd); // a fixed-file slot was asked for, and no file table is registered
            fd = -Errno.ENXIO;
        }
        ring.completions.complete(r, fd);
    }

    static int closePrep(EmulatedRing ring, Request r, Request prev) {
        if (r.off != 0 || r.addr != 0 || r.len != 0 || r.opFlags != 0 || r.bufIndex != 0) {
            return -Errno.EINVAL;
        }
        if (r.fixedFile()) {
            return -Errno.EBADF;
        }
        if (r.fileIndex != 0 && r.fd != 0) {
            return -Errno.EINVAL;
        }
        return 0;
    }

    static void close(EmulatedRing ring, Request r) {
        int res;
        if (r.fileIndex != 0) {
            res = -Errno.ENXIO;
        } else if (ring.waits.internal(r.fd) || r.fd < 0) {
            res = -Errno.EBADF;
        } else {
            res = Sys.close(r.fd);
        }
        ring.completions.complete(r, res);
    }
}
