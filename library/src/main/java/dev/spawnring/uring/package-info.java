/**
 * The ring under spawnring's process API, with liburing's vocabulary: {@link
 * dev.spawnring.uring.Ring} hands out {@link dev.spawnring.uring.Sqe}s to fill with a
 * {@code prepXxx} call, submits them, and returns {@link dev.spawnring.uring.Cqe}s. It runs
 * on the kernel's io_uring where that is allowed and on an emulation of it over epoll
 * ({@link dev.spawnring.uring.Backend#FALLBACK}) where it is refused; both give the same
 * completions for the same submissions.
 *
 * <p>Beyond io_uring's own ops, the ring implements the io_uring process-spawning
 * proposal: a chain headed by {@code IORING_OP_CLONE} starts a child that runs the
 * requests linked after the CLONE (DUP2, CLOSE_RANGE, CHDIR, ...) and ends with an
 * {@code IORING_OP_EXEC}; every step posts its own completion. Those opcodes
 * ({@link dev.spawnring.uring.IoUring#isSpawnOp}) never reach the kernel: spawnring runs
 * such chains itself, at submit.
 *
 * <p>Constants keep the kernel's names and values ({@link dev.spawnring.uring.IoUring}).
 * A ring is used by one thread at a time, as with liburing.
 */
package dev.spawnring.uring;
