package dev.spawnring.cli.run;

import static dev.spawnring.cli.testing.Runs.run;
import static dev.spawnring.cli.testing.Runs.withStdin;
import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.cli.testing.Runs;
import dev.spawnring.cli.testing.Squatter;
import dev.spawnring.Child;
import dev.spawnring.ExitStatus;
import dev.spawnring.Signal;
import dev.spawnring.Spawner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code spawnring run}, end to end with real programs. */
class RunCommandTest {
    @TempDir
    Path dir;

    /** A marker no other process has in its command line: a sleep of 60.xxx seconds. */
    private static String marker() {
        return "60." + (100000 + (System.nanoTime() / 1000) % 900000);
    }

    @Nested
    class Placeholders {
        @Test
        void eachPlaceholderIsReplacedWithItsPartOfTheInput() {
            Runs r = run("-j", "1", "printf", "%s|", "{}", "{.}", "{/}", "{//}", "{/.}", "{#}", "{%}",
                    ":::", "dir/sub/file.tar.gz");
            assertEquals(0, r.exitCode(), r.all());
            assertEquals("dir/sub/file.tar.gz|dir/sub/file.tar|file.tar.gz|dir/sub|file.tar|1|1|", r.out());
        }

        @Test
        void placeholdersFollowGnuParallelOnOddPaths() {
            Runs r = run("-k", "printf", "[%s]", "{.}", "{/}", "{//}", "{/.}", "\\n", ":::",
                    ".bashrc", "a.b/c", "/x", "a/");
            assertEquals(0, r.exitCode(), r.all());
            assertEquals(List.of("[][.bashrc][.][][\\n]", "[a.b/c][c][a.b][c][\\n]", "[/x][x][/][x][\\n]",
                    "[a/][][.][][\\n]"), List.of(r.out().split("(?<=\\\\n])")));
        }

        @Test
        void aSubstitutionInsideAWordStaysOneArgumentAndIsNeverParsedByAShell() {
            Runs r = run("-k", "printf", "[%s]\\n", "pre{}post", ":::", "a b", "$(touch x);*");
            assertEquals(0, r.exitCode(), r.all());
            assertEquals(List.of("[prea bpost]", "[pre$(touch x);*post]"), r.lines());
        }

        @Test
        void withoutAPlaceholderTheInputIsAppendedAsTheLastArgument() {
            Runs r = run("-k", "printf", "[%s]\\n", ":::", "a b", "c");
            assertEquals(List.of("[a b]", "[c]"), r.lines(), r.all());
        }

        @Test
        void severalInputListsMakeTheCartesianProductTheFirstVaryingSlowest() {
            Runs r = run("-k", "echo", "{1}{2}", ":::", "a", "b", ":::", "1", "2", "3");
            assertEquals(List.of("a1", "a2", "a3", "b1", "b2", "b3"), r.lines(), r.all());
        }

        @Test
        void aBracePlaceholderWordStandsForOneArgumentPerInputList() {
            Runs r = run("-k", "printf", "[%s]", "{}", ":::", "a", ":::", "b c");
            assertEquals("[a][b c]", r.out(), r.all());
            Runs appended = run("-k", "printf", "[%s]", ":::", "a", ":::", "b");
            assertEquals("[a][b]", appended.out(), appended.all());
        }

        @Test
        void numberedPlaceholdersTakeTheirTransformToo() {
            Runs r = run("echo", "{2/.}", "{1//}", ":::", "x/y", ":::", "d/e.txt");
            assertEquals("e x\n", r.out(), r.all());
        }

        @Test
        void theSlotNumberStaysWithinTheJobCount() {
            Runs r = run("-j", "2", "echo", "{%}", ":::", "a", "b", "c", "d", "e", "f");
            assertEquals(6, r.lines().size(), r.all());
            assertTrue(Set.of("1", "2").containsAll(r.lines()), r.all());
        }

        @Test
        void withShellTheTemplateIsShellCodeAndTheInputIsQuoted() {
            Runs r = run("--shell", "echo", "{}", "$HOME", "|", "tr", "a", "A", ":::", "a;b $(c)");
            assertEquals(0, r.exitCode(), r.all());
            assertEquals("A;b $(c) " + System.getenv("HOME").replace('a', 'A') + "\n", r.out());
        }
    }

