package dev.spawnring.cli.run.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spawnring.Command;
import dev.spawnring.Result;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import dev.spawnring.cli.testing.Runs;
import dev.spawnring.cli.testing.Sshd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spawnring run -S} against a real OpenSSH sshd ({@link Sshd}) on 127.0.0.1, .2 and .3,
 * three hosts with a home each: jobs spread over the hosts by their slots, the joblog's Host
 * column, inputs that stay data on the remote side, {@code --workdir}, files sent and fetched
 * back, a timeout that reaches the remote command, a host that cannot be reached, one that
 * fails once reached, and what a run leaves behind (no ssh connection, no control directory).
 */
class SshTest {
    static Sshd sshd;
    static Spawner spawner;

    @BeforeAll
    static void startSshd() throws Exception {
        String missing = Sshd.available();
        assumeTrue(missing == null, () -> "skipped: " + missing);
        sshd = Sshd.start();
        spawner = Spawner.create();
    }

    @AfterAll
    static void stopSshd() throws Exception {
        if (spawner != null) {
            spawner.close();
        }
        if (sshd != null) {
            sshd.close();
        }
    }

    @AfterEach
    void leavesNoConnectionBehind() throws Exception {
        for (int h = 1; h <= 3; h++) { // what a test left in a home on purpose (--workdir, no --cleanup)
            for (String left : tree(sshd.home(h))) {
                Sshd.removeTree(sshd.home(h).resolve(left));
            }
        }
        assertEquals(List.of(), Runs.awaitNoProcessWith("spawnring-ssh-", 10_000), "ssh masters left running");
        try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertEquals(List.of(), tmp.filter(p -> p.getFileName().toString().startsWith("spawnring-ssh-")).toList(),
                    "control directories left behind");
        }
    }

    static final String THREE = "1/127.0.0.1,1/127.0.0.2,1/127.0.0.3";

    /** Runs {@code spawnring run --ssh 'ssh -F cfg' args...} in this JVM. */
    static Runs run(String... args) {
        List<String> all = new ArrayList<>(List.of("--ssh", sshd.ssh()));
        all.addAll(List.of(args));
        return Runs.run(all.toArray(String[]::new));
    }

    /** Runs {@code spawnring run --ssh 'ssh -F cfg' args...} in a JVM of its own, in {@code dir}. */
    static Result runIn(Path dir, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--ssh", sshd.ssh()));
        all.addAll(List.of(args));
        return spawner.run(Command.of(Runs.runnerJvm(all.toArray(String[]::new))).directory(dir)
                .stdin(Stdio.discard())).get();
    }

    /** @return the joblog's lines (without the header), split into columns */
    static List<String[]> joblog(Path file) throws Exception {
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.startsWith("Seq\t")) {
                rows.add(line.split("\t", 9));
            }
        }
        return rows;
    }

    /** @return every file and directory under {@code dir}, relative to it, sorted */
    static List<String> tree(Path dir) throws Exception {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void jobsSpreadOverTheThreeHostsAndTheJoblogNamesTheHostEachRanOn(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("log");
        Runs r = run("-S", THREE, "--joblog", log.toString(), "--shell", "echo {} $(pwd)",
                ":::", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        assertEquals(0, r.exitCode(), r.all());
        Map<String, String> homeOf = new HashMap<>();
        for (String line : r.lines()) {
            String[] w = line.split(" ");
            homeOf.put(w[0], w[1]);
        }
        assertEquals(9, homeOf.size(), r.all());
        Set<String> used = new HashSet<>();
        for (String[] row : joblog(log)) {
            String host = row[1];
            used.add(host);
            int n = Sshd.ADDRESSES.indexOf(host) + 1;
            assertTrue(n > 0, "Host column " + host);
            assertEquals(sshd.home(n).toString(), homeOf.get(row[0]), "job " + row[0] + " ran on " + host);
        }
        assertEquals(Set.copyOf(Sshd.ADDRESSES), used, r.all());
    }

    @Test
    void eachHostRunsAsManyJobsAtATimeAsItsSlots(@TempDir Path tmp) throws Exception {
        // 2 slots on .1, 1 on .2: the first three jobs start at once, two on .1; each records
        // how many of the jobs were running on its host when it started.
        Path log = tmp.resolve("log");
        Runs r = run("-S", "2/127.0.0.1,1/127.0.0.2", "--joblog", log.toString(), "--shell",
                "echo {%} $PARALLEL_SSHHOST", ":::", "a", "b", "c");
        assertEquals(0, r.exitCode(), r.all());
        List<String> hosts = joblog(log).stream().map(row -> row[1]).sorted().toList();
        assertEquals(List.of("127.0.0.1", "127.0.0.1", "127.0.0.2"), hosts, r.all());
        assertEquals(List.of("1", "2", "3"), r.lines().stream().map(l -> l.split(" ")[0]).sorted().toList(), r.all());
    }

    @Test
    void hostileInputsStayOneArgumentOnTheRemoteSide() throws Exception {
        List<String> inputs = List.of("a b; rm -rf ~", "$(touch pwned)", "`touch pwned2`", "it's", "back\\slash",
                "*", "-n", "tab\there", "new\nline", "\"dq\"", "semi;colon|pipe&amp>gt");
        List<String> args = new ArrayList<>(List.of("-S", THREE, "printf", "<%s>\\n", "{}", ":::"));
        args.addAll(inputs);
        Runs r = run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.all());
        List<String> expected = inputs.stream().map(i -> "<" + i + ">").sorted().toList();
        List<String> got = Arrays.stream(r.out().split(">\n")).map(s -> s + ">").sorted().toList();
        assertEquals(expected, got, r.all());
        // --shell: the template is shell code, the inputs are still data.
        Runs sh = run("-S", THREE, "--shell", "printf '<%s>\\n' {} | tr a A", ":::", "a b; rm -rf ~", "$(touch pwned)");
        assertEquals(List.of("<$(touch pwned)>", "<A b; rm -rf ~>"), sh.lines().stream().sorted().toList(), sh.all());
        for (int h = 1; h <= 3; h++) {
            assertEquals(List.of(), tree(sshd.home(h)), "home " + h);
        }
    }

    @Test
    void bytesThatAreNoTextInAnyLocaleReachTheRemoteCommandAsTheyAre() throws Exception {
        byte[] latin1 = {'c', 'a', 'f', (byte) 0xE9, ' ', '\'', 'x'};
        Runs.Raw r = Runs.withBytes(new byte[0], b("--ssh"), b(sshd.ssh()), b("-S"), b("1/127.0.0.2"),
                b("printf"), b("%s|"), b("{}"), b(":::"), latin1);
        assertEquals(0, r.exitCode(), r.all());
        byte[] expected = Arrays.copyOf(latin1, latin1.length + 1);
        expected[latin1.length] = '|';
        assertEquals(Arrays.toString(expected), Arrays.toString(r.out()), r.all());
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theWorkdirIsMadeOnEachHostAndDotsMakeATemporaryOneRemovedAfterTheJob(@TempDir Path tmp) throws Exception {
        Runs r = run("-S", THREE, "--workdir", "wd/{}", "--shell", "echo {} $(pwd)", ":::", "x", "y", "z");
        assertEquals(0, r.exitCode(), r.all());
        for (String line : r.lines()) {
            String[] w = line.split(" ");
            assertTrue(w[1].startsWith(sshd.dir().toString()) && w[1].endsWith("/wd/" + w[0]), line);
        }
        Runs temp = run("-S", THREE, "--workdir", "...", "--shell", "pwd; touch made-here", ":::", "1", "2", "3");
        assertEquals(0, temp.exitCode(), temp.all());
        for (String line : temp.lines()) {
            assertTrue(line.contains("/.parallel/tmp/"), line);
            assertFalse(Files.exists(Path.of(line)), line + " is still there");
        }
        Path abs = tmp.resolve("abs dir");
        Runs local = run("-S", ":", "--workdir", abs.toString(), "pwd", ":::", "1");
        assertEquals(List.of(abs.toString()), local.lines(), local.all());
    }

    @Test
    void transferReturnAndCleanupMoveTheFilesAndLeaveTheHostsClean(@TempDir Path dir) throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        String hostile = "a b; rm -rf ~.txt";
        Files.writeString(in.resolve(hostile), "hello\n");
        Files.writeString(in.resolve("-dash"), "x\n");
        Files.writeString(in.resolve("plain"), "0123456789\n");
        Result r = runIn(dir, "-S", THREE, "--joblog", "log", "--trc", "{}.out",
                "--shell", "wc -c < {} > {}.out", ":::", "in/" + hostile, "in/-dash", "in/plain");
        assertEquals(0, r.status().exitValue(), r.stdoutText() + r.stderrText());
        assertEquals("6\n", Files.readString(in.resolve(hostile + ".out")));
        assertEquals("2\n", Files.readString(in.resolve("-dash.out")));
        assertEquals("11\n", Files.readString(in.resolve("plain.out")));
        for (int h = 1; h <= 3; h++) {
            assertEquals(List.of(), tree(sshd.home(h)), "home " + h + " after --cleanup");
        }
        Map<String, String> send = new HashMap<>();
        for (String[] row : joblog(dir.resolve("log"))) {
            send.put(row[8], row[4] + " " + row[5]);
        }
        assertEquals("11 3", send.get("wc -c < in/plain > in/plain.out"), send.toString());
    }

    @Test
    void transferredFilesStayOnTheHostWithoutCleanupUnderTheWorkdir(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("f1"), "one\n");
        Result r = runIn(dir, "-S", "1/127.0.0.2", "--workdir", "w", "--transferfile", "{}", "--return", "{}.n",
                "--shell", "wc -l < {} > {}.n", ":::", "f1");
        assertEquals(0, r.status().exitValue(), r.stdoutText() + r.stderrText());
        assertEquals("1\n", Files.readString(dir.resolve("f1.n")));
        assertEquals(List.of("w", "w/f1", "w/f1.n"), tree(sshd.home(2)));
    }

    @Test
    void aHostThatCannotBeReachedTakesNoJobAndTheOthersRunThemAll(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("log");
        String dead = "127.0.0.3:" + sshd.closedPort();
        Runs r = run("-S", "1/127.0.0.1,1/127.0.0.2,1/" + dead, "--joblog", log.toString(),
                "echo", ":::", "1", "2", "3", "4", "5", "6");
        assertEquals(0, r.exitCode(), r.all());
        assertEquals(6, r.lines().size(), r.all());
        assertTrue(r.err().contains("Warning: " + dead + " is down"), r.all());
        assertTrue(joblog(log).stream().noneMatch(row -> row[1].equals(dead)), r.all());
    }

    @Test
    void aHostThatFailsOnceReachedHasItsJobsRunAgainOnTheOthers(@TempDir Path tmp) throws Exception {
        // sshd on this port accepts the connection (the master starts) and refuses every
        // session: each job there ends with ssh's 255, and so does the check that follows.
        Path log = tmp.resolve("log");
        String failing = "127.0.0.3:" + sshd.refusingPort();
        Runs r = run("-S", "1/" + failing + ",1/127.0.0.1", "--joblog", log.toString(),
                "echo", ":::", "1", "2", "3", "4");
        assertEquals(0, r.exitCode(), r.all());
        assertEquals(List.of("1", "2", "3", "4"), r.lines().stream().sorted().toList(), r.all());
        assertTrue(r.err().contains("Warning: " + failing + " is down"), r.all());
        assertEquals(List.of("127.0.0.1"), joblog(log).stream().map(row -> row[1]).distinct().toList(), r.all());
    }

    @Test
    void aCommandThatExitsWith255IsTheJobsFailureNotTheHosts(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("log");
        Runs r = run("-S", "1/127.0.0.1", "--joblog", log.toString(), "--shell", "exit {}", ":::", "255", "0");
        assertEquals(1, r.exitCode(), r.all());
        assertFalse(r.err().contains("is down"), r.all());
        assertEquals(Set.of("255", "0"), Set.copyOf(joblog(log).stream().map(row -> row[6]).toList()), r.all());
    }

    @Test
    void aTimeoutEndsTheCommandOnTheHostTooNotOnlyItsSsh() throws Exception {
        Runs r = run("-S", "1/127.0.0.2", "--timeout", "1", "sleep", ":::", "73");
        assertEquals(1, r.exitCode(), r.all());
        assertTrue(r.err().contains("timed out"), r.all());
        long deadline = System.nanoTime() + Runs.scaled(15_000) * 1_000_000;
        while (!Runs.sleeps("73").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(List.of(), Runs.sleeps("73"), "the remote sleep is still running");
    }

    @Test
    void whenNoHostCanBeReachedTheRunFailsAtOnce() throws Exception {
        Runs r = run("-S", "127.0.0.3:" + sshd.closedPort(), "echo", ":::", "1");
        assertEquals(255, r.exitCode(), r.all());
        assertTrue(r.err().contains("no host is up"), r.all());
        assertEquals("", r.out());
    }

    @Test
    void aColonIsThisMachineBesideTheHosts(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("log");
        Runs r = run("-S", "1/:,1/127.0.0.1", "--joblog", log.toString(), "echo", ":::", "1", "2");
        assertEquals(0, r.exitCode(), r.all());
        assertEquals(Set.of(":", "127.0.0.1"), Set.copyOf(joblog(log).stream().map(row -> row[1]).toList()), r.all());
    }

    @Test
    void aLoginFileListsTheHosts(@TempDir Path tmp) throws Exception {
        Path slf = Files.writeString(tmp.resolve("hosts"), "# the test hosts\n1/127.0.0.1\n\n1/root@127.0.0.2\n");
        Path log = tmp.resolve("log");
        Runs r = run("--slf", slf.toString(), "--joblog", log.toString(), "echo", ":::", "1", "2");
        assertEquals(0, r.exitCode(), r.all());
        assertEquals(Set.of("127.0.0.1", "root@127.0.0.2"),
                Set.copyOf(joblog(log).stream().map(row -> row[1]).toList()), r.all());
    }
}
