package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.ChildJvm;
import dev.spawnring.testing.JUnitMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Where io_uring is refused, spawnring still passes its process-API and contract suites, on
 * FALLBACK: under a seccomp filter (as container runtimes install), and with the
 * {@code kernel.io_uring_disabled=2} sysctl.
 */
class IoUringDeniedSuiteTest {
    /** A representative part of the suite: the process API, the contract, the ring's ops and links. */
    private static final List<String> SUITE = List.of(
            "dev.spawnring.SpawnerExitTest", "dev.spawnring.SpawnerStdioTest", "dev.spawnring.SpawnerErrorsTest",
            "dev.spawnring.SpawnerOptionsTest", "dev.spawnring.ChildProcessTest",
            "dev.spawnring.ProcessBuilderInteropTest", "dev.spawnring.SpawnerLoopsTest",
            "dev.spawnring.uring.SpawnContractTest",
            "dev.spawnring.uring.RingLinkTest", "dev.spawnring.uring.RingOpsTest");

    private static final Path SYSCTL = Path.of("/proc/sys/kernel/io_uring_disabled");

    @Test
    void theProcessApiAndContractSuitesPassInAJvmWhereSeccompRefusesIoUring() throws Exception {
        List<String> cmd = ChildJvm.command(List.of(Spawners.nativeBin("sr-no-uring")), null, List.of(),
                JUnitMain.class.getName(), SUITE.toArray(String[]::new));
        try (ChildJvm jvm = ChildJvm.start(cmd)) {
            int code = jvm.finish(540); // 90 s alone, over 300 s at a load of 25: a guard, not a timing
            String out = jvm.transcript();
            Matcher m = Pattern.compile("summary: found (\\d+), succeeded (\\d+), failed (\\d+), skipped (\\d+), "
                    + "aborted (\\d+)").matcher(out);
            assertTrue(m.find(), out);
            assertEquals(0, code, out);
            assertEquals("0", m.group(3), out);
            int found = Integer.parseInt(m.group(1));
            int succeeded = Integer.parseInt(m.group(2));
            int aborted = Integer.parseInt(m.group(5));
            // The IO_URING halves abort (skip with the reason); every FALLBACK test passes.
            assertTrue(succeeded >= found / 3, out);
            assertTrue(aborted > 0, "no test saw io_uring refused:\n" + out);
            System.out.println("under seccomp: " + m.group());
        }
    }

    @Test
    void aSpawnerOpenedWhileTheSysctlDisablesIoUringRunsOnFallback() throws Exception {
        String original = sysctlOrSkip();
        try (ChildJvm jvm = ChildJvm.start(List.of(), null, "uringoff")) {
            assertEquals("allowed: null", jvm.await("allowed: ").trim(), "io_uring was not usable to begin with");
            jvm.await("ready");
            String opened;
            try {
                Files.writeString(SYSCTL, "2");
                jvm.tell("go");
                // Only as long as the child needs to open its Spawner: the sysctl is machine-wide.
                opened = jvm.await("opened");
            } finally {
                Files.writeString(SYSCTL, original);
            }
            assertEquals("opened", opened);
            jvm.tell("restored");
            assertEquals(0, jvm.finish(300), jvm.transcript()); // a hang guard: a child JVM in an emulated VM took over 100 s
            String out = jvm.transcript();
            assertTrue(out.contains("reason: io_uring_setup: EPERM (Operation not permitted)"), out);
            assertTrue(out.contains("backend: FALLBACK"), out);
            assertTrue(out.contains("echo: spawned with io_uring disabled | exit 0"), out);
            assertTrue(out.contains("exit 3: exit 3"), out);
            assertTrue(out.contains("destroyed: killed by signal 15"), out);
            assertTrue(out.contains("cat: round trip | exit 0"), out);
            assertTrue(out.contains("missing: SpawnException step=exec errno=ENOENT"), out);
        } finally {
            assertEquals(original, Files.readString(SYSCTL).trim(), "the sysctl was not restored");
        }
    }

    /** The sysctl's value, when this test may change it; else skips with the reason. */
    private static String sysctlOrSkip() {
        Assumptions.assumeTrue(Files.exists(SYSCTL), "skipped: " + SYSCTL + " is missing (kernel before 6.6)");
        String value;
        try {
            value = Files.readString(SYSCTL).trim();
            Files.writeString(SYSCTL, value); // writable? (root, and /proc/sys not mounted read-only)
        } catch (IOException e) {
            Assumptions.abort("skipped: " + SYSCTL + " cannot be changed here: " + e);
            return null;
        }
        Assumptions.assumeTrue(value.equals("0"), () -> "skipped: io_uring is already restricted here ("
                + SYSCTL + " = " + value + ")");
        Assumptions.assumeTrue(Ring.ioUringUnavailableReason() == null, "skipped: io_uring is refused here already");
        return value;
    }

}
