/**
 * The CLONE/EXEC contract of the io_uring process-spawning proposal, done in user
 * space.
 *
 * <p>A CLONE request followed by linked requests becomes a {@link
 * dev.spawnring.internal.spawn.ChildProgram}: an array of steps in native memory that
 * spawnring's native interpreter ({@code libspawnring.so}, loaded through
 * {@link dev.spawnring.internal.sys.NativeLibrary}) runs inside the new child, between
 * clone and exec. Each step posts its own result, so a caller knows which step
 * failed and why; a failure without HARDLINK cancels the rest
 * ({@code -ECANCELED}); the first EXEC that succeeds ends the chain; a child in
 * which no EXEC succeeds dies by {@code SIGKILL}.
 *
 * <p>Whoever spawns reaps: nothing in this package waits for a child. The caller
 * keeps the pid or pidfd that {@link dev.spawnring.internal.spawn.ChildProgram#run} gives
 * and collects the exit with {@code waitid} (for instance
 * {@code Sys.waitid(Linux.P_PIDFD, pidfd, siginfo, Linux.WEXITED)}).
 */
package dev.spawnring.internal.spawn;
