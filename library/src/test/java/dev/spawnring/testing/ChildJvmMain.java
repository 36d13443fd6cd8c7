package dev.spawnring.testing;

import dev.spawnring.Child;
import dev.spawnring.Command;
import dev.spawnring.Result;
import dev.spawnring.SpawnException;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Ring;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a {@link ChildJvm} runs: one mode per test that needs a JVM of its own. Prints what
 * happened, one fact per line, for the test to check; waits for cues on stdin where the test
 * must change the world in between (a cgroup limit, a sysctl).
 *
 * <ul>
 *   <li>{@code fds}: under a low RLIMIT_NOFILE, spawns with 0, 1, 2, ... fds left free.</li>
 *   <li>{@code pids}: spawns once the test has capped this JVM's cgroup at its current task count.</li>
 *   <li>{@code sigstate}: reports a child's signal mask and ignored signals, reset or kept.</li>
 *   <li>{@code pdeath}: starts sleepers with a parent-death signal (and one without), then waits to be killed.</li>
 *   <li>{@code uringoff}: opens a Spawner while the test has {@code kernel.io_uring_disabled=2}.</li>
 * </ul>
 */
public final class ChildJvmMain {
    private static final BufferedReader CUES = new BufferedReader(new InputStreamReader(System.in));

    private ChildJvmMain() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "fds" -> fds();
            case "pids" -> pids();
            case "sigstate" -> sigstate();
            case "pdeath" -> pdeath();
            case "uringoff" -> uringOff();
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.flush();
    }

    private static String bin(String name) {
        return Path.of(System.getProperty("spawnring.nativeBin"), name).toString();
    }

    private static void cue(String expected) throws IOException {
        String line = CUES.readLine();
        if (!expected.equals(line)) {
            throw new IllegalStateException("expected the cue " + expected + ", got " + line);
        }
    }

    /** A spawn of sr-true with three pipes, as one line: "ok exit 0" or "SpawnException step=... errno=...". */
    private static String attempt(Spawner s) {
        try {
            Child c = s.spawn(Command.of(bin("sr-true")));
            c.stdin().close();
            c.stdout().close();
            c.stderr().close();
            return "ok " + c.waitFor();
        } catch (SpawnException e) {
            return "SpawnException step=" + e.step() + " errno=" + Errno.name(e.errno()) + " message=" + e.getMessage();
        } catch (Throwable t) {
            return "OTHER " + t;
        }
    }

    private static void warmUp(Spawner s) throws Exception {
        s.run(Command.of(bin("sr-true"))).get();
        attempt(s);
        try {
            s.spawn(Command.of("/nonexistent/warm-up"));
        } catch (SpawnException expected) {
            // loads the failure path's classes
        }
    }

    private static long fdCount() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    // ---- fds

    private static void fds() throws Exception {
        int devNull = Errno.check("open /dev/null", Sys.openat(Linux.AT_FDCWD, "/dev/null",
                Linux.O_RDONLY | Linux.O_CLOEXEC, 0));
        try (Spawner s = Spawner.create()) {
            System.out.println("backend: " + s.backend());
            warmUp(s);
            long base = fdCount();
            System.out.println("base fds: " + base);
            for (int free = 0; free <= 12; free++) {
                List<Integer> hogs = hog(devNull, free);
                String outcome = attempt(s);
                hogs.forEach(Sys::close);
                long after = fdCount();
                for (int i = 0; i < 200 && after > base; i++) {
                    Thread.sleep(10);
                    after = fdCount();
                }
                System.out.println("free " + free + ": " + outcome + " | fds " + after);
            }
            System.out.println("afterwards: " + attempt(s));
            s.close();
            s.awaitTermination();
        }
        // A Spawner made with no fd to spare says so; it does not quietly fall back to epoll.
        System.clearProperty(dev.spawnring.uring.Backend.PROPERTY);
        List<Integer> hogs = hog(devNull, 0);
        String created;
        try (Spawner s = Spawner.create()) {
            created = "created on " + s.backend();
        } catch (IOException e) {
            created = "IOException " + e.getMessage();
        } catch (Throwable t) {
            created = "OTHER " + t;
        }
        hogs.forEach(Sys::close);
        System.out.println("create with no fd free: " + created);
        System.out.println("done");
    }

    /** Takes every free fd but {@code leave}. */
    private static List<Integer> hog(int devNull, int leave) {
        List<Integer> hogs = new ArrayList<>();
        while (true) {
            int fd = Sys.fcntl(devNull, 1030 /* F_DUPFD_CLOEXEC */, 0);
            if (fd < 0) {
                break;
            }
            hogs.add(fd);
        }
        for (int i = 0; i < leave && !hogs.isEmpty(); i++) {
            Sys.close(hogs.removeLast());
        }
        return hogs;
    }

    // ---- pids

    private static void pids() throws Exception {
        try (Spawner s = Spawner.create()) {
            warmUp(s);
            System.out.println("ready");
            cue("go");
            System.out.println("limited: " + attempt(s));
            System.out.println("limited run: " + describe(() -> s.run(Command.of(bin("sr-true"))).get().status()));
            cue("raised");
            System.out.println("afterwards: " + attempt(s));
        }
        System.out.println("done");
    }

    interface Call {
        Object call() throws Exception;
    }

    private static String describe(Call c) {
        try {
            return "ok " + c.call();
        } catch (SpawnException e) {
            return "SpawnException step=" + e.step() + " errno=" + Errno.name(e.errno()) + " message=" + e.getMessage();
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause() instanceof SpawnException se
                    ? "SpawnException step=" + se.step() + " errno=" + Errno.name(se.errno()) + " message=" + se.getMessage()
                    : "OTHER " + e.getCause();
        } catch (Throwable t) {
            return "OTHER " + t;
        }
    }

    // ---- sigstate

    private static void sigstate() throws Exception {
        try (Spawner s = Spawner.create()) {
            for (boolean reset : new boolean[] {true, false}) {
                Result r = s.run(Command.of(bin("sr-sigstate")).resetSignals(reset)).get();
                System.out.println((reset ? "reset" : "kept") + ": " + r.stdoutText().replace('\n', ' ').trim()
                        + " | " + r.status());
            }
        }
        System.out.println("done");
    }

    // ---- pdeath

    private static void pdeath() throws Exception {
        Spawner s = Spawner.create();
        for (int i = 0; i < 4; i++) {
            Command c = Command.of("sleep", "600").stdin(Stdio.discard()).stdout(Stdio.discard())
                    .stderr(Stdio.discard()).parentDeathSignal(Linux.SIGKILL);
            if (i == 3) {
                c = c.newSession();
            }
            System.out.println("guarded: " + s.spawn(c).pid());
        }
        Child control = s.spawn(Command.of("sleep", "600").stdin(Stdio.discard()).stdout(Stdio.discard())
                .stderr(Stdio.discard()).newSession());
        System.out.println("unguarded: " + control.pid());
        System.out.println("ready");
        Thread.sleep(Long.MAX_VALUE);
    }

    // ---- uringoff

    private static void uringOff() throws Exception {
        System.out.println("allowed: " + Ring.ioUringUnavailableReason());
        try (Spawner warm = Spawner.create(dev.spawnring.uring.Backend.FALLBACK)) {
            warmUp(warm);
        }
        System.out.println("ready");
        cue("go");
        System.out.println("reason: " + Ring.ioUringUnavailableReason());
        try (Spawner s = Spawner.create()) {
            System.out.println("backend: " + s.backend());
            System.out.println("opened");
            cue("restored");
            Result echo = s.run(Command.of("echo", "spawned with io_uring disabled")).get();
            System.out.println("echo: " + echo.stdoutText().trim() + " | " + echo.status());
            System.out.println("exit 3: " + s.spawn(Command.of("sh", "-c", "exit 3")).waitFor());
            Child sleeper = s.spawn(Command.of("sleep", "60"));
            sleeper.destroy();
            System.out.println("destroyed: " + sleeper.waitFor());
            Child cat = s.spawn(Command.of("cat"));
            try (var in = cat.stdin()) {
                in.write("round trip".getBytes());
            }
            System.out.println("cat: " + new String(cat.stdout().readAllBytes()) + " | " + cat.waitFor());
            System.out.println("missing: " + describe(() -> s.spawn(Command.of("/nonexistent/x"))));
        }
        System.out.println("done");
    }
}
