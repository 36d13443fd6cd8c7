package dev.spawnring.uring;

import dev.spawnring.internal.sys.Errno;

/**
 * One completion: what {@code struct io_uring_cqe} says, with the {@code user_data}
 * the request was submitted with.
 *
 * <p>A {@code Cqe} is a copy: it stays valid after {@link Ring#cqeSeen}.
 */
public final class Cqe {
    private final long userData;
    private final int res;
    private final int flags;

    Cqe(long userData, int res, int flags) {
        this.userData = userData;
        this.res = res;
        this.flags = flags;
    }

    /**
     * Makes a completion by hand, for code that completes its own requests (a loop that is
     * closing tells its waiters {@code -ECANCELED}) and for tests.
     *
     * @param userData the {@code user_data} of the request it completes
     * @param res      the result: {@code >= 0} on success, {@code -errno} on failure
     * @param flags    {@code IORING_CQE_F_*} flags
     * @return the completion
     */
    public static Cqe of(long userData, int res, int flags) {
        return new Cqe(userData, res, flags);
    }

    /**
     * Returns the request's result ({@code res}).
     *
     * @return {@code >= 0} on success (its meaning is the op's: bytes, an fd, a pid, ...),
     *         {@code -errno} on failure
     */
    public int res() {
        return res;
    }

    /**
     * Returns the {@code user_data} of the request this completes, as it was submitted.
     *
     * @return the {@code user_data}
     */
    public long userData() {
        return userData;
    }

    /**
     * Returns the completion's flags.
     *
     * @return {@code IORING_CQE_F_*} bits, e.g. {@link IoUring#IORING_CQE_F_MORE} when more
     *         completions of the same request follow
     */
    public int flags() {
        return flags;
    }

    @Override
    public String toString() {
        return "Cqe[user_data=" + userData + ", res=" + res
                + (res < 0 ? " (" + Errno.name(-res) + ")" : "") + ", flags=" + flags + "]";
    }
}
