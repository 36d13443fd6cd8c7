package dev.spawnring.cli.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds a program in {@code $PATH} once per name, for the dispatchers. The Spawner would
 * search {@code $PATH} in every child, and the failed {@code execve}s of that search run while
 * the Spawner's loop thread waits for the child (spawns are vfork-style); a run starts the same
 * program thousands of times, so it is looked up here, once, and the child is given its path.
 * A name with a slash, or one not found, is left to the Spawner (which then reports every
 * candidate it tried), and so is a name or a {@code $PATH} that is not text in the platform's
 * charset: {@code java.nio.file} could not name those files, and the child's search works on
 * bytes.
 */
final class Programs {
    private static final int MAX_CACHED = 256;

    /** The absolute {@code $PATH} directories, or null when the child must search itself. */
    private final List<String> path;
    private final Map<String, byte[]> found = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > MAX_CACHED;
        }
    };

    /**
     * @param path the {@code $PATH} the children get, as {@code System.getenv} shows it (null: the
     *             default search path)
     */
    Programs(String path) {
        this.path = directories(path != null ? path : "/usr/local/bin:/usr/bin:/bin");
    }

    private static List<String> directories(String path) {
        if (path.indexOf('\ufffd') >= 0 || !path.equals(Bytes.text(Bytes.of(path)))) {
            // Bytes the platform's charset does not decode: the children get them as they are.
            return null;
        }
        List<String> dirs = new ArrayList<>();
        for (String dir : path.split(":", -1)) {
            if (!dir.startsWith("/")) {
                // A relative PATH entry means the child's directory: leave the search to the child.
                return null;
            }
            dirs.add(dir);
        }
        return dirs;
    }

    /** @return the executable file {@code program} names, or {@code program} itself */
    synchronized byte[] resolve(byte[] program) {
        if (path == null || program.length == 0 || Bytes.indexOf(program, (byte) '/', 0) >= 0
                || !Bytes.isText(program)) {
            return program;
        }
        String name = Bytes.text(program);
        byte[] hit = found.get(name);
        if (hit != null) {
            return hit;
        }
        for (String dir : path) {
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                byte[] p = Bytes.of(candidate.toString());
                found.put(name, p);
                return p;
            }
        }
        return program;
    }

    /** @return whether {@code resolved} is {@code program} itself (not found here, or not looked up) */
    static boolean same(byte[] program, byte[] resolved) {
        return Arrays.equals(program, resolved);
    }
}
