/**
 * The {@code spawnring} command line: {@code run} (a GNU-parallel-class runner),
 * {@code chain} (one CLONE/EXEC chain, every completion printed) and {@code probe}.
 * It stands on the library's exported API only.
 */
module dev.spawnring.cli {
    requires dev.spawnring;
    requires info.picocli;

    exports dev.spawnring.cli;

    opens dev.spawnring.cli to info.picocli;
    opens dev.spawnring.cli.run to info.picocli;
}
