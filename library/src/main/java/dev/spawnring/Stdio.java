package dev.spawnring;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a child's stdin, stdout or stderr goes: {@link #pipe()} (the default, as with
 * {@code ProcessBuilder}), {@link #inherit()}, {@link #discard()}, a file
 * ({@link #from}, {@link #to}, {@link #appendTo}), one of this JVM's fds ({@link #fd}), or
 * an anonymous file in memory read back once the child is done ({@link #memfd()}).
 * File paths are opened by the parent, relative to its working directory, as
 * {@code ProcessBuilder.Redirect} does.
 */
public sealed interface Stdio {
    /** A pipe: the parent reads or writes it through {@link Child#stdout()} and friends. */
    record Pipe() implements Stdio {
    }

    /** The parent's own stdin, stdout or stderr. */
    record Inherit() implements Stdio {
    }

    /** {@code /dev/null}. */
    record Discard() implements Stdio {
    }

    /**
     * An anonymous file in memory ({@code memfd_create(2)}) that the child writes its stdout or
     * stderr to; {@link Child#stdoutMemfd()} and {@link Child#stderrMemfd()} read it back.
     */
    record Memfd() implements Stdio {
    }

    /**
     * A file, opened for reading (stdin) or writing (stdout, stderr; created, truncated or appended).
     *
     * @param path   the file, relative to this JVM's working directory
     * @param append whether output is appended rather than the file truncated
     */
    record File(Path path, boolean append) implements Stdio {
        /** Refuses a null path. */
        public File {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * One of the parent's open fds, given to the child as it is (the parent keeps its own).
     *
     * @param fd the parent's file descriptor
     */
    record Fd(int fd) implements Stdio {
        /** Refuses a negative fd. */
        public Fd {
            if (fd < 0) {
                throw new IllegalArgumentException("Stdio.fd: bad file descriptor " + fd);
            }
        }
    }

    /**
     * Returns a pipe between parent and child, the default for all three streams; the parent
     * uses its end through {@link Child#stdin()}, {@link Child#stdout()} and
     * {@link Child#stderr()}.
     *
     * @return a pipe
     */
    static Stdio pipe() {
        return new Pipe();
    }

    /**
     * Returns the parent's own stream: the child gets this JVM's fd 0, 1 or 2 as it is.
     *
     * @return the inherited stream
     */
    static Stdio inherit() {
        return new Inherit();
    }

    /**
     * Returns {@code /dev/null}: a stdin at end-of-file, an output that is dropped.
     *
     * @return {@code /dev/null}
     */
    static Stdio discard() {
        return new Discard();
    }

    /**
     * Returns a file for the child's stdin, opened for reading.
     *
     * @param path the file, relative to this JVM's working directory
     * @return the file, to pass to {@link Command#stdin}
     */
    static Stdio from(Path path) {
        return new File(path, false);
    }

    /**
     * Returns a file for the child's stdout or stderr, created (mode {@code 0666} less this
     * process's umask) or truncated.
     *
     * @param path the file, relative to this JVM's working directory
     * @return the file, to pass to {@link Command#stdout} or {@link Command#stderr}
     */
    static Stdio to(Path path) {
        return new File(path, false);
    }

    /**
     * Returns a file for the child's stdout or stderr, created (mode {@code 0666} less this
     * process's umask) or appended to.
     *
     * @param path the file, relative to this JVM's working directory
     * @return the file, to pass to {@link Command#stdout} or {@link Command#stderr}
     */
    static Stdio appendTo(Path path) {
        return new File(path, true);
    }

    /**
     * Returns one of the parent's open fds, given to the child as it is (the parent keeps its
     * own).
     *
     * @param fd the parent's file descriptor, 0 or more
     * @return the fd
     * @throws IllegalArgumentException when {@code fd} is negative
     */
    static Stdio fd(int fd) {
        return new Fd(fd);
    }

    /**
     * An anonymous in-memory file ({@code memfd_create(2)}) for the child's stdout or stderr,
     * read back with {@link Child#stdoutMemfd()} or {@link Child#stderrMemfd()}, from its start,
     * as often as wanted, once the child is done (and {@link Spawner#run} captures it as it
     * does a pipe). Unlike a pipe, the child never blocks on a reader that is slow or gone and
     * never gets {@code SIGPIPE}; it sees a regular file, so it may seek, and output is kept in
     * memory (swappable) whatever its size until the parent closes it. Not for stdin.
     *
     * @return an in-memory file the child writes to
     */
    static Stdio memfd() {
        return new Memfd();
    }
}
