package dev.spawnring;

/**
 * Resource limits under their kernel names ({@code <sys/resource.h>}), for
 * {@link Command#rlimit(int, long, long)}.
 *
 * <pre>{@code
 * Command.of("worker").rlimit(Rlimit.RLIMIT_NOFILE, 4096, 4096)
 *                     .rlimit(Rlimit.RLIMIT_CORE, 0, 0);
 * }</pre>
 *
 * Do not change a value: each one is what the kernel expects.
 */
public final class Rlimit {
    /** CPU time in seconds; past the soft limit the process gets {@link Signal#SIGXCPU}. */
    public static final int RLIMIT_CPU = 0;
    /** The largest file the process may create, in bytes. */
    public static final int RLIMIT_FSIZE = 1;
    /** The data segment's size, in bytes. */
    public static final int RLIMIT_DATA = 2;
    /** The main thread's stack size, in bytes. */
    public static final int RLIMIT_STACK = 3;
    /** The largest core dump, in bytes (0: none). */
    public static final int RLIMIT_CORE = 4;
    /** Resident set size (not enforced by Linux). */
    public static final int RLIMIT_RSS = 5;
    /** Processes (threads) of the real user. */
    public static final int RLIMIT_NPROC = 6;
    /** One more than the highest file descriptor number the process may open. */
    public static final int RLIMIT_NOFILE = 7;
    /** Memory locked in RAM, in bytes. */
    public static final int RLIMIT_MEMLOCK = 8;
    /** The address space's size, in bytes. */
    public static final int RLIMIT_AS = 9;
    /** File locks (not enforced by Linux). */
    public static final int RLIMIT_LOCKS = 10;
    /** Signals queued for the real user. */
    public static final int RLIMIT_SIGPENDING = 11;
    /** Bytes in POSIX message queues. */
    public static final int RLIMIT_MSGQUEUE = 12;
    /** The ceiling of the nice value ({@code 20 - limit}). */
    public static final int RLIMIT_NICE = 13;
    /** The ceiling of the real-time priority. */
    public static final int RLIMIT_RTPRIO = 14;
    /** CPU time under real-time scheduling without a blocking call, in microseconds. */
    public static final int RLIMIT_RTTIME = 15;
    /** No limit ({@code RLIM_INFINITY}, all bits set), as a soft or hard limit. */
    public static final long RLIM_INFINITY = -1L;

    private static final String[] NAMES = {
        "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC",
        "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE",
        "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
    };

    private Rlimit() {
    }

    /**
     * Returns the kernel name of a resource number.
     *
     * @param resource a resource number, {@link #RLIMIT_CPU} to {@link #RLIMIT_RTTIME}
     * @return its name, e.g. {@code "RLIMIT_NOFILE"} for 7
     * @throws IllegalArgumentException when {@code resource} names no resource
     */
    public static String name(int resource) {
        if (resource < 0 || resource >= NAMES.length) {
            throw new IllegalArgumentException("not a resource: " + resource);
        }
        return NAMES[resource];
    }

    /**
     * Returns whether a number names a resource, {@link #RLIMIT_CPU} to {@link #RLIMIT_RTTIME}:
     * those {@link Command#rlimit} takes.
     *
     * @param resource a number
     * @return true for a resource number
     */
    public static boolean isResource(int resource) {
        return resource >= 0 && resource < NAMES.length;
    }
}
