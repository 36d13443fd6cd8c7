package dev.spawnring.cli.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * A process started with a given pid that leads its own session and process group, as a
 * recycled pid would (the library's test program sr-pid-squat: clone3 with set_tid, which needs
 * CAP_SYS_ADMIN; without it the test is skipped, saying why). It is sr-pid-squat's child, which
 * sr-pid-squat reaps and reports on before exiting: the squatter lives exactly as long as
 * sr-pid-squat does.
 */
public record Squatter(Process parent, long pid) implements AutoCloseable {
    public static Squatter on(long pid) throws Exception {
        Path program = Path.of(System.getProperty("spawnring.nativeBin", "../library/target/native-bin"), "sr-pid-squat");
        Assumptions.assumeTrue(Files.isExecutable(program), () -> "skipped: " + program + " is not built");
        Process p = new ProcessBuilder(program.toString(), Long.toString(pid)).redirectErrorStream(true).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
        if (line == null || !line.equals("squatting " + pid)) {
            p.destroyForcibly();
            p.waitFor();
            Assumptions.abort("skipped: cannot start a process with pid " + pid + " (clone3 set_tid needs "
                    + "CAP_SYS_ADMIN, and the pid must be free): " + line);
        }
        return new Squatter(p, pid);
    }

    /** @return whether the squatter still runs (then sr-pid-squat still waits for it) */
    public boolean alive() {
        return parent.isAlive();
    }

    /** @return "running", or what sr-pid-squat said of the squatter's end: "squatter: killed by signal N" */
    public String report() {
        if (parent.isAlive()) {
            return "running";
        }
        try {
            return new String(parent.getInputStream().readAllBytes()).trim();
        } catch (java.io.IOException e) {
            return "ended (" + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        if (parent.isAlive()) {
            // sr-pid-squat has not reaped it: the pid is still the squatter's.
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        parent.waitFor();
    }
}
