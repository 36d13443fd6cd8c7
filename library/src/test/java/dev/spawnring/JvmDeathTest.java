package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.ChildJvm;
import dev.spawnring.testing.Spawners;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A JVM that started children with {@code parentDeathSignal(SIGKILL)} dies by SIGKILL: those
 * children die with it (a child without the signal lives on, which shows the kill is the
 * signal's doing); both backends.
 */
class JvmDeathTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void childrenWithAParentDeathSignalDieWithTheirJvm(Backend backend) throws Exception {
        Spawners.create(backend).close();
        List<Long> guarded = new ArrayList<>();
        int unguardedPidfd = -1;
        try (ChildJvm jvm = ChildJvm.start(List.of(), backend, "pdeath")) {
            jvm.await("ready");
            Matcher m = Pattern.compile("(?m)^guarded: (\\d+)").matcher(jvm.transcript());
            while (m.find()) {
                guarded.add(Long.parseLong(m.group(1)));
            }
            long unguarded = Long.parseLong(line(jvm.transcript(), "unguarded: (\\d+)"));
            // Hold the unguarded child by a pidfd before its parent goes, so the kill below can
            // never reach a recycled pid.
            unguardedPidfd = Sys.pidfdOpen(unguarded, 0);
            assertTrue(unguardedPidfd >= 0, "pidfd_open " + unguarded + ": " + unguardedPidfd);
            assertEquals(4, guarded.size(), jvm.transcript());
            for (long pid : guarded) {
                assertTrue(alive(pid), pid + " is not running before its JVM dies");
            }
            jvm.process().destroyForcibly(); // SIGKILL
            jvm.process().waitFor();
            // Poll /proc until each is gone (or a zombie waiting for init): a hang guard, not a speed check.
            for (int i = 0; i < 1000 && guarded.stream().anyMatch(JvmDeathTest::alive); i++) {
                Thread.sleep(10);
            }
            for (long pid : guarded) {
                assertFalse(alive(pid), pid + " outlived its JVM despite parentDeathSignal(SIGKILL)");
            }
            assertEquals(0, Sys.pidfdSendSignal(unguardedPidfd, 0, 0), "the child without the signal lives on");
        } finally {
            if (unguardedPidfd >= 0) {
                Sys.pidfdSendSignal(unguardedPidfd, Linux.SIGKILL, 0);
                Sys.close(unguardedPidfd);
            }
        }
    }

    /** Running, or stopped: anything but gone or a zombie. */
    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String state = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[0];
            return !state.equals("Z") && !state.equals("X");
        } catch (IOException gone) {
            return false;
        }
    }

    private static String line(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), "no line matching " + regex + " in:\n" + out);
        return m.group(1);
    }
}
