/**
 * spawnring: start and supervise Linux processes through io_uring, from Java.
 *
 * <p>{@code dev.spawnring} is the process API ({@code Spawner}, {@code Command},
 * {@code Child}); {@code dev.spawnring.uring} the ring under it (io_uring, or the
 * emulated FALLBACK ring) with the CLONE/EXEC spawn contract. Everything else is
 * internal. Native access must be enabled:
 * {@code --enable-native-access=dev.spawnring}.
 */
module dev.spawnring {
    exports dev.spawnring;
    exports dev.spawnring.uring;
}
