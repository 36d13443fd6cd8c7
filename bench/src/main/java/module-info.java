/**
 * {@code spawnring bench}: spawnring against the C floor, {@code ProcessBuilder} and
 * NuProcess, side by side in one run. A subcommand added to the command line's root.
 */
module dev.spawnring.bench {
    requires dev.spawnring;
    requires dev.spawnring.cli;
    requires info.picocli;
    requires com.zaxxer.nuprocess;
    requires org.knowm.xchart;
    requires java.desktop;

    opens dev.spawnring.bench to info.picocli;
}
