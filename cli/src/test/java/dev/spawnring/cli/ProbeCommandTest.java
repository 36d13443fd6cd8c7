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
    }

    @Test
    void probeJsonIsOneObject() {
        Cli r = Cli.run("probe", "--json");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        String json = r.out().trim();
        assertTrue(json.startsWith("{\"kernel\":\""), json);
        assertTrue(json.contains("\"opcodes\":[\"NOP\","), json);
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
