package dev.spawnring.uring;

import dev.spawnring.internal.sys.Linux;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;

/**
 * The argument checks of {@link Sqe}'s preps, done before anything is written: each
 * returns the value it checked and names the op and the value it refuses.
 */
final class SqeArgs {
    private SqeArgs() {
    }

    static int fd(String op, int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException(op + ": bad file descriptor " + fd);
        }
        return fd;
    }

    /** A native buffer of at least {@code nbytes} bytes. */
    static MemorySegment buffer(String op, MemorySegment buf, long nbytes) {
        if (buf == null) {
            throw new NullPointerException(op + ": buffer is null");
        }
        if (nbytes < 0 || nbytes > buf.byteSize()) {
            throw new IllegalArgumentException(op + ": " + nbytes + " bytes do not fit a buffer of "
                    + buf.byteSize() + " bytes");
        }
        if (!buf.isNative()) {
            throw new IllegalArgumentException(op + ": buffer must be native memory (a heap segment moves)");
        }
        return buf;
    }

    static Duration timeout(Duration d) {
        Objects.requireNonNull(d, "timeout");
        if (d.isNegative()) {
            throw new IllegalArgumentException("timeout is negative: " + d);
        }
        return d;
    }

    static int closeRangeLast(int first, int last) {
        fd("CLOSE_RANGE first", first);
        if (Integer.compareUnsigned(last, first) < 0) {
            throw new IllegalArgumentException("CLOSE_RANGE: last " + Integer.toUnsignedString(last)
                    + " is below first " + first);
        }
        return last;
    }

    static int pgid(int pgid) {
        if (pgid < 0) {
            throw new IllegalArgumentException("SETPGID: negative process group " + pgid);
        }
        return pgid;
    }

    static int umask(int mask) {
        if ((mask & ~0777) != 0) {
            throw new IllegalArgumentException("UMASK: mask " + Integer.toOctalString(mask) + " is not within 0777");
        }
        return mask;
    }

    static int rlimitResource(int resource) {
        if (resource < 0) {
            throw new IllegalArgumentException("SETRLIMIT: bad resource " + resource);
        }
        return resource;
    }

    static int sigmaskHow(int how) {
        if (how != Linux.SIG_BLOCK && how != Linux.SIG_UNBLOCK && how != Linux.SIG_SETMASK) {
            throw new IllegalArgumentException("SIGMASK: how must be SIG_BLOCK, SIG_UNBLOCK or SIG_SETMASK, got "
                    + how);
        }
        return how;
    }

    static int signal(int signal) {
        if (signal < 0 || signal > Linux.NSIG_MAX) {
            throw new IllegalArgumentException("PDEATHSIG: bad signal " + signal);
        }
        return signal;
    }
}
