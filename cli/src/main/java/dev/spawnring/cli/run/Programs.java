package dev.spawnring.cli.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Finds a program in {@code $PATH} once per name, for the dispatchers. The Spawner would
 * search {@code $PATH} in every child, and the failed {@code execve}s of that search run while
 * the Spawner's loop thread waits for the child (spawns are vfork-style); a run starts the same
 * program thousands of times, so it is looked up here, once, and the child is given its path.
 * A name with a slash, or one not found, is left to the Spawner (which then reports every
 * candidate it tried).
 */
final class Programs {
    private static final int MAX_CACHED = 256;

    private final String[] path;
    private final Map<String, String> found = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_CACHED;
        }
    };

    /** @param path the {@code $PATH} the children get (null: the default search path) */
    Programs(String path) {
        this.path = (path != null ? path : "/usr/local/bin:/usr/bin:/bin").split(":", -1);
    }

    /** @return the executable file {@code program} names, or {@code program} itself */
    synchronized String resolve(String program) {
        if (program.isEmpty() || program.indexOf('/') >= 0) {
            return program;
        }
        String hit = found.get(program);
        if (hit != null) {
            return hit;
        }
        for (String dir : path) {
            if (dir.isEmpty() || !dir.startsWith("/")) {
                // A relative PATH entry means the child's directory: leave the search to the child.
                return program;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                String p = candidate.toString();
                found.put(program, p);
                return p;
            }
        }
        return program;
    }
}
