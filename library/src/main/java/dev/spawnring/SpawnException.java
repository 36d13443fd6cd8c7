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

    /** The program as the command named it ({@code argv[0]}). */
    private final String program;
    /** The working directory the child was to start in, or null for the parent's; not serialized. */
    private final transient Path directory;
    /** The step that failed. */
    private final String step;
    /** The positive errno of the failure. */
    private final int errno;
    /** The paths an exec tried, in order. */
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

    /**
     * Returns the program as the command named it ({@code argv[0]}), before any {@code $PATH}
     * search.
     *
     * @return the program
     */
    public String program() {
        return program;
    }

    /**
     * Returns the working directory the child was to start in. It is not serialized: a
     * deserialized exception returns {@code null}.
     *
     * @return the directory, or {@code null} for the parent's
     */
    public Path directory() {
        return directory;
    }

    /**
     * Returns the step that failed.
     *
     * @return e.g. {@code "exec"}, {@code "chdir /tmp/x"}, {@code "open stdout /nope/out.log"}
     */
    public String step() {
        return step;
    }

    /**
     * Returns the errno of the failure, the kernel's number.
     *
     * @return a positive number, such as 2 ({@code ENOENT})
     */
    public int errno() {
        return errno;
    }

    /**
     * Returns the C name of {@link #errno()}.
     *
     * @return e.g. {@code "ENOENT"}
     */
    public String errnoName() {
        return errnoName(errno);
    }

    /**
     * Returns the message of {@link #errno()}, as glibc words it.
     *
     * @return e.g. {@code "No such file or directory"}
     */
    public String errnoMessage() {
        return errnoMessage(errno);
    }

    /**
     * Returns the paths an exec tried, in order, each of which failed: the {@code $PATH}
     * candidates of a program named without a {@code /}.
     *
     * @return an unmodifiable list; empty for steps other than exec, and when spawnring's own
     *         spawns had one path to try
     */
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
     * @return e.g. {@code "No such file or directory"}, or {@code "Unknown error <n>"} for a
     *         number the C library does not know
     */
    public static String errnoMessage(int errno) {
        return Errno.message(errno);
    }
}
