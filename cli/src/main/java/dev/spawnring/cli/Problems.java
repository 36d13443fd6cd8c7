package dev.spawnring.cli;

import dev.spawnring.SpawnException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Expected failures (a file that is not there, a directory where a file should be, a program
 * that cannot run) told in one line, as a command-line tool tells them, never as a stack trace.
 */
public final class Problems {
    private Problems() {
    }

    /** @return what went wrong, without the exception's class: {@code "No such file or directory"} */
    public static String describe(Throwable t) {
        if (t instanceof UncheckedIOException u && u.getCause() != null) {
            t = u.getCause();
        }
        return switch (t) {
            case NoSuchFileException e -> "No such file or directory";
            case AccessDeniedException e -> "Permission denied";
            case NotDirectoryException e -> "Not a directory";
            case FileSystemException e when e.getReason() != null -> e.getReason();
            case InvalidPathException e -> "not a file name here (" + e.getReason() + ")";
            case SpawnException e -> e.getMessage();
            default -> t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        };
    }

    /**
     * @return whether {@code t} is an expected failure, told in one line: an I/O error or a
     *         spawn that failed (anything else is a bug, and its stack trace is wanted)
     */
    public static boolean isExpected(Throwable t) {
        return t instanceof java.io.IOException || t instanceof UncheckedIOException || t instanceof SpawnException;
    }
}
