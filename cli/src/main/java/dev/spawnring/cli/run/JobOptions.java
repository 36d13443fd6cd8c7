package dev.spawnring.cli.run;

import java.util.List;
import picocli.CommandLine.Option;

/**
 * GNU parallel's options of {@code spawnring run} about what a job prints and how jobs are
 * started: {@code --tag}, {@code --tagstring}, {@code -v}, {@code -u}, {@code --results},
 * {@code --files}, {@code --delay}, {@code --eta}, {@code --progress}, {@code --env},
 * {@code --termseq}, {@code --resume}, {@code --resume-failed}, {@code --pipe}, {@code --block},
 * {@code --recend}. A picocli mixin of {@link RunCommand}.
 */
public final class JobOptions {
    @Option(names = "--tag", description = "Prefix each output line with the job's inputs and a tab.")
    boolean tag;

    @Option(names = "--tagstring", paramLabel = "STR",
            description = "Prefix each output line with STR (placeholders filled) and a tab.")
    String tagString;

    @Option(names = {"-v", "--verbose"}, description = "Print each job's command line before its output.")
    boolean verbose;

    @Option(names = {"-u", "--ungroup"},
            description = "Print the jobs' output as it comes, not grouped: jobs write to run's own stdout and stderr.")
    boolean ungroup;

    @Option(names = {"--results", "--res"}, paramLabel = "DIR",
            description = "Save each job's stdout, stderr and number in DIR/1/<input 1>/2/<input 2>/..., "
                    + "as GNU parallel; print nothing else.")
    String results;

    @Option(names = "--files", description = "Save each job's stdout in a file and print the file's name.")
    boolean files;

    @Option(names = "--delay", paramLabel = "DURATION", description = "Wait DURATION between the starts of two jobs.")
    String delay;

    @Option(names = {"--eta", "--progress"}, description = "Show the progress line on stderr (as --bar).")
    boolean progress;

    @Option(names = "--env", paramLabel = "VAR",
            description = "Accepted for GNU parallel's sake: jobs run here inherit the whole environment anyway.")
    List<String> env;

    @Option(names = "--termseq", paramLabel = "SEQ",
            description = "TERM,ms[,TERM,ms...],KILL,ms: the grace before SIGKILL is the sum of the delays "
                    + "before KILL (as --timeout-grace).")
    String termseq;

    @Option(names = {"--resume"}, description = "Skip the jobs the --joblog already has; append to it.")
    boolean resume;

    @Option(names = {"--resume-failed"},
            description = "Run again the jobs the --joblog has as failed, skip those it has as done; append to it.")
    boolean resumeFailed;

    @Option(names = {"--pipe", "--spreadstdin"},
            description = "Split stdin into blocks of whole records, each given to one job's stdin.")
    boolean pipe;

    @Option(names = {"--block", "--block-size"}, paramLabel = "SIZE", defaultValue = "1M",
            description = "--pipe: block size in bytes, k, M or G (1024-based; default ${DEFAULT-VALUE}); "
                    + "a block ends after its last whole record.")
    String block;

    @Option(names = "--recend", paramLabel = "STR", defaultValue = "\n",
            description = "--pipe: what ends a record (default: a newline).")
    String recend;

    /** Makes the options; picocli does this. */
    public JobOptions() {
    }

    /**
     * {@code --block}: bytes, or with a suffix {@code k}, {@code M}, {@code G}, {@code T} (any
     * case, 1024-based, as GNU parallel).
     *
     * @return the size
     * @throws IllegalArgumentException saying what is wrong
     */
    long blockSize() {
        String s = block.trim();
        long unit = 1;
        if (!s.isEmpty()) {
            int i = "kmgt".indexOf(Character.toLowerCase(s.charAt(s.length() - 1)));
            if (i >= 0) {
                unit = 1L << (10 * (i + 1));
                s = s.substring(0, s.length() - 1);
            }
        }
        try {
            double n = Double.parseDouble(s);
            if (!(n >= 1) || n * unit > Integer.MAX_VALUE - 8) {
                throw new NumberFormatException();
            }
            return (long) (n * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--block " + block + ": expected a size from 1 byte to 2G, e.g. 64k or 1M");
        }
    }

    /**
     * {@code --termseq}: GNU parallel's list of signals and delays. Only a SIGTERM (once or
     * more) then SIGKILL can be had (the library's timeout sends SIGTERM, then SIGKILL after a
     * grace period): the grace is the sum of the delays before the KILL.
     *
     * @return the grace in milliseconds
     * @throws IllegalArgumentException for any other sequence
     */
    long termseqGraceMillis() {
        String[] parts = termseq.split(",");
        IllegalArgumentException bad = new IllegalArgumentException("--termseq " + termseq
                + ": only TERM,ms[,TERM,ms...],KILL[,ms] is supported (a timeout here sends SIGTERM, then SIGKILL)");
        if (parts.length < 3) {
            throw bad;
        }
        long grace = 0;
        for (int i = 0; i < parts.length; i += 2) {
            String sig = parts[i].trim().toUpperCase(java.util.Locale.ROOT).replaceFirst("^SIG", "");
            boolean last = i >= parts.length - 2;
            if (!(last ? sig.equals("KILL") || sig.equals("9") : sig.equals("TERM") || sig.equals("15"))) {
                throw bad;
            }
            if (!last) {
                try {
                    grace += Long.parseLong(parts[i + 1].trim());
                } catch (NumberFormatException e) {
                    throw bad;
                }
            }
        }
        return grace;
    }
}
