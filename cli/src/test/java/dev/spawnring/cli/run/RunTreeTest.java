package dev.spawnring.cli.run;

import static dev.spawnring.cli.testing.Runs.run;
import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.Child;
import dev.spawnring.ExitStatus;
import dev.spawnring.Platform;
import dev.spawnring.Signal;
import dev.spawnring.Spawner;
import dev.spawnring.cli.testing.Runs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spawnring run} puts each job in a cgroup of its own, so a timeout, {@code --halt now},
 * Ctrl-C and a job's normal end leave nothing of it behind, even a daemon that left the job's
 * session; {@code --stats} writes each job's tree usage; {@code --no-tree} turns the cgroups
 * off (then a daemon outlives its job). Skipped, saying why, where no cgroup v2 is writable.
 */
class RunTreeTest {
    @TempDir
    Path dir;

    /** A marker no other process has in its command line: a sleep of 60.xxx seconds. */
    private static String marker() {
        return "60." + (100000 + (System.nanoTime() / 1000) % 900000);
    }

    /** A job that starts a daemon sleeping {@code m} seconds in a session of its own, then goes on. */
    private static String daemonThen(String m, String then) {
        return "setsid sh -c 'sleep " + m + " & exit 0' & wait; " + then;
    }

    @BeforeEach
    void needsTrees() {
        Platform.Feature trees = Platform.probe().feature(Platform.CGROUP_TREES);
        Assumptions.assumeTrue(trees.available(), () -> "skipped: no cgroup trees here: " + trees.reason());
    }

    @Test
    void aJobsNormalEndKillsTheDaemonItLeft() throws Exception {
        String m = marker();
        Runs r = run("sh", "-c", daemonThen(m, "echo done"), ":::", "1");
        assertEquals(0, r.exitCode(), r.all());
        assertEquals("done\n", r.out());
        assertEquals(List.of(), Runs.awaitNoProcessWith("sleep " + m, 10_000), "the daemon outlived its job");
    }

    @Test
    void aTimeoutLeavesNothingOfAJobThatDaemonized() throws Exception {
        String m = marker();
        Runs r = run("--timeout", "500ms", "sh", "-c", daemonThen(m, "sleep " + m), ":::", "1");
        assertEquals(1, r.exitCode(), r.all());
        assertTrue(r.err().contains("This job was killed because it timed out"), r.all());
        assertEquals(List.of(), Runs.awaitNoProcessWith("sleep " + m, 10_000));
    }

    @Test
    void haltNowLeavesNothingOfTheRunningJobsDaemons() throws Exception {
        String m = marker();
        Runs r = run("-j", "2", "--halt", "now,fail=1", "--timeout-grace", "200ms", "sh", "-c", "{}", ":::",
                "trap '' TERM; " + daemonThen(m, "sleep " + m), "sleep 1; exit 4");
        assertEquals(4, r.exitCode(), r.all());
        assertEquals(List.of(), Runs.awaitNoProcessWith("sleep " + m, 10_000));
    }

    @Test
    void ctrlCLeavesNothingOfTheJobsDaemons() throws Exception {
        String m = marker();
        try (Spawner spawner = Spawner.create()) {
            Child runner = Runs.startRunnerJvm(spawner, dir, "-j", "2", "sh", "-c", daemonThen(m, "sleep " + m),
                    ":::", "1", "2");
            assertTrue(Runs.awaitSleeps(m, 4, 30_000), "two jobs and their daemons started");
            runner.signal(Signal.SIGINT);
            ExitStatus status = runner.waitFor(Duration.ofMillis(Runs.scaled(30_000)));
            assertEquals(130, status.exitValue(), Runs.read(dir.resolve("err")));
            assertEquals(List.of(), Runs.awaitNoProcessWith("sleep " + m, 10_000));
        }
    }

    @Test
    void statsGivesEachJobsTreeUsage() throws Exception {
        Path stats = dir.resolve("stats");
        Runs r = run("--stats", stats.toString(), "sh", "-c",
                "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exit {}", ":::", "0", "3");
        assertEquals(1, r.exitCode(), r.all());
        List<String> lines = Files.readAllLines(stats, StandardCharsets.UTF_8);
        assertEquals(Stats.HEADER, lines.get(0));
        assertEquals(3, lines.size(), lines.toString());
        for (String line : lines.subList(1, 3)) {
            String[] f = line.split("\t");
            double cpu = Double.parseDouble(f[3]) + Double.parseDouble(f[4]);
            assertTrue(cpu > 0, "a shell loop of 20,000 rounds used some CPU: " + line);
            assertTrue(f[7].startsWith("sh -c "), line);
        }
    }

    @Test
    void withNoTreeTheStatsSayNothingIsKnownAndADaemonOutlivesItsJob() throws Exception {
        // A daemon that ends by itself some 20 s later: nothing need signal it by pid.
        String m = "2" + marker().substring(1);
        Path stats = dir.resolve("stats");
        Runs r = run("--no-tree", "--stats", stats.toString(), "sh", "-c", daemonThen(m, "true"), ":::", "1");
        assertEquals(0, r.exitCode(), r.all());
        // (its sleep may still be between fork and exec when the job ends)
        assertTrue(Runs.awaitSleeps(m, 1, 10_000), "--no-tree: the daemon left the job's group and survives");
        String line = Files.readAllLines(stats).get(1);
        assertTrue(line.startsWith("1\t0\t0\t-\t-\t-\t-\tsh -c "), line);
    }
}
