package dev.spawnring.internal.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Errno values under their C names, their names and messages as glibc spells them,
 * and the one place where a failed call becomes an exception.
 *
 * <p>spawnring's system layer returns results the way the kernel and io_uring do:
 * a value {@code >= 0} on success, {@code -errno} on failure. {@link #check} turns
 * such a result into a {@link SysException}.
 */
public final class Errno {
    // Values from <asm-generic/errno-base.h> and <asm-generic/errno.h> (x86_64). Do not change.
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int ENOEXEC = 8;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ETXTBSY = 26;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EROFS = 30;
    public static final int EPIPE = 32;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ELOOP = 40;
    public static final int ETIME = 62;
    public static final int EOVERFLOW = 75;
    public static final int EOPNOTSUPP = 95;
    public static final int ENOBUFS = 105;
    public static final int ETIMEDOUT = 110;
    public static final int EALREADY = 114;
    public static final int ECANCELED = 125;

    /** glibc's names and messages (2.32+), linked when a message first needs them. */
    private static final class Strings {
        static final MethodHandle STRERRORNAME_NP = LibC.optional("strerrorname_np",
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        static final MethodHandle STRERRORDESC_NP = LibC.optional("strerrordesc_np",
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    private Errno() {
    }

    /**
     * @param errno a positive errno value (a negative one is taken as {@code -errno})
     * @return its C name, e.g. {@code "ENOENT"}, or {@code "E<n>"} for a value glibc does not know
     */
    public static String name(int errno) {
        int e = Math.abs(errno);
        String s = cString(Strings.STRERRORNAME_NP, e);
        return s != null ? s : "E" + e;
    }

    /**
     * @param errno a positive errno value (a negative one is taken as {@code -errno})
     * @return its message, e.g. {@code "No such file or directory"}
     */
    public static String message(int errno) {
        int e = Math.abs(errno);
        String s = cString(Strings.STRERRORDESC_NP, e);
        return s != null ? s : "Unknown error " + e;
    }

    /** @return e.g. {@code "ENOENT (No such file or directory)"} */
    public static String describe(int errno) {
        return name(errno) + " (" + message(errno) + ")";
    }

    /**
     * Turns a kernel-style result into a value or an exception.
     *
     * @param call   the call's name and context, used in the message
     * @param result the result: {@code >= 0} on success, {@code -errno} on failure
     * @return {@code result} when it is not negative
     * @throws SysException naming {@code call} and the errno when {@code result < 0}
     */
    public static long check(String call, long result) throws SysException {
        if (result < 0) {
            throw new SysException(call, (int) -result);
        }
        return result;
    }

    /** {@link #check(String, long)} for int results. */
    public static int check(String call, int result) throws SysException {
        if (result < 0) {
            throw new SysException(call, -result);
        }
        return result;
    }

    private static String cString(MethodHandle h, int errno) {
        if (h == null) {
            return null;
        }
        try {
            MemorySegment p = (MemorySegment) h.invokeExact(errno);
            return p.equals(MemorySegment.NULL) ? null : p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
