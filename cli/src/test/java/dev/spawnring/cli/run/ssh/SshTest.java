package dev.spawnring.cli.run.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spawnring.cli.testing.Runs;
import dev.spawnring.cli.testing.Sshd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spawnring run -S} against a real OpenSSH sshd ({@link Sshd}) on 127.0.0.1, .2 and .3:
 * jobs spread over the three hosts by their slots, the joblog's Host column, inputs that stay
 * data on the remote side, and a host that is down or fails.
 */
class SshTest {
    static Sshd sshd;

    @BeforeAll
    static void startSshd() throws Exception {
        String missing = Sshd.available();
        assumeTrue(missing == null, () -> "skipped: " + missing);
        sshd = Sshd.start();
    }

    @AfterAll
    static void stopSshd() throws Exception {
        if (sshd != null) {
            sshd.close();
        }
    }

    static String hosts() {
        return "1/127.0.0.1,1/127.0.0.2,1/127.0.0.3";
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

    @Test
    void jobsSpreadOverTheThreeHostsAndTheJoblogNamesTheHostEachRanOn(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("log");
        Runs r = Runs.run("--ssh", sshd.ssh(), "-S", hosts(), "--joblog", log.toString(),
                "--shell", "echo {} $(pwd)", ":::", "1", "2", "3", "4", "5", "6", "7", "8", "9");
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
}
