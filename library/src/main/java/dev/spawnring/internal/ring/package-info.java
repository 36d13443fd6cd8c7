/**
 * What a {@link dev.spawnring.uring.Ring} stands on: the backend interface
 * ({@link dev.spawnring.internal.ring.RingBackend}), the kernel's io_uring
 * ({@link dev.spawnring.internal.ring.KernelRing}), the io_uring struct layouts
 * ({@link dev.spawnring.internal.ring.Layouts}), and the spawn contract as a layer over
 * the backend ({@link dev.spawnring.internal.ring.SpawnLayer}), which runs the chains that
 * hold CLONE/EXEC opcodes and posts their completions itself.
 */
package dev.spawnring.internal.ring;
