package dev.spawnring.cli.run.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spawnring.Command;
import dev.spawnring.Result;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import dev.spawnring.cli.testing.Runs;
import dev.spawnring.cli.testing.Sshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spawnring run -S} and GNU parallel {@code -S} side by side on the same three hosts
 * ({@link Sshd}), each from a directory of its own holding the same files: the same stdout
 * (sorted), exit status, joblog columns other than the times (Seq, Host, Exitval, Signal), and
 * the same files on this machine and on the hosts afterwards. Skipped, saying why, without GNU
 * parallel (Debian: {@code apt-get install parallel}).
 */
class GnuParallelSshTest {
    static Sshd sshd;
    static Spawner spawner;
    static Path gnuHome;

    @BeforeAll
    static void start() throws Exception {
        String missing = Sshd.available();
        assumeTrue(missing == null, () -> "skipped: " + missing);
        Path parallel = Sshd.which("parallel");
        assumeTrue(parallel != null, "skipped: GNU parallel is not installed (Debian: apt-get install parallel)");
        assumeTrue(Sshd.which("perl") != null, "skipped: perl is missing, GNU parallel runs it on the hosts");
        spawner = Spawner.create();
        Result v = spawner.run(Command.of("parallel", "--version").stdin(Stdio.discard())).get();
        assumeTrue(v.stdoutText().startsWith("GNU parallel"), "skipped: parallel is not GNU parallel");
        sshd = Sshd.start();
        gnuHome = Files.createTempDirectory("spawnring-gnu-home-");
        Files.createDirectories(gnuHome.resolve(".parallel"));
        Files.writeString(gnuHome.resolve(".parallel/will-cite"), "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (spawner != null) {
            spawner.close();
        }
        if (sshd != null) {
            sshd.close();
        }
        if (gnuHome != null) {
            Sshd.removeTree(gnuHome);
        }
    }

    @AfterEach
    void emptyTheHomes() throws Exception {
        for (int h = 1; h <= 3; h++) {
            for (String left : SshTest.tree(sshd.home(h))) {
                Sshd.removeTree(sshd.home(h).resolve(left));
            }
        }
    }

    /** What one runner did: its exit status, sorted stdout, joblog rows by Seq (Host, Exitval, Signal). */
    record Outcome(int exit, List<String> out, Map<String, String> log) {
    }

