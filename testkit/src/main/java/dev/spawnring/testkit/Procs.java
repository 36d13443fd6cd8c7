package dev.spawnring.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** What /proc says about processes and fds, for the leak and orphan checks of the tests. */
public final class Procs {
    private Procs() {
    }

    /** One line of {@code /proc/<pid>/stat}, the fields the tests look at. */
    public record Stat(long pid, String state, long ppid, long pgrp) {
    }

    /** @return every process whose stat matches {@code filter}; processes that vanish meanwhile are skipped */
    public static List<Stat> processes(Predicate<Stat> filter) throws IOException {
        List<Stat> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String text;
                try {
                    text = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                // pid (comm) state ppid pgrp ...: comm may hold spaces, so parse after the last ')'.
                String[] f = text.substring(text.lastIndexOf(')') + 2).split(" ");
                Stat stat = new Stat(Long.parseLong(name), f[0], Long.parseLong(f[1]), Long.parseLong(f[2]));
                if (filter.test(stat)) {
                    out.add(stat);
                }
            }
        }
        return out;
    }

    /** @return the pids of this JVM's children that are zombies (exited, not reaped) */
    public static List<Long> zombieChildren() throws IOException {
        long self = ProcessHandle.current().pid();
        return processes(s -> s.state().equals("Z") && s.ppid() == self).stream().map(Stat::pid).toList();
    }

    /** @return the pids of live (not zombie) processes in process group {@code pgid} */
    public static List<Long> processGroupMembers(long pgid) throws IOException {
        return processes(s -> !s.state().equals("Z") && s.pgrp() == pgid).stream().map(Stat::pid).toList();
    }

    /** @return what this JVM's fd {@code fd} refers to ({@code "pipe:[123]"}, a path) */
    public static String fdTarget(int fd) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/fd", Integer.toString(fd))).toString();
    }

    /** @return how many fds this JVM has open */
    public static long fdCount() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
