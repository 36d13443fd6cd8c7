package dev.spawnring.testing;

import dev.spawnring.Command;
import dev.spawnring.Result;
import dev.spawnring.Spawner;
import dev.spawnring.uring.Ring;

/**
 * Run by {@link dev.spawnring.IoUringDeniedTest} in a JVM where io_uring_setup fails with EPERM:
 * prints why io_uring is unusable, the backend picked, and what a spawned echo printed.
 */
public final class NoUringMain {
    private NoUringMain() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("reason: " + Ring.ioUringUnavailableReason());
        try (Spawner s = Spawner.create()) {
            System.out.println("backend: " + s.backend());
            Result r = s.run(Command.of("echo", "spawned without io_uring")).get();
            System.out.println("child: " + r.stdoutText().trim() + " (" + r.status() + ")");
        }
    }
}
