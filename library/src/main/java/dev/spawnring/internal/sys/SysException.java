package dev.spawnring.internal.sys;

import java.io.IOException;

/**
 * A system call that failed, with the call's name and the errno it returned.
 *
 * <p>The message reads like {@code io_uring_setup: EPERM (Operation not permitted)},
 * optionally with context after the call name ({@code open /nope/out.log: ENOENT (...)}).
 * Every failing call in spawnring becomes one of these through {@link Errno#check}.
 */
public class SysException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /**
     * @param call  what failed: the call's name and, if useful, what it acted on
     * @param errno the positive errno value
     */
    public SysException(String call, int errno) {
        super(call + ": " + Errno.describe(errno));
        this.call = call;
        this.errno = errno;
    }

    /** @return the call (and context) that failed, e.g. {@code "io_uring_setup"} */
    public String call() {
        return call;
    }

    /** @return the positive errno value, e.g. {@link Errno#EPERM} */
    public int errno() {
        return errno;
    }
}
