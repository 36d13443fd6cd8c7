package dev.spawnring.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.cli.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spawnring chain}: one line per completion, the PATH search shown step by step. */
class ChainCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aPathSearchPrintsEachCandidateAndTheOneThatRan() throws Exception {
        Path file = tmp.resolve("x");
        Cli r = Cli.run("chain", "--path-search", "touch", file.toString());
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        assertTrue(Files.exists(file));
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("step"), r.out());
        assertTrue(lines.get(1).matches("0\\s+CLONE\\s+0\\s+[1-9][0-9]*\\s*"), lines.get(1));
        List<String> execs = lines.stream().filter(l -> l.contains(" EXEC ")).toList();
        String[] path = System.getenv("PATH").split(":");
        assertEquals(path.length, execs.size(), r.out());
        boolean ran = false;
        for (int i = 0; i < path.length; i++) {
            String line = execs.get(i);
            boolean exists = Files.isExecutable(Path.of(path[i], "touch"));
            if (ran) {
                assertTrue(line.contains("-125 ECANCELED"), line);
            } else if (exists) {
                assertTrue(line.matches(".*EXEC\\s+\\d+\\s+0\\s+.*"), line);
                ran = true;
            } else {
                assertTrue(line.contains("-2 ENOENT"), line);
            }
            assertTrue(line.endsWith(path[i] + "/touch"), line);
        }
        assertTrue(ran);
        assertEquals("exit: code 0", lines.get(lines.size() - 1));
    }

    @Test
    void stdoutOpensTheFileInTheChildAndDup2sItOntoFdOne() throws Exception {
        Path out = tmp.resolve("out.txt");
        Cli r = Cli.run("chain", "--stdout", out.toString(), "/bin/echo", "hello", "chain");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(1).matches("0\\s+CLONE\\s+0\\s+[1-9][0-9]*\\s+CLONE_FILES"), r.out());
        assertTrue(lines.get(2).matches("1\\s+CLOSE_RANGE\\s+1\\s+0\\s+3\\.\\. \\(unshare the fd table\\)"), r.out());
        // The file lands on fd 3, the lowest one free once the child has closed 3 and up.
        assertTrue(lines.get(3).matches("2\\s+OPENAT\\s+2\\s+3\\s+" + java.util.regex.Pattern.quote(out.toString())),
                r.out());
        assertTrue(lines.get(4).matches("3\\s+DUP2\\s+3\\s+1\\s+3 -> 1 .*"), r.out());
        assertTrue(lines.get(5).matches("4\\s+CLOSE\\s+4\\s+0\\s+3"), r.out());
        assertEquals("hello chain\n", Files.readString(out));
    }

    @Test
    void aStdoutFileThatCannotBeOpenedFailsAtTheOpenatStep() {
        Cli r = Cli.run("chain", "--stdout", tmp.resolve("missing/out.txt").toString(), "/bin/true");
        assertEquals(Main.EXIT_FAILED, r.exitCode());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("2\\s+OPENAT\\s+2\\s+-2 ENOENT\\s+.*")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("3\\s+DUP2\\s+3\\s+-125 ECANCELED\\s+.*")), r.out());
        assertEquals("exit: killed by signal 9", r.out().lines().reduce((a, b) -> b).orElseThrow());
    }

    @Test
    void jsonGivesEveryCompletionAndTheExit() {
        Cli r = Cli.run("chain", "--json", "--chdir", tmp.resolve("missing").toString(), "/bin/true");
        assertEquals(Main.EXIT_FAILED, r.exitCode());
        String json = r.out().trim();
        assertTrue(json.startsWith("{\"cqes\":[{\"step\":0,\"op\":\"CLONE\""), json);
        assertTrue(json.contains("{\"step\":1,\"op\":\"CHDIR\",\"user_data\":1,\"res\":-2,\"errno\":\"ENOENT\""), json);
        assertTrue(json.contains("{\"step\":2,\"op\":\"EXEC\",\"user_data\":2,\"res\":-125,\"errno\":\"ECANCELED\""), json);
        assertTrue(json.endsWith("\"exit\":{\"signal\":9}}"), json);
    }

    @Test
    void aMissingProgramArgumentIsAUsageError() {
        Cli r = Cli.run("chain");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("Missing required parameter: 'PROGRAM'"), r.err());
    }
}
