package dev.spawnring.cli;

import dev.spawnring.cli.run.RawArguments;
import dev.spawnring.cli.run.RunCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code spawnring} command line. Without a subcommand it prints usage.
 *
 * <pre>
 * ./spawnring probe            what this kernel offers and which backend is picked
 * ./spawnring chain ...        run one CLONE/EXEC chain and print every completion
 * ./spawnring run ...          run a command once per input, several at a time
 * </pre>
 *
 * A usage error, in any command, prints one line saying what is wrong and one pointing to
 * {@code --help}, and exits with {@link #EXIT_USAGE}; an expected failure (a file that cannot
 * be opened, a program that cannot run) prints one line, never a stack trace.
 */
@Command(name = "spawnring", mixinStandardHelpOptions = true, version = "spawnring 0.1.0",
        description = "Start and supervise Linux processes through io_uring.",
        subcommands = {ProbeCommand.class, ChainCommand.class, RunCommand.class})
public final class Main implements Runnable {
    /** Exit code: everything went as asked. */
    public static final int EXIT_OK = 0;
    /** Exit code: what was asked for ran, and failed. */
    public static final int EXIT_FAILED = 1;
    /**
     * Exit code of every command for a usage error: 255, GNU parallel's, since {@code run}'s
     * statuses 1 to 101 count failed jobs (and xargs' 1 and 2 would be read as such).
     */
    public static final int EXIT_USAGE = 255;

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
        // An option given again takes its last value, as in GNU parallel (scripts add to a base command line).
        cl.setOverwrittenOptionsAllowed(true);
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler(Main::failure);
        return cl;
    }

    /** A usage error: what is wrong, and where to read more; {@link #EXIT_USAGE}. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        PrintWriter err = cmd.getErr();
        err.println(name + ": " + e.getMessage());
        err.println("Try '" + name + " --help' for more information.");
        err.flush();
        return EXIT_USAGE;
    }

    /** A command failed: one line for an expected failure, the stack trace for a bug. */
    private static int failure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        String name = cmd.getCommandSpec().qualifiedName();
        PrintWriter err = cmd.getErr();
        if (Problems.isExpected(e)) {
            err.println(name + ": " + Problems.describe(e));
        } else {
            err.println(name + ": internal error: " + e);
            e.printStackTrace(err);
        }
        err.flush();
        return cmd.getCommandSpec().exitCodeOnExecutionException();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
