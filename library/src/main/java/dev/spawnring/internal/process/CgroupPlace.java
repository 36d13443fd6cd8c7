package dev.spawnring.internal.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a child's cgroup is made, found at run time: a configured parent
 * ({@code Spawner.Builder.cgroupParent}, else {@code -D}{@value #PROPERTY}), and only it
 * when one is configured; else this process's own cgroup when it may write there (a delegated
 * one, as systemd gives a service with {@code Delegate=yes} or a user's
 * {@code user@.service}); else the root of the cgroup v2 mount when it may write there. A
 * parent qualifies when it is a directory under a cgroup2 mount, with a {@code cgroup.procs},
 * that this process may write to.
 *
 * @param parent where trees are made, or null when nowhere
 * @param how    how it was found ({@code "configured parent"}, {@code "own cgroup"},
 *               {@code "cgroup v2 mount"}), or {@code "none"}
 * @param reason why each place tried was not taken, {@code "; "}-separated; empty when the first was
 */
public record CgroupPlace(Path parent, String how, String reason) {
    /** The system property naming the parent cgroup directory trees are made under. */
    public static final String PROPERTY = "spawnring.cgroup.parent";

    /**
     * Finds the place now.
     *
     * @param configured the parent a Spawner was given, or null (then {@value #PROPERTY} is read)
     * @return the place, or one with a null parent and the reasons
     */
    public static CgroupPlace find(Path configured) {
        if (configured == null) {
            String p = System.getProperty(PROPERTY);
            if (p != null && !p.isBlank()) {
                configured = Path.of(p);
            }
        }
        List<Path> mounts = cgroup2Mounts();
        if (configured != null) {
            String why = unusable(configured, mounts);
            return why == null ? new CgroupPlace(configured, "configured parent", "")
                    : new CgroupPlace(null, "none", "configured parent " + configured + ": " + why);
        }
        if (mounts.isEmpty()) {
            return new CgroupPlace(null, "none", "no cgroup v2 mount in /proc/self/mountinfo");
        }
        List<String> reasons = new ArrayList<>();
        Path own = ownCgroup(mounts.getFirst());
        Path root = mounts.getFirst();
        if (own != null && !own.equals(root)) {
            String why = unusable(own, mounts);
            if (why == null) {
                return new CgroupPlace(own, "own cgroup", "");
            }
            reasons.add("own cgroup " + own + ": " + why);
        }
        String why = unusable(root, mounts);
        if (why == null) {
            return new CgroupPlace(root, "cgroup v2 mount", String.join("; ", reasons));
        }
        reasons.add("cgroup v2 mount " + root + ": " + why);
        return new CgroupPlace(null, "none", String.join("; ", reasons));
    }

    /** @return why {@code dir} cannot hold trees, or null when it can */
    private static String unusable(Path dir, List<Path> mounts) {
        if (!Files.isDirectory(dir)) {
            return Files.exists(dir) ? "not a directory" : "no such directory";
        }
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            return "cannot be resolved (" + e.getMessage() + ")";
        }
        if (mounts.stream().noneMatch(real::startsWith) || !Files.exists(real.resolve("cgroup.procs"))) {
            return "not a cgroup v2 directory";
        }
        if (!Files.isWritable(real) || !Files.isWritable(real.resolve("cgroup.procs"))) {
            return "not writable by this process";
        }
        return null;
    }

    /** @return the mount points of cgroup2 file systems, from /proc/self/mountinfo */
    static List<Path> cgroup2Mounts() {
        List<Path> out = new ArrayList<>();
        for (String line : Cgroup.readQuietly(Path.of("/proc/self/mountinfo")).split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0 || !line.startsWith("cgroup2 ", dash + 3)) {
                continue;
            }
            String[] f = line.substring(0, dash).split(" ");
            if (f.length > 4) {
                out.add(Path.of(unescape(f[4])));
            }
        }
        return out;
    }

    /** @return this process's cgroup v2 directory under {@code mount}, or null when /proc does not say */
    private static Path ownCgroup(Path mount) {
        for (String line : Cgroup.readQuietly(Path.of("/proc/self/cgroup")).split("\n")) {
            if (line.startsWith("0::/")) {
                String rel = line.substring(4).strip();
                return rel.isEmpty() ? mount : mount.resolve(rel);
            }
        }
        return null;
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** @return e.g. {@code "/sys/fs/cgroup/unified (cgroup v2 mount)"}, or why nowhere */
    public String describe() {
        return parent != null ? parent + " (" + how + ")" : "nowhere: " + reason;
    }
}
