package dev.spawnring;

import dev.spawnring.internal.sys.Errno;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A child could not be started: names the program, the directory, the step that
 * failed and its errno, like
 * {@code Cannot run program "foo" (in directory "/tmp/x"): exec: No such file or directory (ENOENT), tried /usr/local/bin/foo, /usr/bin/foo}.
 */
public class SpawnException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String program;
    private final transient Path directory;
    private final String step;
    private final int errno;
    private final List<String> tried;

    SpawnException(String program, Path directory, String step, int errno, List<String> tried) {
        super(message(program, directory, step, errno, tried));
        this.program = program;
        this.directory = directory;
        this.step = step;
        this.errno = errno;
        this.tried = List.copyOf(tried);
    }

    private static String message(String program, Path directory, String step, int errno, List<String> tried) {
        StringBuilder sb = new StringBuilder("Cannot run program \"").append(program).append('"');
        if (directory != null) {
            sb.append(" (in directory \"").append(directory).append("\")");
        }
        sb.append(": ").append(step).append(": ").append(Errno.message(errno)).append(" (")
                .append(Errno.name(errno)).append(')');
        if (!tried.isEmpty()) {
            sb.append(", tried ").append(String.join(", ", tried));
        }
        return sb.toString();
    }

    /** @return the program as the command named it ({@code argv[0]}) */
    public String program() {
        return program;
    }

    /** @return the working directory the child was to start in, or null for the parent's */
    public Path directory() {
        return directory;
    }

    /** @return the step that failed, e.g. {@code "exec"}, {@code "chdir /tmp/x"}, {@code "open stdout /nope/out.log"} */
    public String step() {
        return step;
    }

    /** @return the errno of the failure, e.g. {@link Errno#ENOENT} */
    public int errno() {
        return errno;
    }

    /** @return the paths an exec tried, in order (empty for other steps) */
    public List<String> tried() {
        return tried;
    }
}
