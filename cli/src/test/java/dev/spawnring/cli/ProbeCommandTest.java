package dev.spawnring.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.cli.testing.Cli;
import org.junit.jupiter.api.Test;

/** {@code spawnring probe}: what the kernel offers, as text and as JSON. */
class ProbeCommandTest {
    @Test
    void probePrintsTheKernelTheBackendAndTheOpcodes() {
        Cli r = Cli.run("probe");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        String out = r.out();
        assertTrue(out.contains("kernel:                " + System.getProperty("os.version")), out);
        assertTrue(out.matches("(?s).*io_uring:\\s+(usable|unusable: io_uring_setup: E[A-Z]+ \\(.*\\)).*"), out);
        assertTrue(out.matches("(?s).*backend:\\s+(IO_URING|FALLBACK).*"), out);
        assertTrue(out.matches("(?s).*opcodes:\\s+NOP .*"), out);
        assertTrue(out.contains("native:                spawnring-native 1"), out);
        assertTrue(out.contains("minimum:               Linux 5.11: met"), out);
        // Every feature on a line of its own: yes and the path, or no, why, and the path.
        assertTrue(out.matches("(?s).*\\n  IORING_OP_WAITID +(yes|no): .*"), out);
        assertTrue(out.matches("(?s).*\\n  PIDFD_SIGNAL_PROCESS_GROUP +(yes: group signals through|no: .*; kill).*"),
                out);
        assertTrue(out.matches("(?s).*\\n  close_range CLOSE_RANGE_CLOEXEC +yes: .*"), out);
    }

    @Test
    void probeJsonIsOneObject() {
        Cli r = Cli.run("probe", "--json");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        String json = r.out().trim();
        assertTrue(json.startsWith("{\"kernel\":\""), json);
        assertTrue(json.contains("\"opcodes\":[\"NOP\","), json);
        assertTrue(json.contains("\"per_feature\":{\"io_uring\":\""), json);
        assertTrue(json.endsWith("}"), json);
    }

    @Test
    void theRootCommandPrintsUsage() {
        Cli r = Cli.run();
        assertEquals(Main.EXIT_OK, r.exitCode());
        assertTrue(r.out().contains("Usage: spawnring"), r.out());
        assertTrue(r.out().contains("probe"), r.out());
    }
}