    @Nested
    class InputSources {
        @Test
        void stdinLinesAreInputsEmptyOnesIncludedAndALastLineWithoutNewlineToo() {
            Runs r = withStdin("a\n\nb c\nd", "-k", "echo", "x{}x");
            assertEquals(List.of("xax", "xx", "xb cx", "xdx"), r.lines(), r.all());
        }

        @Test
        void nulSeparatedStdinKeepsNewlinesAndSpacesInAnInput() {
            Runs r = withStdin("a b\0c\nd\0", "-0", "-k", "printf", "[%s]");
            assertEquals("[a b][c\nd]", r.out(), r.all());
        }

        @Test
        void manyStdinLinesAllRun() {
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i <= 300; i++) {
                sb.append(i).append('\n');
            }
            Runs r = withStdin(sb.toString(), "-j", "8", "echo");
            assertEquals(0, r.exitCode(), r.all());
            assertEquals(300, new HashSet<>(r.lines()).size(), r.all());
        }

        @Test
        void anEmptyInputListRunsNothing() {
            Runs r = run("echo", ":::");
            assertEquals(0, r.exitCode(), r.all());
            assertEquals("", r.out());
        }
    }

    @Nested
    class OutputGrouping {
        @Test
        void keepOrderPrintsInInputOrder() {
            Runs r = run("-j", "3", "--keep-order", "sh", "-c", "sleep $0; echo $0", ":::", "0.3", "0.1", "0.2");
            assertEquals(List.of("0.3", "0.1", "0.2"), r.lines(), r.all());
        }

        @Test
        void keepOrderHoldsBackManyFinishedJobsBehindASlowFirstOne() {
            StringBuilder in = new StringBuilder();
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= 300; i++) {
                in.append(i).append('\n');
                expected.add(Integer.toString(i));
            }
            Runs r = withStdin(in.toString(), "-k", "-j", "4", "sh", "-c",
                    "if [ $0 = 1 ]; then sleep 0.8; fi; echo $0; echo e$0 >&2");
            assertEquals(0, r.exitCode(), r.all());
            assertEquals(expected, r.lines(), "more than " + Printer.MAX_HELD_FDS + " jobs waited, in order");
            assertEquals(expected.stream().map(n -> "e" + n).toList(), Runs.linesOf(r.err()));
        }

        @Test
        void withoutKeepOrderEachJobPrintsWhenItEnds() {
            // Apart by more than a slow machine takes to start the jobs one after another.
            String a = Runs.scaledSeconds(450), b = Runs.scaledSeconds(50), c = Runs.scaledSeconds(250);
            Runs r = run("-j", "3", "sh", "-c", "sleep $0; echo $0", ":::", a, b, c);
            assertEquals(List.of(b, c, a), r.lines(), r.all());
        }

        @Test
        void eachJobsOutputIsOneBlockOnStdoutAndItsStderrOneBlockApart() {
            Runs r = run("-j", "3", "sh", "-c",
                    "for i in 1 2 3 4 5; do echo $0-$i; echo err-$0-$i >&2; sleep 0.03; done", ":::", "a", "b", "c");
            assertEquals(0, r.exitCode(), r.all());
            assertGrouped(Runs.linesOf(r.out()), "");
            assertGrouped(Runs.linesOf(r.err()), "err-");
        }

        private static void assertGrouped(List<String> lines, String prefix) {
            assertEquals(15, lines.size(), String.join("\n", lines));
            for (int block = 0; block < 3; block++) {
                String job = lines.get(block * 5).substring(prefix.length(), prefix.length() + 1);
                for (int i = 0; i < 5; i++) {
                    assertEquals(prefix + job + "-" + (i + 1), lines.get(block * 5 + i), String.join("\n", lines));
                }
            }
        }

        @Test
        void lineBufferInterleavesWholeLinesAsTheyCome() throws IOException {
            // Each job prints its first line, then waits for the others' (however slowly they start).
            Path started = Files.createDirectories(dir.resolve("started"));
            Runs r = run("-j", "3", "--line-buffer", "sh", "-c",
                    "printf '%s-1\\n' $0; touch \"$1/$0\"; until [ -e \"$1/a\" ] && [ -e \"$1/b\" ] && [ -e \"$1/c\" ];"
                            + " do sleep 0.01; done; for i in 2 3; do sleep 0.15; printf '%s-%s\\n' $0 $i; done",
                    ":::", "a", "b", "c", ":::", started.toString());
            assertEquals(0, r.exitCode(), r.all());
            List<String> lines = r.lines();
            assertEquals(9, lines.size(), r.all());
            for (String l : lines) {
                assertTrue(l.matches("[abc]-[123]"), r.all());
            }
            Set<String> firstJobs = new HashSet<>();
            for (String l : lines.subList(0, 3)) {
                firstJobs.add(l.substring(0, 1));
            }
            assertEquals(Set.of("a", "b", "c"), firstJobs, "the first line of every job comes first: " + r.all());
        }

        @Test
        void aJobThatCannotStartFailsWithTheReasonOnStderr() {
            Runs r = run("no-such-program-xyz", ":::", "a");
            assertEquals(1, r.exitCode(), r.all());
            assertTrue(r.err().contains("Cannot run program \"no-such-program-xyz\""), r.all());
        }
    }

    @Nested
    class Timeouts {
        @Test
        void aTimeoutKillsTheJobsWholeProcessGroup() throws Exception {
            String m = marker();
            Runs r = run("--timeout", "300ms", "sh", "-c", "echo $$; sleep " + m + " & sleep " + m + "; wait",
                    ":::", "1");
            assertEquals(1, r.exitCode(), r.all());
            assertTrue(r.millis() < 5000, r.all());
            assertTrue(r.err().contains("This job was killed because it timed out"), r.all());
            long pgid = Long.parseLong(r.out().trim());
            assertEquals(List.of(), Runs.awaitGroupGone(pgid, 2000), "the job's group is gone");
            assertEquals(List.of(), Runs.awaitNoProcessWith("sleep " + m, 2000));
        }

        @Test
        void aJobIgnoringSigtermIsKilledAfterTheGracePeriod() throws Exception {
            Path log = dir.resolve("log");
            Runs r = run("--timeout", "200ms", "--timeout-grace", "300ms", "--joblog", log.toString(),
                    "sh", "-c", "trap '' TERM; sleep 30", ":::", "1");
            assertEquals(1, r.exitCode(), r.all());
            assertTrue(r.millis() >= 450 && r.millis() < 5000, r.all());
            String[] f = Files.readAllLines(log).get(1).split("\t");
            assertEquals("-1", f[6], "Exitval of a timed-out job");
            assertEquals("9", f[7], "Signal");
        }

        @Test
        void whatAJobLeavesRunningInItsGroupIsKilledWhenItExits() throws Exception {
            String m = marker();
            Runs r = run("sh", "-c", "sleep " + m + " & echo started", ":::", "1");
            assertEquals(0, r.exitCode(), r.all());
            assertEquals(List.of(), Runs.awaitNoProcessWith("sleep " + m, 2000));
        }
    }

    /** Signals to a job's group never outlive its leader's reap (the number may be another group's by then). */
    @Nested
    class ReapedJobs {
        @Test
        void haltNowSignalsNoGroupWhoseLeaderWasReapedEvenWhileTheJobStillRuns() throws Exception {
            String m = marker();
            Path pidFile = dir.resolve("pid");
            Path trigger = dir.resolve("go");
            // Job 1: a sleeper moves to a session of its own (the leader waits until it has) and
            // keeps the job's pipes open, so with --line-buffer the job still runs after its leader
            // has exited and been reaped.
            Path ready = dir.resolve("ready");
            String job1 = "setsid sh -c 'echo > " + ready + "; exec sleep " + m + "' & while [ ! -e " + ready
                    + " ]; do sleep 0.01; done; echo $$ > " + pidFile;
            // Job 2: fails when told to, which halts the run now: SIGTERM, then SIGKILL, to every
            // running job's group, job 1's included.
            String job2 = "while [ ! -e " + trigger + " ]; do sleep 0.02; done; exit 1";
            Path log = dir.resolve("log");
            CompletableFuture<Runs> run = CompletableFuture.supplyAsync(() -> run("-j", "2", "--line-buffer",
                    "--halt", "now,fail=1", "--timeout-grace", "100ms", "--joblog", log.toString(), "sh", "-c", "{}",
                    ":::", job1, job2));
            try {
                long leader = Long.parseLong(awaitFile(pidFile, 1));
                for (int i = 0; i < 1000 && Files.exists(Path.of("/proc/" + leader)); i++) {
                    Thread.sleep(10); // until job 1's leader is reaped: its pid is free
                }
                try (Squatter squatter = Squatter.on(leader)) {
                    Files.createFile(trigger);
                    // Job 2's line in the joblog: it has failed, and the run halts right after.
                    awaitFile(log, 2);
                    Thread.sleep(500); // the halt's SIGTERM, then its SIGKILL after the 100 ms grace
                    assertTrue(squatter.alive(), () -> "a signal for the reaped job reached the group that now has "
                            + "its number: " + squatter.report());
                    Runs.sleeps(m).forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
                    Runs r = run.get(Runs.scaled(30_000), TimeUnit.MILLISECONDS);
                    assertEquals(1, r.exitCode(), r.all());
                    assertTrue(r.err().contains("This job failed:"), r.all());
                    assertTrue(squatter.alive(), () -> "after the run: " + squatter.report());
                }
            } finally {
                Runs.sleeps(m).forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
            }
        }

        /** Waits for {@code file} to hold {@code lines} lines; returns its text. */
        private String awaitFile(Path file, int lines) throws Exception {
            for (int i = 0; i < 3000; i++) {
                String text = Files.exists(file) ? Files.readString(file) : "";
                if (text.endsWith("\n") && text.split("\n").length >= lines) {
                    return text.trim();
                }
                Thread.sleep(10);
            }
            throw new AssertionError("no " + lines + " lines in " + file);
        }
    }

    /** GNU parallel's options; GnuParallelDifferentialTest compares them with GNU parallel itself. */
    @Nested
    class GnuParallelsOptions {
        @Test
        void keepOrderWithLineBufferPrintsTheOldestJobsLinesAsTheyComeAndTheOthersInTurn() {
            Runs r = run("-j", "0", "-k", "--lb", "--shell", "echo {}; sleep {}; echo {}", ":::", "0.3", "0.1", "0.2");
            assertEquals(0, r.exitCode(), r.all());
            assertEquals(List.of("0.3", "0.3", "0.1", "0.1", "0.2", "0.2"), r.lines(), r.all());
        }

        @Test
        void eachJobHasItsNumberAndSlotInItsEnvironment() {
            Runs r = run("-j", "1", "-k", "sh", "-c", "echo $0 $PARALLEL_SEQ $PARALLEL_JOBSLOT", ":::", "a", "b");
            assertEquals(List.of("a 1 1", "b 2 1"), r.lines(), r.all());
        }

        @Test
        void pipeGivesEachBlockOfWholeRecordsToOneJobsStdin() {
            Runs r = withStdin("1\n2\n3\n4\n5\n", "-k", "--pipe", "-N", "2", "sh", "-c", "tr '\\n' ,; echo");
            assertEquals(0, r.exitCode(), r.all());
            assertEquals(List.of("1,2,", "3,4,", "5,"), r.lines(), r.all());
        }

        @Test
        void resultsSavesEachJobsOutputAndPrintsNothing() throws IOException {
            Runs r = run("--results", dir.resolve("out").toString(), "sh", "-c", "echo out $0; echo err $0 >&2", ":::",
                    "a/b");
            assertEquals(0, r.exitCode(), r.all());
            assertEquals("", r.out() + r.err(), r.all());
            Path job = dir.resolve("out/1/a\\_b");
            assertEquals("out a/b\n", Files.readString(job.resolve("stdout")));
            assertEquals("err a/b\n", Files.readString(job.resolve("stderr")));
            assertEquals("1", Files.readString(job.resolve("seq")));
        }

        @Test
        void tagAndVerboseStartEveryLineWithTheInput() {
            Runs r = run("-k", "--tag", "-v", "sh", "-c", "echo one; echo two", ":::", "x");
            assertEquals(List.of("x\tsh -c 'echo one; echo two' x", "x\tone", "x\ttwo"), r.lines(), r.all());
        }

        @Test
        void aCommandLineWithoutACommandRunsEachInputAsAShellCommand() {
            Runs r = withStdin("echo a; echo b\nexit 3\n", "-k");
            assertEquals(1, r.exitCode(), r.all());
            assertEquals(List.of("a", "b"), r.lines(), r.all());
        }
    }

    @Nested
    class Retries {
        private static final String COUNTING = "n=$(cat \"$0\" 2>/dev/null || echo 0); echo $((n+1)) > \"$0\"; "
                + "echo attempt $n; echo err $n >&2; [ \"$n\" -ge 2 ]";

        @Test
        void aFailedJobRunsAgainUntilItSucceedsAndOnlyTheLastAttemptIsPrinted() throws IOException {
            Path counter = dir.resolve("count");
            Runs r = run("--retries", "3", "sh", "-c", COUNTING, ":::", counter.toString());
            assertEquals(0, r.exitCode(), r.all());
            assertEquals("attempt 2\n", r.out());
            assertEquals("err 2\n", r.err());
            assertEquals("3", Files.readString(counter).trim());
        }

        @Test
        void retriesZeroTriesAJobUntilItSucceedsAsGnuParallelDoes() throws IOException {
            Path counter = dir.resolve("count");
            Runs r = run("--retries", "0", "sh", "-c", COUNTING, ":::", counter.toString());
            assertEquals(0, r.exitCode(), r.all());
            assertEquals("attempt 2\n", r.out());
            assertEquals("3", Files.readString(counter).trim());
        }

        @Test
        void aJobStillFailingAfterItsRetriesCountsAsOneFailure() throws IOException {
            Path counter = dir.resolve("count");
            Path log = dir.resolve("log");
            Runs r = run("--retries", "2", "--joblog", log.toString(), "sh", "-c", COUNTING, ":::",
                    counter.toString());
            assertEquals(1, r.exitCode(), r.all());
            assertEquals("attempt 1\n", r.out());
            assertEquals("2", Files.readString(counter).trim());
            assertEquals(2, Files.readAllLines(log).size(), "one joblog line per job, not per attempt");
        }
    }

    @Nested
    class Halting {
        private static final String JOB = "sleep ${0%:*}; echo out$0; touch \"$1/ran-$0\"; exit ${0#*:}";

        @Test
        void haltNowKillsTheRunningJobsAndExitsWithTheFailingJobsStatus() throws Exception {
            String m = marker();
            Path log = dir.resolve("log");
            Runs r = run("-j", "3", "--halt", "now,fail=1", "--joblog", log.toString(), "sh", "-c", JOB,
                    "{}", dir.toString(), ":::", m + ":0", "0.2:7", m + ":0");
            assertEquals(7, r.exitCode(), r.all());
            assertTrue(r.millis() < 5000, r.all());
            assertEquals("out0.2:7\n", r.out(), "the killed jobs print nothing");
            assertTrue(r.err().contains("This job failed:"), r.all());
            assertEquals(2, Files.readAllLines(log).size(), "only the failed job is logged");
            assertEquals(List.of(), Runs.awaitNoProcessWith("sleep " + m, 2000));
        }

        @Test
        void haltSoonStartsNoNewJobAndWaitsForTheRunningOnes() throws Exception {
            Runs r = run("-j", "2", "--halt", "soon,fail=1", "sh", "-c", JOB, "{}", dir.toString(),
                    ":::", "0.6:0", "0.1:3", "0:0", "0:0");
            assertEquals(3, r.exitCode(), r.all());
            assertEquals(List.of("out0.1:3", "out0.6:0"), r.lines(), r.all());
            assertTrue(r.err().contains("Starting no more jobs. Waiting for 1 jobs to finish."), r.all());
            assertFalse(Files.exists(dir.resolve("ran-0:0")), "no job started after the failure");
        }

        @Test
        void haltAfterTwoFailuresExitsWithTheFailureCount() {
            Runs r = run("-j", "1", "--halt", "soon,fail=2", "sh", "-c", "exit $0", ":::", "5", "6", "0", "7");
            assertEquals(2, r.exitCode(), r.all());
        }

        @Test
        void haltOnSuccessExitsZero() {
            Runs r = run("-j", "1", "--halt", "now,success=1", "sh", "-c", "exit $0", ":::", "3", "0", "4");
            assertEquals(0, r.exitCode(), r.all());
        }
    }

    @Nested
    class JobLogs {
        @Test
        void theJoblogHasGnuParallelsHeaderAndOneTabSeparatedLinePerJob() throws IOException {
            Path log = dir.resolve("joblog");
            double before = System.currentTimeMillis() / 1000.0;
            Runs r = run("-j", "1", "--joblog", log.toString(), "sh", "-c",
                    "case $0 in ok) echo hello;; fail) exit 3;; kill) kill -9 $$;; esac", ":::", "ok", "fail", "kill");
            double after = System.currentTimeMillis() / 1000.0;
            assertEquals(2, r.exitCode(), r.all());
            List<String> lines = Files.readAllLines(log);
            assertEquals("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand", lines.get(0));
            assertEquals(4, lines.size(), String.join("\n", lines));
            List<String[]> rows = new ArrayList<>();
            for (String line : lines.subList(1, 4)) {
                String[] f = line.split("\t", -1);
                assertEquals(9, f.length, line);
                assertEquals(":", f[1], line);
                assertTrue(f[2].matches("\\d+\\.\\d{3}"), line);
                double start = Double.parseDouble(f[2]);
                assertTrue(start >= before - 0.001 && start <= after, line);
                assertTrue(f[3].matches(" *\\d+\\.\\d{3}") && f[3].length() >= 10, line);
                assertEquals("0", f[4], line);
                rows.add(f);
            }
            rows.sort((a, b) -> Integer.parseInt(a[0]) - Integer.parseInt(b[0]));
            assertArrayEquals(new String[] {"1", "6", "0", "0"}, new String[] {rows.get(0)[0], rows.get(0)[5],
                    rows.get(0)[6], rows.get(0)[7]}, "ok: 6 bytes received, exit 0");
            assertArrayEquals(new String[] {"2", "0", "3", "0"}, new String[] {rows.get(1)[0], rows.get(1)[5],
                    rows.get(1)[6], rows.get(1)[7]}, "fail: exit 3");
            assertArrayEquals(new String[] {"3", "0", "0", "9"}, new String[] {rows.get(2)[0], rows.get(2)[5],
                    rows.get(2)[6], rows.get(2)[7]}, "kill: signal 9");
            assertEquals("sh -c 'case $0 in ok) echo hello;; fail) exit 3;; kill) kill -9 $$;; esac' ok", rows.get(0)[8]);
        }

        @Test
        void aPlusBeforeTheFileNameAppends() throws IOException {
            Path log = dir.resolve("joblog");
            run("--joblog", log.toString(), "true", ":::", "a");
            run("--joblog", "+" + log, "true", ":::", "b");
            List<String> lines = Files.readAllLines(log);
            assertEquals(3, lines.size(), String.join("\n", lines));
            assertTrue(lines.get(2).endsWith("\ttrue b"), lines.get(2));
        }
    }

    @Nested
    class ExitStatuses {
        @Test
        void allJobsSucceedingExitsZero() {
            assertEquals(0, run("true", ":::", "a", "b", "c").exitCode());
        }

        @Test
        void theExitStatusIsTheNumberOfFailedJobs() {
            Runs r = run("sh", "-c", "exit $0", ":::", "0", "1", "2", "0", "3");
            assertEquals(3, r.exitCode(), r.all());
        }

        @Test
        void moreThanAHundredFailedJobsExit101() {
            List<String> a = new ArrayList<>(List.of("-j", "0", "false", ":::"));
            for (int i = 0; i < 105; i++) {
                a.add(Integer.toString(i));
            }
            Runs r = run(a.toArray(String[]::new));
            assertEquals(101, r.exitCode(), r.all());
        }

        @Test
        void aUsageErrorExits255SayingWhatWasWrong() {
            assertUsage("--halt sometimes", "--halt", "sometimes", "true", ":::", "a");
            assertUsage("--timeout 5x: not a duration", "--timeout", "5x", "true", ":::", "a");
            assertUsage("--termseq INT,200,KILL,25: only TERM", "--termseq", "INT,200,KILL,25", "true", ":::", "a");
            assertUsage("--resume needs --joblog", "--resume", "true", ":::", "a");
            assertUsage("-n, -N, -m and -X cannot be combined", "-n", "2", "-X", "true", ":::", "a");
            assertUsage("uses {3} but there are 2 input sources", "echo", "{3}", ":::", "a", ":::", "b");
            assertUsage("-j x", "-j", "x", "true", ":::", "a");
            assertUsage("--retries", "--retries", "many", "true", ":::", "a");
            assertUsage("Unknown option: '--frobnicate'", "--frobnicate", "true", ":::", "a");
        }

        private static void assertUsage(String message, String... args) {
            Runs r = run(args);
            assertEquals(255, r.exitCode(), r.all());
            assertTrue(r.usage().contains(message), r.all());
        }

        @Test
        void optionsAfterTheCommandBelongToTheCommand() {
            Runs r = run("echo", "-n", "--shell", ":::", "a");
            assertEquals("--shell a", r.out(), r.all());
        }
    }

    @Nested
    class DryRuns {
        @Test
        void dryRunPrintsEachCommandShellQuotedAndRunsNothing() {
            Path made = dir.resolve("made");
            Runs r = run("--dry-run", "touch", made + "/{}", ":::", "a b", "c'd", "");
            assertEquals(0, r.exitCode(), r.all());
            assertEquals(List.of("touch '" + made + "/a b'", "touch '" + made + "/c'\\''d'", "touch " + made + "/"),
                    r.lines());
            assertFalse(Files.exists(made.resolve("a b")));
        }

        @Test
        void dryRunWithShellPrintsTheShellCommand() {
            Runs r = run("--dry-run", "--shell", "echo", "{}", ">", "{.}.out", ":::", "x y.txt");
            assertEquals("echo 'x y.txt' > 'x y'.out\n", r.out(), r.all());
        }
    }

    @Nested
    class ProgressBars {
        @Test
        void barForcesTheProgressLineOnStderr() {
            Runs r = run("--bar", "true", ":::", "a", "b", "c");
            assertEquals(0, r.exitCode(), r.all());
            assertTrue(r.err().contains("100% 3/3 jobs, 0 running, 0 failed"), r.all());
            assertTrue(r.err().contains("ETA 0:00"), r.all());
        }

        @Test
        void theBarFitsColumnsAndTakes80WhenItIsUnsetOrBad() {
            assertEquals(120, ProgressBar.columns("120"));
            assertEquals(80, ProgressBar.columns(null));
            assertEquals(80, ProgressBar.columns("wide"));
            assertEquals(80, ProgressBar.columns("0"));
        }

        @Test
        void noBarIsShownWhenStderrIsNotATerminal() {
            Runs r = run("true", ":::", "a");
            assertEquals("", r.err());
        }
    }

    /** Ctrl-C and the terminal: a runner in a JVM of its own. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class InItsOwnJvm {
        private Spawner spawner;

        @BeforeAll
        void startSpawner() throws IOException {
            spawner = Spawner.create();
        }

        @AfterAll
        void closeSpawner() {
            spawner.close();
        }

        @Test
        void theFirstCtrlCForwardsSigintToTheJobsAndWaitsForThem() throws Exception {
            String m = marker();
            Path log = dir.resolve("log");
            Child runner = Runs.startRunnerJvm(spawner, dir, "-j", "2", "--joblog", log.toString(), "sh", "-c",
                    "trap 'echo got INT $0; exit 3' INT; sleep " + m + " & wait", ":::", "1", "2", "3");
            assertTrue(Runs.awaitSleeps(m, 2, 15_000), "two jobs started");
            runner.signal(Signal.SIGINT);
            ExitStatus status = runner.waitFor(Duration.ofMillis(Runs.scaled(10_000)));
            String out = Runs.read(dir.resolve("out"));
            String err = Runs.read(dir.resolve("err"));
            assertEquals(130, status.exitValue(), out + err);
            assertEquals(Set.of("got INT 1", "got INT 2"), new HashSet<>(Runs.linesOf(out)), out + err);
            assertTrue(err.contains("SIGINT: sent SIGINT to 2 running jobs"), err);
            assertEquals(3, Files.readAllLines(log).size(), "both interrupted jobs are logged");
            assertEquals(List.of(), Runs.awaitNoProcessWith("sleep " + m, 2000), "no orphan");
        }

        @Test
        void aSecondCtrlCKillsJobsThatIgnoreTheFirst() throws Exception {
            String m = marker();
            Child runner = Runs.startRunnerJvm(spawner, dir, "-j", "2", "sh", "-c",
                    "trap '' INT; sleep " + m + "; echo survived", ":::", "1", "2", "3");
            assertTrue(Runs.awaitSleeps(m, 2, 15_000), "two jobs started");
            runner.signal(Signal.SIGINT);
            Thread.sleep(Runs.scaled(300));
            assertEquals(2, Runs.sleeps(m).size(), "the jobs ignore SIGINT");
            assertTrue(runner.isAlive(), "the runner waits for them");
            runner.signal(Signal.SIGINT);
            ExitStatus status = runner.waitFor(Duration.ofMillis(Runs.scaled(10_000)));
            String err = Runs.read(dir.resolve("err"));
            assertEquals(130, status.exitValue(), err);
            assertTrue(err.contains("killing every job"), err);
            assertEquals("", Runs.read(dir.resolve("out")));
            assertEquals(List.of(), Runs.awaitNoProcessWith("sleep " + m, 2000), "no orphan");
        }

        @Test
        void theProgressBarIsDrawnWhenStderrIsATerminal() throws Exception {
            Path tmux = Path.of("/usr/bin/tmux");
            Assumptions.assumeTrue(Files.isExecutable(tmux), "skipped: tmux is not installed at /usr/bin/tmux");
            String socket = "spawnring-run-test-" + ProcessHandle.current().pid();
            String job = Runs.scaledSeconds(400); // long enough for captures to see a bar
            String command = new String(Template.commandLine(Runs.runnerJvm("-j", "2", "sleep", ":::",
                    job, job, job, job, job, job).stream().map(String::getBytes).toList()))
                    + "; echo EXITED $?; sleep 60";
            try {
                assertEquals(0, tmux(socket, "new-session", "-d", "-s", "run", "-x", "120", "-y", "30", command));
                String screen = "";
                boolean sawProgress = false;
                long deadline = System.nanoTime() + Runs.scaled(20_000) * 1_000_000;
                while (!screen.contains("EXITED") && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    screen = capture(socket);
                    sawProgress |= screen.matches("(?s).*\\[#* *\\] +[0-9]{1,2}% [0-9]/6 jobs, [0-9] running.*ETA.*");
                }
                assertTrue(screen.contains("EXITED 0"), screen);
                assertTrue(screen.contains("[####################] 100% 6/6 jobs, 0 running, 0 failed"), screen);
                assertTrue(sawProgress, "a bar below 100% was seen while the jobs ran");
            } finally {
                tmux(socket, "kill-server");
            }
        }

        private int tmux(String socket, String... args) throws IOException, InterruptedException {
            List<String> argv = new ArrayList<>(List.of("/usr/bin/tmux", "-L", socket));
            argv.addAll(List.of(args));
            return new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        }

        private String capture(String socket) throws IOException, InterruptedException {
            Process p = new ProcessBuilder("/usr/bin/tmux", "-L", socket, "capture-pane", "-p", "-t", "run")
                    .redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return text;
        }
    }
}
