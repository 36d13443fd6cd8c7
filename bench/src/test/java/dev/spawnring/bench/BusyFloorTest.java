package dev.spawnring.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The C floor as a caller busy between spawns ({@code sr-floor MODE WORKLOAD@US}): still one
 * sample a spawn, and a clear refusal of what it cannot mean. No timing is asserted.
 */
@Timeout(60)
class BusyFloorTest {
    private record Run(int exit, List<String> out, String err) {
    }

    private static Run floor(String workload, int n) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Programs.path("sr-floor").toString(), "vfork", workload, String.valueOf(n), "0",
                Programs.path(workload.startsWith("first-instruction") ? "sr-stamp" : "sr-true").toString()).start();
        p.getOutputStream().close();
        List<String> out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out, err);
    }

    @Test
    void aBusyCallerStillGivesOneSampleASpawn() throws Exception {
        for (String workload : List.of("start-reap@20", "start-reap-pipes@20", "first-instruction@20")) {
            Run run = floor(workload, 5);
            assertEquals(0, run.exit(), workload + ": " + run.err());
            assertEquals(5, run.out().size(), workload + ": " + run.out());
            for (String line : run.out()) {
                assertTrue(Long.parseLong(line) > 0, workload + ": " + line);
            }
        }
    }

    @Test
    void busyNeedsMicrosecondsAndAOneAtATimeWorkload() throws Exception {
        for (String workload : List.of("start-reap@0", "start-reap@x", "concurrent@5", "throughput:2@5")) {
            Run run = floor(workload, 5);
            assertEquals(2, run.exit(), workload + ": " + run.out());
            assertTrue(run.err().contains("@US takes microseconds > 0") && run.err().contains(workload),
                    workload + ": " + run.err());
        }
    }
}
