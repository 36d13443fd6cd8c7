package dev.spawnring;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spawnring.internal.sys.Sys;
import dev.spawnring.testing.Spawners;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import org.junit.jupiter.api.Assumptions;

/**
 * A process started with a given pid (sr-pid-squat: clone3 set_tid) that leads its own
 * session and process group, so the pid is also a group number in use: what a recycled pid
 * looks like. Needs CAP_SYS_ADMIN; the test is skipped (saying why) without it.
 */
record Squatter(Process process, int pidfd) implements AutoCloseable {
    static Squatter on(long pid) throws Exception {
        Process p = new ProcessBuilder(Spawners.nativeBin("sr-pid-squat"), Long.toString(pid))
                .redirectErrorStream(true).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
        if (line == null || !line.equals("squatting " + pid)) {
            p.destroyForcibly();
            p.waitFor();
            Assumptions.abort("skipped: cannot start a process with pid " + pid + " (clone3 set_tid needs "
                    + "CAP_SYS_ADMIN, and the pid must be free): " + line);
        }
        // The squatter is sr-pid-squat's unreaped child: its pid is certainly its own here.
        int pidfd = Sys.pidfdOpen(pid, 0);
        assertTrue(pidfd >= 0, "pidfd_open " + pid);
        return new Squatter(p, pidfd);
    }

    boolean alive() {
        return Sys.pidfdSendSignal(pidfd, 0, 0) == 0;
    }

    @Override
    public void close() throws Exception {
        Sys.pidfdSendSignal(pidfd, Signal.SIGKILL, 0);
        Sys.close(pidfd);
        process.waitFor();
    }
}
