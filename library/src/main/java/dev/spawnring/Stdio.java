package dev.spawnring;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a child's stdin, stdout or stderr goes: {@link #pipe()} (the default, as with
 * {@code ProcessBuilder}), {@link #inherit()}, {@link #discard()}, a file
 * ({@link #from}, {@link #to}, {@link #appendTo}) or one of this JVM's fds ({@link #fd}).
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

    /** A file, opened for reading (stdin) or writing (stdout, stderr; created, truncated or appended). */
    record File(Path path, boolean append) implements Stdio {
        public File {
            Objects.requireNonNull(path, "path");
        }
    }

    /** One of the parent's open fds, given to the child as it is (the parent keeps its own). */
    record Fd(int fd) implements Stdio {
        public Fd {
            if (fd < 0) {
                throw new IllegalArgumentException("Stdio.fd: bad file descriptor " + fd);
            }
        }
    }

    /** @return a pipe between parent and child */
    static Stdio pipe() {
        return new Pipe();
    }

    /** @return the parent's own stream */
    static Stdio inherit() {
        return new Inherit();
    }

    /** @return {@code /dev/null} */
    static Stdio discard() {
        return new Discard();
    }

    /** @return {@code path} as the child's stdin */
    static Stdio from(Path path) {
        return new File(path, false);
    }

    /** @return {@code path}, created or truncated, as the child's stdout or stderr */
    static Stdio to(Path path) {
        return new File(path, false);
    }

    /** @return {@code path}, created or appended to, as the child's stdout or stderr */
    static Stdio appendTo(Path path) {
        return new File(path, true);
    }

    /** @return the parent's fd {@code fd} */
    static Stdio fd(int fd) {
        return new Fd(fd);
    }
}
