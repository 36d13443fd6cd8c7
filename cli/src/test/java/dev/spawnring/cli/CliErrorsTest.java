package dev.spawnring.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.Command;
import dev.spawnring.Result;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import dev.spawnring.cli.testing.Cli;
import dev.spawnring.cli.testing.Runs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the command line fails: a usage error in any command is one line saying what is wrong
 * and one pointing to {@code --help}, with the same exit code ({@link Main#EXIT_USAGE}, 255);
 * {@code run} checks every option before it runs anything; an expected failure is one line,
 * never a stack trace; a program that cannot be run is reported once per run.
 */
class CliErrorsTest {
    @TempDir
    Path dir;

    @Test
    void aUsageErrorIsOneLineAndAPointerToHelpWithTheSameExitCodeInEveryCommand() {
        assertUsage(Cli.run("run", "--frobnicate", "true"), "spawnring run: Unknown option: '--frobnicate'",
                "spawnring run");
        assertUsage(Cli.run("chain"), "spawnring chain: Missing required parameter: 'PROGRAM'", "spawnring chain");
        assertUsage(Cli.run("probe", "--bogus"), "spawnring probe: Unknown option: '--bogus'", "spawnring probe");
        assertUsage(Cli.run("no-such-command"), "spawnring: Unmatched argument at index 0: 'no-such-command'",
                "spawnring");
        assertEquals(255, Main.EXIT_USAGE, "GNU parallel's: run's 1 to 101 count failed jobs");
    }

    private static void assertUsage(Cli r, String firstLine, String command) {
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.err());
        assertEquals(List.of(firstLine, "Try '" + command + " --help' for more information."), r.err().lines().toList());
        assertEquals("", r.out());
    }

    @Test
    void runNamesTheOptionTheValueAndWhyInAUsageError() {
        Runs r = Runs.run("--timeout-grace", "soon", "true", ":::", "a");
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.all());
        assertEquals("spawnring run: --timeout-grace soon: not a duration; expected a number with ms, s, m or h "
                + "(seconds when none), e.g. 500ms, 2s, 1m", r.usage().lines().findFirst().orElseThrow());
        assertEquals(2, r.usage().lines().count(), "no usage dump: " + r.usage());
    }

    @Test
    void aBadTimeoutIsRefusedBeforeAnyJobRuns() {
        Path ran = dir.resolve("ran");
        Runs r = Runs.run("--timeout", "5x", "touch", ran.toString(), ":::", "a");
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.all());
        assertTrue(r.usage().startsWith("spawnring run: --timeout 5x: not a duration"), r.all());
        assertFalse(Files.exists(ran), "no job ran");
    }

    @Test
    void aJoblogThatCannotBeWrittenIsRefusedBeforeAnyJobRunsInOneLine() {
        Path ran = dir.resolve("ran");
        Path log = dir.resolve("missing/log");
        Runs r = Runs.run("--joblog", log.toString(), "touch", ran.toString(), ":::", "a");
        assertEquals(255, r.exitCode(), r.all());
        assertEquals("spawnring run: --joblog " + log + ": cannot write it: No such file or directory\n", r.err());
        assertFalse(Files.exists(ran), "no job ran");
        Runs d = Runs.run("--joblog", dir.toString(), "touch", ran.toString(), ":::", "a");
        assertEquals("spawnring run: --joblog " + dir + ": cannot write it: Is a directory\n", d.err());
    }

    @Test
    void aMissingProgramIsReportedOncePerRunAndEveryJobStillFailsWith127() throws Exception {
        Path log = dir.resolve("log");
        Runs r = Runs.run("-j", "2", "--joblog", log.toString(), "no-such-program-xyz", ":::", "a", "b", "c", "d");
        assertEquals(4, r.exitCode(), r.all());
        List<String> err = r.err().lines().toList();
        assertEquals(1, err.size(), r.all());
        assertTrue(err.get(0).startsWith("spawnring run: Cannot run program \"no-such-program-xyz\": exec: No such file "
                + "or directory (ENOENT)"), r.all());
        assertTrue(err.get(0).endsWith("(said once: every job running it fails with exit value 127)"), r.all());
        List<String> rows = Files.readAllLines(log);
        assertEquals(5, rows.size(), String.join("\n", rows));
        for (String row : rows.subList(1, 5)) {
            assertEquals("127", row.split("\t")[6], row);
        }
    }

    @Test
    void anUnreadableInputIsOneLineNotAStackTrace() throws Exception {
        // Stdin that is a directory: the read fails with EISDIR.
        try (Spawner s = Spawner.create()) {
            Result r = s.run(Command.of(Runs.runnerJvm("echo")).stdin(Stdio.from(dir))).get();
            assertEquals(255, r.status().exitValue(), r.stderrText());
            assertEquals("spawnring run: reading the input: Is a directory\n", r.stderrText());
        }
    }

    @Test
    void anArgumentStartingWithAtIsTheCommandsNotAFileOfArguments() throws Exception {
        Files.writeString(dir.resolve("args"), "not\nthese\n");
        Runs r = Runs.run("printf", "[%s]", "@" + dir.resolve("args"), ":::", "x");
        assertEquals(0, r.exitCode(), r.all());
        assertEquals("[@" + dir.resolve("args") + "][x]", r.out());
    }
}
