package dev.spawnring.uring;

/**
 * What runs a {@link Ring}'s requests.
 */
public enum Backend {
    /** The kernel's io_uring ({@code io_uring_setup(2)}, shared SQ/CQ rings). */
    IO_URING,
    /**
     * spawnring's emulated ring: the same interface and completions, run in user space
     * over epoll, for where io_uring is not allowed (container seccomp profiles,
     * {@code kernel.io_uring_disabled}).
     */
    FALLBACK;

    /** The system property that forces a backend: {@code -Dspawnring.backend=io_uring|fallback}. */
    public static final String PROPERTY = "spawnring.backend";

    /**
     * Returns the backend that {@link #PROPERTY} forces: {@code io_uring} (or {@code iouring},
     * {@code io-uring}) and {@code fallback} (or {@code epoll}), in any case.
     *
     * @return the forced backend, or {@code null} when the property is not set or blank
     * @throws IllegalArgumentException when the property names no backend
     */
    public static Backend forced() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            return null;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "io_uring", "iouring", "io-uring" -> IO_URING;
            case "fallback", "epoll" -> FALLBACK;
            default -> throw new IllegalArgumentException(
                    "-D" + PROPERTY + "=" + v + ": expected io_uring or fallback");
        };
    }
}
