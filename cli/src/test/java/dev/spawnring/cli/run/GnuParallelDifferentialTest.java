package dev.spawnring.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spawnring.cli.testing.Runs;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spawnring run} against GNU parallel: each test runs both on the same inputs and
 * compares stdout (sorted where GNU parallel leaves the order open), the exit status and the
 * joblog's columns other than the times (Seq, Host, Send, Receive, Exitval, Signal, Command).
 *
 * <p>GNU parallel always runs a shell; {@code run} runs one with {@code --shell}, which the
 * GNU side drops. Each side works in a directory of its own, written {@code %D} in the
 * arguments and in the input, and read back as {@code %D} in what they print. GNU parallel's
 * shell is {@code /bin/sh} ({@code PARALLEL_SHELL}), as {@code run --shell}'s. Skipped, saying
 * why, where {@code parallel} is not installed ({@code apt-get install parallel}).
 */
class GnuParallelDifferentialTest {
    private static Path parallel;

    @TempDir
    Path dir;
    private Path gnuDir;
    private Path ourDir;

    @BeforeAll
    static void findGnuParallel() throws Exception {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, "parallel");
            if (Files.isExecutable(p)) {
                Process v = new ProcessBuilder(p.toString(), "--version").redirectErrorStream(true).start();
                String text = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (v.waitFor() == 0 && text.startsWith("GNU parallel")) {
                    parallel = p;
                }
                return;
            }
        }
    }

    @BeforeEach
    void needsGnuParallel() throws IOException {
        Assumptions.assumeTrue(parallel != null, "skipped: GNU parallel is not installed (apt-get install -y parallel; "
                + ".ci/run installs it)");
        gnuDir = Files.createDirectories(dir.resolve("gnu"));
        ourDir = Files.createDirectories(dir.resolve("ours"));
        Files.createDirectories(dir.resolve("home/.parallel"));
        Files.writeString(dir.resolve("home/.parallel/will-cite"), "");
    }

    /** What one side printed and logged, its own directory written {@code %D}. */
    record Outcome(int exit, String out, String err, List<String> joblog) {
        List<String> sortedLines() {
            return out.lines().sorted().toList();
        }
    }

    /** Both sides' outcomes. */
    record Both(Outcome gnu, Outcome ours) {
        /** Same exit status, same stdout, same joblog (without the times). */
        Both same() {
            assertEquals(gnu.exit(), ours.exit(), this::toString);
            assertEquals(gnu.out(), ours.out(), this::toString);
            assertEquals(gnu.joblog(), ours.joblog(), this::toString);
            return this;
        }

        /** Same exit status, same stdout lines in any order, same joblog (sorted by Seq). */
        Both sameSorted() {
            assertEquals(gnu.exit(), ours.exit(), this::toString);
            assertEquals(gnu.sortedLines(), ours.sortedLines(), this::toString);
            assertEquals(gnu.joblog(), ours.joblog(), this::toString);
            return this;
        }

        /** Same stderr too. */
        Both sameStderr() {
            assertEquals(gnu.err().replace("parallel: ", "spawnring run: "), ours.err(), this::toString);
            return this;
        }

        @Override
        public String toString() {
            return "GNU parallel: exit " + gnu.exit() + "\n--- out\n" + gnu.out() + "--- err\n" + gnu.err()
                    + "--- joblog\n" + String.join("\n", gnu.joblog()) + "\nspawnring run: exit " + ours.exit()
                    + "\n--- out\n" + ours.out() + "--- err\n" + ours.err() + "--- joblog\n"
                    + String.join("\n", ours.joblog());
        }
    }

    /** Runs both with a joblog; {@code --shell} is for {@code run} only. */
    Both both(String stdin, String... args) throws Exception {
        return both(stdin, true, args);
    }

    Both both(String stdin, boolean joblog, String... args) throws Exception {
        return new Both(gnu(stdin, joblog, args), ours(stdin, joblog, args));
    }

    private Outcome gnu(String stdin, boolean joblog, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(parallel.toString()));
        Path log = gnuDir.resolve("joblog");
        if (joblog) {
            argv.addAll(List.of("--joblog", log.toString()));
        }
        for (String a : args) {
            if (!a.equals("--shell")) {
                argv.add(a.replace("%D", gnuDir.toString()));
            }
        }
        Path in = Files.writeString(dir.resolve("gnu.stdin"), stdin.replace("%D", gnuDir.toString()));
        Path out = dir.resolve("gnu.stdout");
        Path err = dir.resolve("gnu.stderr");
        ProcessBuilder pb = new ProcessBuilder(argv).directory(gnuDir.toFile()).redirectInput(in.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        env.put("HOME", dir.resolve("home").toString());
        env.put("PARALLEL_SHELL", "/bin/sh");
        env.remove("PARALLEL");
        Process p = pb.start();
        assertTrue(p.waitFor(Runs.scaled(100_000), TimeUnit.MILLISECONDS), "GNU parallel did not end: " + argv);
        return new Outcome(p.exitValue(), read(out, gnuDir), read(err, gnuDir), joblog ? joblog(log, gnuDir) : List.of());
    }

    private Outcome ours(String stdin, boolean joblog, String... args) throws IOException {
        List<String> argv = new ArrayList<>();
        Path log = ourDir.resolve("joblog");
        if (joblog) {
            argv.addAll(List.of("--joblog", log.toString()));
        }
        for (String a : args) {
            argv.add(a.replace("%D", ourDir.toString()));
        }
        Runs r = Runs.withStdin(stdin.replace("%D", ourDir.toString()), argv.toArray(String[]::new));
        String err = r.err() + r.usage();
        return new Outcome(r.exitCode(), r.out().replace(ourDir.toString(), "%D"), err.replace(ourDir.toString(), "%D"),
                joblog ? joblog(log, ourDir) : List.of());
    }

    private static String read(Path f, Path side) throws IOException {
        return Files.readString(f, StandardCharsets.ISO_8859_1).replace(side.toString(), "%D");
    }

    /** The joblog's lines without Starttime and JobRuntime, sorted by Seq (header first). */
    private static List<String> joblog(Path log, Path side) throws IOException {
        if (!Files.exists(log)) {
            return List.of("(no joblog)");
        }
        List<String> lines = new ArrayList<>();
        List<String> entries = new ArrayList<>(); // a command holding a newline continues on the next line
        for (String line : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
            if (entries.isEmpty() || line.matches("[0-9]+\t.*")) {
                entries.add(line);
            } else {
                entries.set(entries.size() - 1, entries.get(entries.size() - 1) + "\n" + line);
            }
        }
        for (String line : entries) {
            String[] f = line.split("\t", 9);
            lines.add(f.length < 9 ? line : String.join("\t", f[0], f[1], f[4], f[5], f[6], f[7],
                    f[8].replace(side.toString(), "%D")));
        }
        List<String> sorted = new ArrayList<>(lines.subList(0, Math.min(1, lines.size())));
        lines.stream().skip(1).sorted((a, b) -> Long.compare(seq(a), seq(b))).forEach(sorted::add);
        return sorted;
    }

    private static long seq(String line) {
        return Long.parseLong(line.substring(0, line.indexOf('\t')));
    }

    /** Writes {@code text} to {@code name} on both sides. */
    private void file(String name, String text) throws IOException {
        Files.writeString(gnuDir.resolve(name), text);
        Files.writeString(ourDir.resolve(name), text);
    }

    /** The files under each side's {@code dir}, relative, each with its contents. */
    private List<String> tree(Path side, String sub) throws IOException {
        Path root = side.resolve(sub);
        try (Stream<Path> s = Files.walk(root)) {
            List<String> entries = new ArrayList<>();
            for (Path p : s.sorted().toList()) {
                entries.add(root.relativize(p) + (Files.isRegularFile(p) ? " = " + Files.readString(p) : "/"));
            }
            return entries;
        }
    }

    @Nested
    class WhatRunAlreadyShared {
        @Test
        void placeholdersAndTheCartesianProductPrintTheSame() throws Exception {
            both("", "-k", "echo", "{}", "{.}", "{/}", "{//}", "{/.}", "{#}", "{1}", "{2}", ":::", "dir/sub/f.tar.gz",
                    "x", ":::", "1", "2").same();
        }

        @Test
        void stdinLinesAndNulSeparatedItemsAreTheSameInputs() throws Exception {
            both("a\nb b\n\nc", "-k", "--shell", "echo [{}]").same();
            both("a\0b\nc\0", "-0", "-k", "--shell", "echo [{}]").same();
        }

        @Test
        void theExitStatusCountsTheFailedJobs() throws Exception {
            both("", "--shell", "exit {}", ":::", "0", "1", "2", "3").sameSorted();
        }

        @Test
        void haltSoonOnTheFirstFailureStopsStartingJobs() throws Exception {
            both("", "-j", "1", "--halt", "soon,fail=1", "--shell", "echo {}; exit {}", ":::", "0", "3", "0").same();
        }

        @Test
        void aTimeoutKillsTheJobAndTheJoblogSaysSo() throws Exception {
            both("", "--timeout", "0.5", "--shell", "sleep 3; echo {}", ":::", "a").same();
        }

        @Test
        void dryRunPrintsTheCommands() throws Exception {
            both("", false, "-k", "--dry-run", "echo", "{}", ":::", "a", "b c").same();
        }

        @Test
        void withoutKeepOrderTheSameLinesComeInSomeOrder() throws Exception {
            both("", "-j", "3", "echo", ":::", "a", "b", "c", "d").sameSorted();
        }
    }

    @Nested
    class Spellings {
        @Test
        void dashPAndMaxProcsSetTheJobsAtATime() throws Exception {
            both("", "-P", "2", "-k", "echo", ":::", "a", "b", "c").same();
            both("", "--max-procs", "2", "-k", "echo", ":::", "a", "b").same();
        }

        @Test
        void anOptionGivenTwiceTakesItsLastValue() throws Exception {
            both("", "-j", "1", "-j", "2", "--tagstring", "first", "--tagstring", "last", "--tag", "-k", "echo", ":::",
                    "a", "b").same();
        }

        @Test
        void jlIsTheJoblog() throws Exception {
            both("", false, "--jl", "%D/joblog", "-k", "echo", ":::", "a", "b").same();
            assertEquals(joblog(gnuDir.resolve("joblog"), gnuDir), joblog(ourDir.resolve("joblog"), ourDir));
        }

        @Test
        void haltOnErrorIsHalt() throws Exception {
            both("", "-j", "1", "--halt-on-error", "now,fail=1", "--shell", "echo {}; exit {}", ":::", "0", "4", "0")
                    .same();
        }

        @Test
        void dryrunIsDryRun() throws Exception {
            both("", false, "--dryrun", "-k", "echo", "{}", ":::", "a", "b").same();
        }

        @Test
        void linebufferIsLineBuffer() throws Exception {
            both("", "--linebuffer", "-j", "1", "echo", ":::", "a", "b").same();
        }

        @Test
        void keepOrderWithLineBufferRunsTheManPagesExample() throws Exception {
            both("", "-j0", "-k", "--lb", "--shell", "echo {};sleep {};echo {}", ":::", "0.1", "0.3", "0.2", "0.4")
                    .same();
        }

        @Test
        void retriesCountsTheTriesInAll() throws Exception {
            String job = "n=$(cat %D/count 2>/dev/null || echo 0); echo $((n+1)) > %D/count; echo try $n; exit 1";
            both("", "--retries", "3", "--shell", job, ":::", "x").same();
            assertEquals(Files.readString(gnuDir.resolve("count")), Files.readString(ourDir.resolve("count")));
        }

        @Test
        void retriesZeroTriesUntilTheJobSucceeds() throws Exception {
            String job = "n=$(cat %D/count 2>/dev/null || echo 0); echo $((n+1)) > %D/count; echo try $n {}; test $n -ge 4";
            both("", "--retries", "0", "--shell", job, ":::", "x").same();
            assertEquals("5\n", Files.readString(ourDir.resolve("count")));
            assertEquals(Files.readString(gnuDir.resolve("count")), Files.readString(ourDir.resolve("count")));
        }
    }

    @Nested
    class Environment {
        @Test
        void eachJobHasParallelSeqAndParallelJobslot() throws Exception {
            both("", "-j", "1", "-k", "--shell", "echo {} $PARALLEL_SEQ $PARALLEL_JOBSLOT", ":::", "a", "b", "c")
                    .same();
        }

        @Test
        void envIsAcceptedAndJobsInheritTheEnvironment() throws Exception {
            both("", "--env", "HOME", "-k", "--shell", "echo {} ${HOME:+set}", ":::", "a").same();
        }
    }

    @Nested
    class Output {
        @Test
        void tagPrefixesEachLineWithTheInputs() throws Exception {
            both("", "-k", "--tag", "echo", ":::", "a", "b", ":::", "1", "2").same();
        }

        @Test
        void tagAlsoPrefixesStderrAndALastLineWithoutNewline() throws Exception {
            both("", "-k", "--tag", "--shell", "echo l1; echo l2 >&2; printf nonl", ":::", "a").same().sameStderr();
        }

        @Test
        void tagstringFillsItsPlaceholders() throws Exception {
            both("", "-k", "--tagstring", "{}-{#}", "echo", "hi", ":::", "a", "b").same();
        }

        @Test
        void verbosePrintsEachCommandBeforeItsOutput() throws Exception {
            both("", "-k", "-v", "echo", ":::", "a", "b c").same();
            both("", "-k", "-v", "--tag", "echo", ":::", "a").same();
        }

        @Test
        void ungroupPrintsTheSameOutput() throws Exception {
            both("", "-u", "-j", "1", "echo", ":::", "a", "b").sameSorted();
        }

        @Test
        void delayKeepsTheOutput() throws Exception {
            both("", "--delay", "0.05", "-k", "echo", ":::", "a", "b").same();
        }

        @Test
        void etaAndProgressLeaveStdoutAlone() throws Exception {
            both("", "--eta", "-k", "echo", ":::", "a", "b").same();
            both("", "--progress", "-k", "echo", ":::", "a", "b").same();
        }

        @Test
        void termseqEndsATimedOutJob() throws Exception {
            both("", "--termseq", "TERM,200,KILL,25", "--timeout", "0.5", "--shell", "sleep 3; echo {}", ":::", "a")
                    .same();
        }
    }

    @Nested
    class InputForms {
        @Test
        void fourColonsReadEachFileAsAnInputSource() throws Exception {
            file("f1", "a\nb\n");
            file("f2", "1\n2\n");
            both("", "-k", "echo", "::::", "%D/f1", "%D/f2").same();
            both("", "-k", "echo", ":::", "x", "::::", "%D/f1").same();
        }

        @Test
        void argFileIsAnInputSourceAndDashIsStdin() throws Exception {
            file("f1", "a\nb\n");
            file("f2", "1\n2\n");
            both("", "-k", "-a", "%D/f1", "-a", "%D/f2", "echo").same();
            both("x\ny\n", "-k", "--arg-file", "-", "echo").same();
        }

        @Test
        void linkedListsPairTheirValuesUpToTheShortest() throws Exception {
            file("f1", "a\nb\n");
            file("f2", "1\n2\n3\n");
            both("", "-k", "echo", ":::", "a", "b", "c", ":::+", "1", "2").same();
            both("", "-k", "echo", "::::", "%D/f1", "::::+", "%D/f2").same();
        }

        @Test
        void linkPairsAllSourcesTheShorterWrapping() throws Exception {
            both("", "-k", "--link", "echo", ":::", "a", "b", "c", ":::", "1", "2").same();
        }

        @Test
        void colsepSplitsEachInputIntoColumns() throws Exception {
            file("cs", "a,b\nc,d\n");
            both("", "-k", "--colsep", ",", "echo", "{2}", "{1}", "::::", "%D/cs").same();
            both("a\tb\nc\td\n", "-k", "--colsep", "\\t", "echo").same();
        }

        @Test
        void headerNamesTheColumnsAndTheSources() throws Exception {
            file("h", "x,y\na,b\nc,d\n");
            both("", "-k", "--header", ":", "--colsep", ",", "echo", "{x}-{y}", "::::", "%D/h").same();
            both("", "-k", "--header", ":", "echo", "{foo}", "{bar}", ":::", "foo", "1", "2", ":::", "bar", "A").same();
        }

        @Test
        void maxArgsGivesSeveralInputsToEachJob() throws Exception {
            both("", "-k", "-n", "2", "echo", ":::", "a", "b", "c", "d", "e").same();
            both("", "-k", "-n", "2", "echo", "{1}-{2}", ":::", "a", "b", "c").same();
            both("", "-k", "-n", "2", "echo", ":::", "a", "b", "c", ":::", "1", "2").same();
        }

        @Test
        void maxReplaceArgsFillsTheMissingOnesWithNothing() throws Exception {
            both("", "-k", "-N", "2", "echo", "{1}-{2}", ":::", "a", "b", "c").same();
            both("", "-k", "-N2", "echo", ":::", "a", "b", "c").same();
        }

        @Test
        void contextReplaceRepeatsTheWordForEachInput() throws Exception {
            both("", "-j", "1", "-X", "echo", "pre{}post", ":::", "a", "b", "c").same();
            both("", "-j", "1", "-X", "echo", "{#}", "{}", ":::", "a", "b", "c").same();
        }

        @Test
        void multipleArgsPutsAllInputsInOneCommand() throws Exception {
            both("", "-j", "1", "-m", "echo", "{}", ":::", "a", "b", "c").same();
            both("", "-j", "1", "-m", "echo", ":::", "a", "b", "c").same();
        }

        @Test
        void withoutACommandEachInputIsACommandLine() throws Exception {
            both("echo x\necho y; echo z\nexit 3\n", "-k").same();
            both("", "-k", ":::", "echo 1", "echo 2").same();
        }
    }

    @Nested
    class SavedOutput {
        @Test
        void resultsWritesGnuParallelsLayout() throws Exception {
            both("", "--results", "%D/out", "--shell", "echo out {1} {2}; echo err >&2", ":::", "a", "b/c", ":::", "1",
                    "2").sameSorted();
            assertEquals(tree(gnuDir, "out"), tree(ourDir, "out"));
        }

        @Test
        void resultsNamesTheSourcesAfterTheHeader() throws Exception {
            both("", "--header", ":", "--results", "%D/out", "echo", ":::", "foo", "a", "b").sameSorted();
            assertEquals(tree(gnuDir, "out"), tree(ourDir, "out"));
        }

        @Test
        void filesWithResultsPrintsTheStdoutFiles() throws Exception {
            both("", "-k", "--files", "--results", "%D/r", "--tag", "echo", ":::", "a", "b").same();
            assertEquals(tree(gnuDir, "r"), tree(ourDir, "r"));
        }

        @Test
        void filesAlonePrintsTheNamesOfTempFilesHoldingTheOutput() throws Exception {
            Both b = both("", "-k", "--files", "echo", ":::", "a", "b");
            assertEquals(b.gnu().exit(), b.ours().exit(), b::toString);
            assertEquals(List.of("a\n", "b\n"), contents(b.gnu().out(), b), b::toString);
            assertEquals(List.of("a\n", "b\n"), contents(b.ours().out(), b), b::toString);
        }

        private List<String> contents(String names, Both b) throws IOException {
            List<String> c = new ArrayList<>();
            for (String n : names.lines().toList()) {
                assertTrue(n.matches("/.*/par[A-Za-z0-9_]+\\.par") && Files.exists(Path.of(n)), n + "\n" + b);
                c.add(Files.readString(Path.of(n)));
                Files.delete(Path.of(n));
            }
            return c;
        }

        @Test
        void resumeSkipsTheJobsTheJoblogHas() throws Exception {
            both("", "-k", "--shell", "echo {}; exit {}", ":::", "0", "1", "0", "2").same();
            both("", false, "-k", "--resume", "--joblog", "%D/joblog", "--shell", "echo {}; exit {}", ":::", "0", "1", "0",
                    "2", "0").same();
            assertEquals(joblog(gnuDir.resolve("joblog"), gnuDir), joblog(ourDir.resolve("joblog"), ourDir));
        }

        @Test
        void resumeFailedRunsTheFailedJobsAgain() throws Exception {
            both("", "-k", "--shell", "echo {}; exit {}", ":::", "0", "1", "0", "2").same();
            both("", false, "-k", "--resume-failed", "--joblog", "%D/joblog", "--shell", "echo {}; exit {}", ":::", "0",
                    "1", "0", "2", "0", "1").same();
            assertEquals(joblog(gnuDir.resolve("joblog"), gnuDir), joblog(ourDir.resolve("joblog"), ourDir));
        }
    }

    @Nested
    class Pipe {
        private static String numbers(int to) {
            StringBuilder b = new StringBuilder();
            for (int i = 1; i <= to; i++) {
                b.append(i).append('\n');
            }
            return b.toString();
        }

        @Test
        void blocksEndAfterTheirLastWholeRecord() throws Exception {
            both(numbers(30), "-k", "--pipe", "--block", "20", "wc", "-l").same();
            both(numbers(30), "-k", "--pipe", "--block", "20", "--shell", "tr '\\n' ,; echo").same();
        }

        @Test
        void dashNCountsRecordsPerBlock() throws Exception {
            both(numbers(30), "-k", "--pipe", "-N", "7", "wc", "-l").same();
        }

        @Test
        void recendEndsTheRecords() throws Exception {
            both("a;b;c;d;e", "-k", "--pipe", "--recend", ";", "-N", "2", "--shell", "cat; echo").same();
        }

        @Test
        void eachBlocksJobKnowsItsNumber() throws Exception {
            both(numbers(10), "-k", "-j", "1", "--pipe", "-N3", "--shell", "echo {#} $PARALLEL_SEQ; wc -l").same();
        }
    }
}
