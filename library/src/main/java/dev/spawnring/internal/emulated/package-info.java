/**
 * io_uring emulated in user space, for where {@code io_uring_setup} is refused
 * ({@link dev.spawnring.uring.Backend#FALLBACK}). Shaped like the kernel's
 * {@code io_uring/} directory: {@link dev.spawnring.internal.emulated.EmulatedRing} is the
 * core (submission, links, drain, completion batching and task work, the CQ), and each
 * op family has a small class of its own, reached through an op table as the kernel's
 * {@code io_issue_defs}; a reactor thread waits on epoll and timers for the requests that
 * must wait.
 */
package dev.spawnring.internal.emulated;
