package dev.spawnring.conformance;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.function.Executable;

/** What the cases share: temporary directories, files, scripts, and running a process to its end. */
final class Io {
    private Io() {
    }

    /** A new temporary directory, deleted when the JVM exits. */
    static Path tmp() {
        try {
            Path dir = Files.createTempDirectory("sr-conformance");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }

    static String text(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    static Path write(Path file, String s) throws IOException {
        return Files.writeString(file, s, StandardCharsets.UTF_8);
    }

    /** A file with {@code content}, mode 0755 when {@code executable}, else 0644. */
    static Path script(Path file, String content, boolean executable) throws IOException {
        write(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        return file;
    }

    /** What a process wrote and how it ended. */
    record Result(String out, String err, int exit) {
    }

    /** Reads stdout and stderr to their ends (at once, so neither pipe fills), then waits. */
    static Result run(Process p) throws IOException, InterruptedException {
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        String out = readAll(p.getInputStream());
        return new Result(out, err.join(), p.waitFor());
    }

    static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The IOException {@code e} throws (failing unless it throws one). */
    static IOException ioe(Executable e) {
        return assertThrows(IOException.class, e);
    }
}
