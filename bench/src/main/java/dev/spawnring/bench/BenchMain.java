package dev.spawnring.bench;

import dev.spawnring.cli.Main;
import picocli.CommandLine;

/** The command line with {@code bench} added: what {@code ./spawnring bench} runs. */
public final class BenchMain {
    private BenchMain() {
    }

    /**
     * Runs the command line, {@code bench} included, and exits with its status.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** @return the command line with {@code bench} among its subcommands */
    public static CommandLine commandLine() {
        return Main.commandLine().addSubcommand("bench", new BenchCommand());
    }
}
