package dev.spawnring.testing;

import dev.spawnring.Child;
import dev.spawnring.Command;
import dev.spawnring.internal.process.CgroupPlace;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Shared steps of the process-tree tests: where trees are made here (or a skip that says why),
 * the spawnring cgroups under a parent (none may be left behind), and the live processes that
 * carry a test's marker in their environment, which every descendant inherits, daemons too.
 */
public final class Trees {
    /** The environment variable that marks every process of one test's tree. */
    public static final String MARK = "SPAWNRING_TREE_MARK";
    /** Shell code that starts a daemon (fork, setsid, fork, the middle one exits) and says "ready" once it runs. */
    public static final String DAEMON = "setsid sh -c 'sleep 1000 & exit 0' & wait; echo ready";

    private Trees() {
    }

    /** @return the parent trees are made under here; skips, saying why, where there is none */
    public static Path assumeTreesHere() {
        CgroupPlace place = CgroupPlace.find(null);
        Assumptions.assumeTrue(place.parent() != null,
                () -> "skipped: no writable cgroup v2 here: " + place.reason());
        return place.parent();
    }

    /** @return whether {@code controller} is enabled for the cgroups made under {@code parent} */
    public static boolean controllerEnabled(Path parent, String controller) throws IOException {
        return List.of(Files.readString(parent.resolve("cgroup.subtree_control")).strip().split("\\s+"))
                .contains(controller);
    }

    /** @return the first line {@code child} writes to its stdout pipe, or null at its end */
    public static String firstLine(Child child) throws IOException {
        return new BufferedReader(new InputStreamReader(child.stdout(), StandardCharsets.UTF_8)).readLine();
    }

    /** @return a fresh marker */
    public static String newMark() {
        return UUID.randomUUID().toString();
    }

    /** @return {@code command} with the marker in its environment */
    public static Command marked(Command command, String mark) {
        return command.env(MARK, mark);
    }

    /** @return the names of the spawnring cgroups directly under {@code parent} */
    public static Set<String> spawnringCgroups(Path parent) throws IOException {
        Set<String> out = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(parent)) {
            dirs.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("spawnring-")).forEach(out::add);
        }
        return out;
    }

    /** @return the pids of live processes whose environment holds {@code MARK=mark} (a zombie has none) */
    public static List<Long> liveMarked(String mark) throws IOException {
        byte[] needle = (MARK + "=" + mark).getBytes(StandardCharsets.US_ASCII);
        List<Long> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                byte[] env;
                try {
                    env = Files.readAllBytes(p.resolve("environ"));
                } catch (IOException gone) {
                    continue;
                }
                if (contains(env, needle)) {
                    out.add(Long.parseLong(name));
                }
            }
        }
        return out;
    }

    private static boolean contains(byte[] env, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= env.length; i++) {
            if (i > 0 && env[i - 1] != 0) {
                continue;
            }
            for (int j = 0; j < needle.length; j++) {
                if (env[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * Waits until no live process carries {@code mark} (a SIGKILL's delivery is the kernel's, a
     * moment after it is sent), at most {@code limit}: a hang guard, not a timing.
     *
     * @return what is still alive then (empty: nothing is left)
     */
    public static List<Long> awaitNoneMarked(String mark, Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        List<Long> left = liveMarked(mark);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            left = liveMarked(mark);
        }
        return left;
    }

    /** Waits until {@code count} live processes carry {@code mark}, at most {@code limit} (a hang guard). */
    public static List<Long> awaitMarked(String mark, int count, Duration limit) throws IOException,
            InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        List<Long> live = liveMarked(mark);
        while (live.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
            live = liveMarked(mark);
        }
        return live;
    }

    /** Waits until {@code dir} is gone, at most {@code limit} (a hang guard); @return whether it is. */
    public static boolean awaitGone(Path dir, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (Files.exists(dir) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return !Files.exists(dir);
    }

    /** Waits until no spawnring cgroup but those in {@code before} is under {@code parent} (a hang guard). */
    public static Set<String> awaitCgroupsBack(Path parent, Set<String> before, Duration limit)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        Set<String> now = spawnringCgroups(parent);
        while (!now.equals(before) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = spawnringCgroups(parent);
        }
        return now;
    }
}
