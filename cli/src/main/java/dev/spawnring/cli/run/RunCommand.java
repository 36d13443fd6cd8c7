package dev.spawnring.cli.run;

import dev.spawnring.Spawner;
import dev.spawnring.cli.Main;
import dev.spawnring.cli.Problems;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code spawnring run}: a parallel command runner in the manner of {@code xargs -P} and GNU
 * parallel, on one {@link Spawner}.
 *
 * <pre>
 * spawnring run [OPTIONS] COMMAND [ARG...] [::: INPUT... [::: INPUT...]...]
 * find . -name '*.log' | spawnring run -j 8 gzip -9
 * spawnring run --keep-order convert {} {.}.png ::: *.jpg
 * </pre>
 *
 * Inputs are the lines of stdin ({@code -0}: NUL-separated), or the {@code :::} lists (their
 * cartesian product). The placeholders are GNU parallel's ({@code {}}, {@code {.}}, {@code {/}},
 * {@code {//}}, {@code {/.}}, {@code {#}}, {@code {%}}, {@code {1}}...). Every
 * option is parsed before the command: what follows the first word of the command belongs to
 * it. Exit status: 0 when every job succeeded, else the number of failed jobs (101 for more
 * than 100), the {@code --halt} status, 255 for a usage or other error.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        exitCodeOnInvalidInput = Main.EXIT_USAGE, exitCodeOnExecutionException = RunCommand.EXIT_ERROR,
        modelTransformer = RunCommand.OptionsFirst.class,
        description = {
            "Run a command once per input, several at a time (as xargs -P or GNU parallel).",
            "Inputs: the lines of stdin (-0: NUL-separated), or the ::: lists (several make the cartesian "
                    + "product, the first varying slowest).",
            "Placeholders: {} the input, {.} without extension, {/} basename, {//} dirname, {/.} basename "
                    + "without extension, {#} job number, {%%} job slot; {1} {2} ... (and {1.} {1/} ...) pick "
                    + "one ::: list. Without a placeholder the input is appended. No shell is involved unless "
                    + "--shell is given; each placeholder stays inside its argument."},
        footer = {"",
            "Exit status: 0 when every job succeeded, else the number of failed jobs (101 for more than 100), "
                    + "or as --halt sets it; 255 for a usage error; 130 after Ctrl-C.",
            "Ctrl-C: the first sends SIGINT to every running job's process group and starts no more; "
                    + "a second kills them (SIGKILL)."})
public final class RunCommand implements Callable<Integer> {
    /** The separator of input lists on the command line. */
    public static final String SEPARATOR = ":::";
    /** Exit status when the runner itself fails (the joblog cannot be written, stdout is closed): GNU parallel's 255. */
    public static final int EXIT_ERROR = 255;

    @Option(names = {"-j", "--jobs", "-P", "--max-procs"}, paramLabel = "N",
            description = "Jobs at a time: N, 0 for as many as possible, N%% of the cores, +N or -N cores "
                    + "(default: the number of cores).")
    String jobs;

    @Option(names = {"-0", "--null"}, description = "Stdin items are separated by NUL, not newline.")
    boolean nul;

    @Option(names = "--shell", description = "Run the filled template with sh -c; substituted inputs are shell-quoted.")
    boolean shell;

    @Option(names = {"-k", "--keep-order"}, description = "Print the jobs' output in input order.")
    boolean keepOrder;

    @Option(names = {"--line-buffer", "--lb", "--linebuffer"},
            description = "Print output line by line as it comes, lines of different jobs interleaved "
                    + "(with -k: the oldest running job's lines as they come, the others' when their turn comes).")
    boolean lineBuffer;

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "Kill a job running longer (500ms, 2s, 1m; seconds when bare): SIGTERM to its "
                    + "process group, SIGKILL after the grace period.")
    String timeout;

    @Option(names = "--timeout-grace", paramLabel = "DURATION", defaultValue = "2s",
            description = "Between SIGTERM and SIGKILL, for --timeout and --halt now (default: ${DEFAULT-VALUE}).")
    String timeoutGrace;

    @Option(names = "--retries", paramLabel = "N",
            description = "Try a failed job N times in all (0: until it succeeds), as GNU parallel; only the "
                    + "last attempt is printed and logged.")
    Integer retries;

    @Option(names = {"--halt", "--halt-on-error"}, paramLabel = "WHEN,WHY=N",
            description = "Stop early, as GNU parallel: now|soon,fail|success|done=N or =N%%; 'soon' starts no "
                    + "new job, 'now' also kills the running ones.")
    String halt;

    @Option(names = {"--joblog", "--jl"}, paramLabel = "FILE",
            description = "Log every job in GNU parallel's tab-separated format (+FILE appends).")
    String joblog;

    @Option(names = "--stats", paramLabel = "FILE",
            description = "Write what each job's process tree used (CPU, peaks) to FILE, one tab-separated line per job.")
    String stats;

    @Option(names = "--no-tree", description = "Do not put each job in a cgroup of its own (its process group only).")
    boolean noTree;

    @Option(names = "--bar", description = "Show the progress bar even when stderr is not a terminal.")
    boolean bar;

    @Option(names = "--no-bar", description = "Never show the progress bar.")
    boolean noBar;

    @Option(names = {"--dry-run", "--dryrun"}, description = "Print the commands (shell-quoted), one per line; run nothing.")
    boolean dryRun;

    @Mixin
    SshOptions ssh = new SshOptions();

    @Mixin
    InputOptions input = new InputOptions();

    @Mixin
    JobOptions more = new JobOptions();

    @Parameters(paramLabel = "COMMAND", arity = "0..*",
            description = "The command template, then the ::: input lists, if any.")
    List<String> words = new ArrayList<>();

    @Spec
    CommandSpec spec;

    // This JVM's fds themselves, not System.out (a PrintStream hides write errors such as EPIPE).
    private InputStream in = System.in;
    private OutputStream out = new FileOutputStream(FileDescriptor.out);
    private OutputStream err = new FileOutputStream(FileDescriptor.err);
    private boolean ownStreams;
    private String[] args = new String[0];
    private RawArguments raw;

    /** Makes the command; picocli does this. */
    public RunCommand() {
    }

    /**
     * Where the run reads its inputs and writes the jobs' output and its messages (by default
     * this JVM's stdin, stdout and stderr). Usage errors go to picocli's writer as for every
     * command.
     *
     * @param in  where stdin inputs are read from
     * @param out where the jobs' stdout goes
     * @param err where the jobs' stderr, the messages and the progress bar go
     * @return this command
     */
    public RunCommand io(InputStream in, OutputStream out, OutputStream err) {
        this.in = Objects.requireNonNull(in, "in");
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
        this.ownStreams = true;
        return this;
    }

    /**
     * The bytes of this JVM's command line ({@link RawArguments}), so that the command template
     * and the {@code :::} inputs are the bytes the user gave, not the JVM's decoding of them.
     * Without it (a command line driven from Java) the words are encoded in the platform's
     * charset.
     *
     * @param args what {@code main} got: the whole command line, {@code run} included
     * @param raw  their bytes, or why they could not be had
     * @return this command
     */
    public RunCommand arguments(String[] args, RawArguments raw) {
        this.args = args.clone();
        this.raw = Objects.requireNonNull(raw, "raw");
        return this;
    }

    @Override
    public Integer call() throws IOException {
        List<byte[]> template = new ArrayList<>();
        List<InputOptions.Source> sources = new ArrayList<>();
        List<byte[]> list = null; // the ::: list being read
        boolean files = false;    // after :::: or ::::+
        boolean linkNext = false; // the next file is linked (::::+)
        for (byte[] w : wordBytes()) {
            boolean linked = Bytes.is(w, ":::+") || Bytes.is(w, "::::+");
            if (Bytes.is(w, SEPARATOR) || Bytes.is(w, ":::+")) {
                list = new ArrayList<>();
                files = false;
                sources.add(new InputOptions.Source(list, null, false, linked));
            } else if (Bytes.is(w, "::::") || Bytes.is(w, "::::+")) {
                list = null;
                files = true;
                linkNext = linked;
            } else if (files) {
                sources.add(Bytes.is(w, "-") ? new InputOptions.Source(null, null, true, linkNext)
                        : new InputOptions.Source(null, Path.of(Bytes.text(w)), false, linkNext));
                linkNext = false;
            } else if (list != null) {
                list.add(w);
            } else {
                template.add(w);
            }
        }
        String problem = input.problem();
        if (problem != null) {
            throw usage(problem);
        }
        if (files && sources.isEmpty()) {
            throw usage(":::: needs at least one file");
        }
        // Every option is checked before anything is read or run.
        int slots = parseJobs();
        Duration limit = timeout == null ? null : positive("--timeout", timeout);
        Duration grace = duration("--timeout-grace", timeoutGrace);
        if (more.termseq != null) {
            try {
                grace = Duration.ofMillis(more.termseqGraceMillis());
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
        }
        Duration delay = more.delay == null ? null : duration("--delay", more.delay);
        long blockSize;
        try {
            blockSize = more.blockSize();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (more.pipe && (!sources.isEmpty() || !input.argFiles.isEmpty() || input.several() && input.maxReplaceArgs == null)) {
            throw usage("--pipe reads stdin: it takes no ::: or :::: inputs, no -a, -n, -m or -X (-N N: N records a block)");
        }
        if (more.pipe && more.recend.isEmpty()) {
            throw usage("--recend: must not be empty");
        }
        if ((more.resume || more.resumeFailed) && (joblog == null || joblog.startsWith("+"))) {
            throw usage((more.resume ? "--resume" : "--resume-failed") + " needs --joblog FILE (the log it reads and appends to)");
        }
        if (more.results != null && (lineBuffer || more.ungroup)) {
            throw usage("--results saves each job's output whole: not with --line-buffer or -u");
        }
        if (retries != null && retries < 0) {
            throw usage("--retries " + retries + ": must be 0 or more");
        }
        // GNU parallel: N tries in all; 0 tries until the job succeeds.
        int tries = retries == null ? 1 : retries == 0 ? Integer.MAX_VALUE : retries;
        Halt h;
        try {
            h = halt == null ? Halt.NEVER : Halt.parse(halt);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (bar && noBar) {
            throw usage("--bar and --no-bar cannot be combined");
        }
        Remotes.Plan remote = null;
        if (ssh.any()) {
            try {
                remote = Remotes.Plan.of(ssh);
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
            if (more.pipe) {
                throw usage("--pipe and -S/--sshlogin cannot be combined (yet): a block is given to a local job only");
            }
        }
        InputOptions.Built built;
        try {
            built = more.pipe ? new InputOptions.Built(new Blocks(in, blockSize,
                    input.maxReplaceArgs == null ? 0 : input.maxReplaceArgs, Bytes.of(more.recend)), java.util.Map.of(), 0)
                    : input.build(sources, in, nul);
        } catch (IOException | RuntimeException e) {
            message("spawnring run: reading the inputs: " + Problems.describe(e) + "\n");
            return EXIT_ERROR;
        }
        Inputs inputs = built.inputs();
        Template t = template.isEmpty() ? Template.commandLess()
                : Template.parse(template, shell, built.names(), input.context);
        int most = input.multiple || input.context || input.colsep != null ? Integer.MAX_VALUE
                : more.pipe ? 0 : built.sources() * input.perJob();
        if (t.highestSource() > most) {
            throw usage("the command uses {" + t.highestSource() + "} but there "
                    + (most == 1 ? "is 1 input source" : "are " + most + " input sources"));
        }
        if (dryRun) {
            return dryRun(t, inputs, slots, more.pipe);
        }
        JobLog log = null;
        java.util.Set<Long> skip = java.util.Set.of();
        if (joblog != null) {
            try {
                if (more.resume || more.resumeFailed) {
                    skip = Extras.logged(Path.of(joblog), more.resume);
                }
                log = JobLog.open(more.resume || more.resumeFailed ? "+" + joblog : joblog);
            } catch (IOException | RuntimeException e) {
                message("spawnring run: --joblog " + joblog + ": cannot write it: " + Problems.describe(e) + "\n");
                return EXIT_ERROR;
            }
        }
        if (sources.isEmpty() && input.argFiles.isEmpty() && !ownStreams && ProgressBar.isTerminal(0)) {
            message("spawnring run: reading the inputs from the terminal, one per line (end with Ctrl-D)\n");
        }
        Printer printer = new Printer(out, err, keepOrder);
        Spawner spawner;
        try {
            // One loop per job slot up to the cores: a loop clones one child at a time, so more
            // loops than cores (or than jobs at a time) would only wait for a CPU.
            int loops = Math.min(slots, Runtime.getRuntime().availableProcessors());
            spawner = Spawner.builder().loops(Math.max(1, Math.min(loops, Spawner.MAX_LOOPS))).build();
        } catch (IOException | RuntimeException e) {
            message("spawnring run: cannot start: " + Problems.describe(e) + "\n");
            if (log != null) {
                log.close();
            }
            return EXIT_ERROR;
        }
        Remotes remotes = null;
        if (remote != null) {
            String hostProblem = remote.movesFiles() && !SshOptions.hasRsync()
                    ? "'rsync' is not in $PATH: --transferfile and --return need it" : null;
            try {
                remotes = hostProblem != null ? null : Remotes.open(remote, spawner, jobs,
                        Math.max(1, asManyAsPossible() / Math.max(1, remote.logins().size())),
                        m -> message("spawnring run: " + m + "\n"));
            } catch (IOException | RuntimeException e) {
                hostProblem = "cannot reach the hosts: " + Problems.describe(e);
            }
            if (hostProblem == null && remotes.slots() == 0) {
                hostProblem = "no host is up";
                remotes.close();
            }
            if (hostProblem != null) {
                message("spawnring run: " + hostProblem + "\n");
                spawner.close();
                if (log != null) {
                    log.close();
                }
                return EXIT_ERROR;
            }
            slots = remotes.slots() > 0 ? remotes.slots() : slots;
        }
        java.util.Map<Integer, String> names = new java.util.HashMap<>();
        built.names().forEach((name, index) -> names.putIfAbsent(index, name));
        // --tagstring implies --tag and wins over it, as in GNU parallel.
        Template tag = more.tagString != null
                ? Template.parse(List.of(Bytes.of(more.tagString)), false, built.names(), false)
                : more.tag ? Template.parse(List.of(Bytes.of("{}")), false) : null;
        Extras extras = new Extras(tag, verbose(), more.ungroup, more.ungroup && !ownStreams,
                more.results == null ? null : Path.of(more.results), names, more.files, delay, more.pipe, skip);
        Runner runner = new Runner(new RunSettings(t, slots, limit, grace, tries, h, keepOrder, lineBuffer, extras,
                !noTree),
                inputs, printer, log, spawner);
        if (remotes != null) {
            runner.remotes(remotes);
        }
        if (stats != null) {
            try {
                runner.stats(Stats.open(stats));
            } catch (IOException | RuntimeException e) {
                message("spawnring run: --stats " + stats + ": cannot write it: " + Problems.describe(e) + "\n");
                runner.finish();
                return EXIT_ERROR;
            }
        }
        if (bar || more.progress || (!noBar && !ownStreams && ProgressBar.isTerminal(2))) {
            printer.showBar(new ProgressBar(runner));
        }
        Thread hook = Interrupts.install(runner, printer);
        try {
            return runner.run();
        } finally {
            Interrupts.remove(hook);
        }
    }

    private boolean verbose() {
        return more.verbose;
    }

    /**
     * The positional words as bytes: from the command line's bytes when they are known (the
     * words are the command line's last ones), else encoded from the strings, with a warning
     * when the JVM's decoding may have lost bytes (U+FFFD in a word).
     */
    private List<byte[]> wordBytes() {
        String problem = raw == null ? null : raw.problem();
        if (raw != null && raw.bytes() != null) {
            int from = args.length - words.size();
            boolean same = from >= 0;
            for (int i = 0; same && i < words.size(); i++) {
                same = args[from + i].equals(words.get(i));
            }
            if (same) {
                return raw.bytes().subList(from, args.length);
            }
            problem = "the command's words are not the command line's last " + words.size() + " arguments";
        }
        if (problem != null && words.stream().anyMatch(w -> w.indexOf('\ufffd') >= 0)) {
            message("spawnring run: Warning: the command line's bytes are not known (" + problem + "): its words "
                    + "are used as the JVM decoded them (" + Bytes.CHARSET + "), U+FFFD included\n");
        }
        return words.stream().map(Bytes::of).toList();
    }

    private int dryRun(Template t, Inputs inputs, int slots, boolean pipe) throws IOException {
        long seq = 0;
        Bytes.Builder b = new Bytes.Builder();
        try {
            for (List<byte[]> values; (values = inputs.next()) != null; ) {
                seq++;
                b.append(t.display(pipe ? List.of() : values, seq, (int) ((seq - 1) % slots) + 1)).append((byte) '\n');
                if (b.length() > 8192) {
                    out.write(b.toBytes());
                    b = new Bytes.Builder();
                }
            }
            out.write(b.toBytes());
            out.flush();
        } catch (IOException e) {
            if (!"Broken pipe".equals(e.getMessage())) { // a closed pipe is a normal end
                message("spawnring run: writing output failed: " + Problems.describe(e) + "\n");
            }
            return EXIT_ERROR;
        }
        return 0;
    }

    /** {@code -j}: N, 0 (as many as the fd limit allows), N% of the cores, +N or -N cores. */
    private int parseJobs() {
        int cores = Runtime.getRuntime().availableProcessors();
        if (jobs == null) {
            return cores;
        }
        String j = jobs.trim();
        try {
            long n;
            if (j.endsWith("%")) {
                n = (long) Math.floor(cores * Double.parseDouble(j.substring(0, j.length() - 1)) / 100);
                n = Math.max(1, n);
            } else if (j.startsWith("+") || j.startsWith("-")) {
                n = Math.max(1, cores + Long.parseLong(j));
            } else {
                n = Long.parseLong(j);
                if (n == 0) {
                    return asManyAsPossible();
                }
            }
            if (n < 1 || n > 1_000_000) {
                throw usage("-j " + jobs + ": expected 0 to 1000000");
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw usage("-j " + jobs + ": expected a number of jobs: N, 0, N%, +N or -N");
        }
    }

    /**
     * {@code -j 0}: each running job holds three fds (its pidfd and two output memfds or
     * pipes), so the soft fd limit bounds it (the JVM raises that limit to the hard one).
     */
    private static int asManyAsPossible() {
        long files = 1024;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    files = soft.equals("unlimited") ? 1 << 20 : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            // keep 1024
        }
        return (int) Math.max(1, Math.min(1 << 16, (files - 64) / 4));
    }

    private Duration duration(String option, String text) {
        try {
            return Durations.parse(option, text);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private Duration positive(String option, String text) {
        Duration d = duration(option, text);
        if (d.isZero()) {
            throw usage(option + " " + text + ": must be more than 0");
        }
        return d;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private void message(String text) {
        try {
            err.write(Bytes.of(text));
            err.flush();
        } catch (IOException e) {
            // stderr is gone: nothing left to tell
        }
    }

    /**
     * Makes every word after the first positional one a positional parameter, so the command's
     * own options ({@code ls -l}) are not taken as options of {@code run}.
     */
    public static final class OptionsFirst implements CommandLine.IModelTransformer {
        /** Made by picocli. */
        public OptionsFirst() {
        }

        @Override
        public CommandSpec transform(CommandSpec commandSpec) {
            commandSpec.parser().stopAtPositional(true);
            return commandSpec;
        }
    }
}
