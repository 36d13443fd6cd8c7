package dev.spawnring;

import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** Shared steps of the process-API tests. */
final class SpawnerTests {
    private SpawnerTests() {
    }

    /** A Spawner on {@code backend}; skips (saying why) where io_uring is refused. */
    static Spawner create(Backend backend) throws IOException {
        if (backend == Backend.IO_URING) {
            String reason = Ring.ioUringUnavailableReason();
            Assumptions.assumeTrue(reason == null, () -> "skipped: io_uring is not usable here: " + reason);
        }
        return Spawner.create(backend);
    }

    static long fdCount() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** @return pids of live processes in process group {@code pgid} */
    static List<Long> processGroupMembers(long pgid) throws IOException {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    // state ppid pgrp: a zombie still counts until reaped, so skip it.
                    if (!f[0].equals("Z") && Long.parseLong(f[2]) == pgid) {
                        out.add(Long.parseLong(name));
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return out;
    }

    /** @return this JVM's children that are zombies */
    static List<Long> zombieChildren() throws IOException {
        long self = ProcessHandle.current().pid();
        List<Long> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (f[0].equals("Z") && Long.parseLong(f[1]) == self) {
                        out.add(Long.parseLong(name));
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return out;
    }

    /** A helper program built from src/test/c or src/main/c/bench. */
    static String nativeBin(String name) {
        return Path.of(System.getProperty("spawnring.nativeBin"), name).toString();
    }
}
