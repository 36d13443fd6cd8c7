package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.internal.sys.Kernel;
import dev.spawnring.testing.ChildJvm;
import dev.spawnring.testing.JUnitMain;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.IoUring;
import dev.spawnring.uring.Ring;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The paths a kernel older than this one takes, tested here too: exits, signals, groups,
 * timeouts and a failing loop, in a JVM told to behave as on Linux 6.1 (no io_uring WAITID,
 * so exits come through a POLL_ADD on the pidfd; no PIDFD_SIGNAL_PROCESS_GROUP, so group
 * signals are {@code kill(-pgid)} while the leader is unreaped). Skipped on a kernel that
 * takes both paths itself (the kernel-compatibility suite runs there).
 */
class OlderKernelPathsSuiteTest {
    private static final List<String> SUITE = List.of("dev.spawnring.SpawnerExitTest", "dev.spawnring.TimedOutTest",
            "dev.spawnring.TimeoutGraceTest", "dev.spawnring.WrongProcessTest", "dev.spawnring.ProcessGroupOnExitTest",
            "dev.spawnring.StreamsAfterExitTest", "dev.spawnring.LoopFailureTest");

    @Test
    void exitsSignalsGroupsAndTimeoutsPassAsOnLinux61() throws Exception {
        boolean waitid;
        try (Ring ring = Ring.open(2)) {
            waitid = ring.backend() == Backend.IO_URING && ring.probe().supports(IoUring.IORING_OP_WAITID);
        }
        Assumptions.assumeTrue(waitid || Kernel.groupSignalByPidfd(), "skipped: this kernel ("
                + Kernel.release() + ") takes the older paths itself: no io_uring WAITID, no PIDFD_SIGNAL_PROCESS_GROUP");
        List<String> cmd = ChildJvm.command(List.of(), null,
                List.of("-Dspawnring.debug.noRingWaitid=true", "-D" + Kernel.NO_GROUP_SIGNAL_PROPERTY + "=true"),
                JUnitMain.class.getName(), SUITE.toArray(String[]::new));
        try (ChildJvm jvm = ChildJvm.start(cmd)) {
            int code = jvm.finish(600);
            String out = jvm.transcript();
            Matcher m = Pattern.compile("summary: found (\\d+), succeeded (\\d+), failed (\\d+), skipped (\\d+), "
                    + "aborted (\\d+)").matcher(out);
            assertTrue(m.find(), out);
            assertEquals(0, code, out);
            assertEquals("0", m.group(3), out);
            assertTrue(Integer.parseInt(m.group(2)) > 0, out);
            System.out.println("as on Linux 6.1: " + m.group());
        }
    }
}
