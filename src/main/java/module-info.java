/**
 * spawnring: start and supervise Linux processes through io_uring, from Java.
 *
 * <p>{@code dev.spawnring.uring} is the ring (io_uring, or the emulated FALLBACK
 * ring); {@code dev.spawnring.sys} the system calls it stands on. Native access
 * must be enabled: {@code --enable-native-access=dev.spawnring}.
 */
module dev.spawnring {
    requires info.picocli;

    exports dev.spawnring;
    exports dev.spawnring.sys;
    exports dev.spawnring.uring;

    opens dev.spawnring.cli to info.picocli;
    opens dev.spawnring.cli.run to info.picocli;
}
