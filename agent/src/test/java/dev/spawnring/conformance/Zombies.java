package dev.spawnring.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The children of this JVM that are zombies, read from /proc (as the OpenJDK's Zombies test counts them). */
final class Zombies {
    private Zombies() {
    }

    /** The zombie children of this JVM that stay zombies for a second (one just exiting is reaped by then). */
    static List<Long> ofThisJvm() throws InterruptedException {
        List<Long> z = now();
        for (int i = 0; i < 20 && !z.isEmpty(); i++) {
            Thread.sleep(50);
            z = now();
        }
        return z;
    }

    private static List<Long> now() {
        long self = ProcessHandle.current().pid();
        List<Long> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
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
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }
}
