/**
 * The machinery under the public process API, as {@code java.lang.ProcessImpl} is under
 * {@code ProcessBuilder}: a Spawner's event loops ({@link dev.spawnring.internal.process.LoopGroup},
 * {@code EventLoop}), the compilation of one spawn into a CLONE chain ({@code Launch}), a
 * child's life on its loop ({@link dev.spawnring.internal.process.ChildState}; its pidfd and
 * signals, {@code ChildPid}; the loop's WAITID, timeout, group and cgroup work and reap,
 * {@code ExitWatch}), and its streams (pipes read and written through the
 * ring, output captured, memfds).
 *
 * <p>The public classes in {@code dev.spawnring} hand this package an immutable
 * {@link dev.spawnring.internal.process.ProcessSpec} and wrap what it gives back; nothing
 * here is exported.
 */
package dev.spawnring.internal.process;
