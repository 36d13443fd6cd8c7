package dev.spawnring.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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

    /**
     * @return this JVM's open fds, each with what it refers to; an fd closed while the list
     *         is read is left out, and so is the listing's own (a directory fd on
     *         {@code /proc/<pid>/fd}, whose number moves as other fds close)
     */
    public static Map<Integer, String> openFds() throws IOException {
        String listing = "/proc/" + ProcessHandle.current().pid() + "/fd";
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    if (!target.equals(listing)) {
                        fds.put(Integer.valueOf(p.getFileName().toString()), target);
                    }
                } catch (IOException closedMeanwhile) {
                    // one another thread closed
                }
            }
        }
        return fds;
    }

    /**
     * @param before what {@link #openFds()} gave earlier
     * @return the fds open now that were not open then, or now refer to something else: what
     *         was opened since and not closed (an fd something else closed meanwhile is no leak)
     */
    public static Map<Integer, String> fdsOpenedSince(Map<Integer, String> before) throws IOException {
        Map<Integer, String> now = openFds();
        now.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
        return now;
    }

    /**
     * {@link #fdsOpenedSince(Map)} once it is empty, or when {@code bound} has passed (it looks
     * every 10 ms): for fds another thread closes a moment after the step the test waited for.
     */
    public static Map<Integer, String> fdsOpenedSince(Map<Integer, String> before, Duration bound)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        Map<Integer, String> opened;
        while (!(opened = fdsOpenedSince(before)).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return opened;
    }
}
