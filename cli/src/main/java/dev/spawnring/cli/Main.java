package dev.spawnring.cli;

import dev.spawnring.cli.run.RawArguments;
import dev.spawnring.cli.run.RunCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code spawnring} command line. Without a subcommand it prints usage.
 *
 * <pre>
 * ./spawnring probe            what this kernel offers and which backend is picked
 * ./spawnring chain ...        run one CLONE/EXEC chain and print every completion
 * </pre>
 */
@Command(name = "spawnring", mixinStandardHelpOptions = true, version = "spawnring 0.1.0",
        description = "Start and supervise Linux processes through io_uring.",
        subcommands = {ProbeCommand.class, ChainCommand.class, RunCommand.class})
public final class Main implements Runnable {
    /** Exit code: everything went as asked. */
    public static final int EXIT_OK = 0;
    /** Exit code: what was asked for ran, and failed. */
    public static final int EXIT_FAILED = 1;
    /** Exit code: the command line was wrong (picocli's usage error). */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        CommandLine cl = commandLine();
        RunCommand run = cl.getSubcommands().get("run").getCommand();
        run.arguments(args, RawArguments.read(args));
        System.exit(cl.execute(args));
    }

    /** @return the configured command line, for tests to drive with {@code execute(args)} */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // An argument such as "@list" is the user's (a command's argument, an input), never a file of arguments.
        cl.setExpandAtFiles(false);
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