    /** GNU parallel with the same arguments, but {@code --shell}: it always runs the command with a shell. */
    static Outcome gnu(Path dir, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("parallel", "--ssh", sshd.ssh(), "--joblog", "log"));
        argv.addAll(List.of(args).stream().filter(a -> !a.equals("--shell")).toList());
        Result r = spawner.run(Command.of(argv).directory(dir).env("HOME", gnuHome.toString())
                .stdin(Stdio.discard())).get();
        assertTrue(Files.exists(dir.resolve("log")), () -> "GNU parallel failed: " + r.stderrText());
        return outcome(dir, r);
    }

    static Outcome ours(Path dir, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("--ssh", sshd.ssh(), "--joblog", "log"));
        argv.addAll(List.of(args));
        Result r = spawner.run(Command.of(Runs.runnerJvm(argv.toArray(String[]::new))).directory(dir)
                .stdin(Stdio.discard())).get();
        return outcome(dir, r);
    }

    private static Outcome outcome(Path dir, Result r) throws Exception {
        Map<String, String> log = new TreeMap<>();
        for (String[] row : SshTest.joblog(dir.resolve("log"))) {
            log.put(row[0], row[1] + " exit " + row[6] + " signal " + row[7]);
        }
        Files.delete(dir.resolve("log"));
        return new Outcome(r.status().exitValue(), Runs.linesOf(r.stdoutText()).stream().sorted().toList(), log);
    }

    /** Two directories with the same files, for the two runners. */
    static Path[] twoDirs(Path tmp, Map<String, String> files) throws Exception {
        Path[] dirs = {tmp.resolve("gnu"), tmp.resolve("ours")};
        for (Path d : dirs) {
            Files.createDirectories(d);
            for (Map.Entry<String, String> f : files.entrySet()) {
                Files.createDirectories(d.resolve(f.getKey()).getParent());
                Files.writeString(d.resolve(f.getKey()), f.getValue());
            }
        }
        return dirs;
    }

    @Test
    void oneHostEachGivesTheSameOutputStatusAndJoblogWithHostileInputs(@TempDir Path tmp) throws Exception {
        Path[] d = twoDirs(tmp, Map.of());
        String[] args = {"-S", "1/127.0.0.2", "echo", "{}", ":::", "a b; rm -rf ~", "$(touch pwned)", "it's",
            "back\\slash", "*", "-n x"};
        Outcome g = gnu(d[0], args);
        Outcome o = ours(d[1], args);
        assertEquals(g, o);
        assertEquals(List.of(), SshTest.tree(sshd.home(2)));
    }

    @Test
    void theHostColumnNamesEachLoginAsGnuParallelDoes(@TempDir Path tmp) throws Exception {
        Path[] d = twoDirs(tmp, Map.of());
        String[] args = {"-S", "1/127.0.0.1", "-S", "1/root@127.0.0.2,1/127.0.0.3:" + sshd.port(), "-j", "1",
            "--shell", "exit {}", ":::", "0", "1", "2"};
        Outcome g = gnu(d[0], args);
        Outcome o = ours(d[1], args);
        assertEquals(g.exit(), o.exit());
        assertEquals(2, o.exit());
        // Which job runs where is each runner's choice; the names and the statuses are the same.
        assertEquals(List.of("127.0.0.1", "127.0.0.3:" + sshd.port(), "root@127.0.0.2"),
                g.log().values().stream().map(v -> v.split(" ")[0]).sorted().toList());
        assertEquals(g.log().values().stream().map(v -> v.split(" ")[0]).sorted().toList(),
                o.log().values().stream().map(v -> v.split(" ")[0]).sorted().toList());
        assertEquals(g.log().values().stream().map(v -> v.substring(v.indexOf(' '))).sorted().toList(),
                o.log().values().stream().map(v -> v.substring(v.indexOf(' '))).sorted().toList());
    }

    @Test
    void transferReturnAndCleanupLeaveTheSameFilesHereAndNothingThere(@TempDir Path tmp) throws Exception {
        Path[] d = twoDirs(tmp, Map.of("in/one.txt", "1\n", "in/two.txt", "2 2\n"));
        String[] args = {"-S", "1/127.0.0.1,1/127.0.0.2", "--transferfile", "{}", "--return", "{.}.count",
            "--return", "sub/./{/}.copy", "--cleanup", "--shell",
            "wc -w < {} > {.}.count && cp {} {/}.copy", ":::", "in/one.txt", "in/two.txt"};
        Outcome g = gnu(d[0], args);
        Outcome o = ours(d[1], args);
        assertEquals(g.exit(), o.exit());
        assertEquals(0, o.exit());
        assertEquals(SshTest.tree(d[0]), SshTest.tree(d[1]));
        // sub/./NAME: fetched from NAME in the work dir, put in sub/NAME here.
        assertEquals("1\n", Files.readString(d[1].resolve("sub/one.txt.copy")), SshTest.tree(d[1]).toString());
        assertEquals(Files.readString(d[0].resolve("in/two.count")), Files.readString(d[1].resolve("in/two.count")));
        for (int h = 1; h <= 2; h++) {
            assertEquals(List.of(), SshTest.tree(sshd.home(h)), "home " + h);
        }
    }

    @Test
    void workdirsAreTheSameDirectoriesAndDotsAreRemovedAfterwards(@TempDir Path tmp) throws Exception {
        Path[] d = twoDirs(tmp, Map.of());
        String[] args = {"-S", "1/127.0.0.3", "--workdir", "w/{}/./x/", "pwd", ":::", "a", "b"};
        assertEquals(gnu(d[0], args), ours(d[1], args));
        String[] dots = {"-S", "1/127.0.0.3", "--workdir", "...", "--shell", "touch f; pwd | sed 's/-[0-9]*-/-PID-/'",
            ":::", "a", "b"};
        Outcome g = gnu(d[0], dots);
        Outcome o = ours(d[1], dots);
        assertEquals(g.out().size(), o.out().size());
        assertEquals(g.out().stream().map(l -> l.replaceAll("/[^/]*-PID-", "/HOST-PID-")).toList(),
                o.out().stream().map(l -> l.replaceAll("/[^/]*-PID-", "/HOST-PID-")).toList());
        try (Stream<Path> left = Files.list(sshd.home(3).resolve(".parallel/tmp"))) {
            assertEquals(List.of(), left.toList());
        }
    }
}
