package dev.spawnring;

import dev.spawnring.internal.sys.Errno;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A child could not be started: names the program, the directory, the step that
 * failed and its errno, like
 * {@code Cannot run program "foo" (in directory "/tmp/x"): exec: No such file or directory (ENOENT), tried /usr/local/bin/foo, /usr/bin/foo}.
 *
 * <p>The errno is the kernel's number ({@link #errno()}); {@link #errnoName()} gives its C name
 * ({@code "ENOENT"}), and the static {@link #errnoName(int)} and {@link #errnoMessage(int)}
 * name any errno, such as the {@code -errno} of a ring completion.
 */
public class SpawnException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String program;
    private final transient Path directory;
    private final String step;
    private final int errno;
    private final List<String> tried;

    /**
     * A spawn that failed at {@code step} with {@code errno}.
     *
     * @param program   the program as the command named it ({@code argv[0]})
     * @param directory the working directory the child was to start in, or null for the parent's
     * @param step      the step that failed, e.g. {@code "exec"} or {@code "chdir /tmp/x"}
     * @param errno     the positive errno value
     * @param tried     the paths an exec tried, in order (empty for other steps)
     */
    public SpawnException(String program, Path directory, String step, int errno, List<String> tried) {
        super(message(program, directory, step, errno, tried));
        this.program = Objects.requireNonNull(program, "program");
        this.directory = directory;
        this.step = Objects.requireNonNull(step, "step");
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

    /** @return the errno of the failure, a positive number such as 2 ({@code ENOENT}) */
    public int errno() {
        return errno;
    }

    /** @return the C name of {@link #errno()}, e.g. {@code "ENOENT"} */
    public String errnoName() {
        return errnoName(errno);
    }

    /** @return the message of {@link #errno()}, e.g. {@code "No such file or directory"} */
    public String errnoMessage() {
        return errnoMessage(errno);
    }

    /** @return the paths an exec tried, in order (empty for other steps) */
    public List<String> tried() {
        return tried;
    }

    /**
     * The C name of any errno value, as glibc spells it.
     *
     * @param errno an errno value; a negative one (a ring completion's result) is taken as {@code -errno}
     * @return e.g. {@code "ENOENT"}, or {@code "E<n>"} for a number the C library does not know
     */
    public static String errnoName(int errno) {
        return Errno.name(errno);
    }

    /**
     * The message of any errno value, as glibc words it.
     *
     * @param errno an errno value; a negative one (a ring completion's result) is taken as {@code -errno}
     * @return e.g. {@code "No such file or directory"}
     */
    public static String errnoMessage(int errno) {
        return Errno.message(errno);
    }
}
