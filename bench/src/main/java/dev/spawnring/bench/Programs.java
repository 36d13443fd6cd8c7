package dev.spawnring.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The C programs the benchmark starts (its tiny children and the C floor), packed in the
 * bench jar under {@value #RESOURCE}. Run from a build folder they are used where they
 * are; from a jar they are copied once per JVM into a private folder, deleted at exit.
 */
final class Programs {
    static final String RESOURCE = "/native/linux-x86_64/bin/";

    private static Path extracted;

    private Programs() {
    }

    /**
     * @param name the program's file name, e.g. {@code "sr-true"}
     * @return an executable path
     * @throws IOException when it cannot be copied out
     * @throws IllegalArgumentException when no such program is packed
     */
    static synchronized Path path(String name) throws IOException {
        URL url = Programs.class.getResource(RESOURCE + name);
        if (url == null || name.contains("/")) {
            throw new IllegalArgumentException("no program " + name + " packed with the benchmark (looked for "
                    + RESOURCE + name + ")");
        }
        if ("file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IOException("unusable location " + url, e);
            }
        }
        if (extracted == null) {
            extracted = Files.createTempDirectory("spawnring-bench-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            extracted.toFile().deleteOnExit();
        }
        Path file = extracted.resolve(name);
        if (!Files.exists(file)) {
            try (InputStream in = url.openStream()) {
                Files.copy(in, file);
            }
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r-x------"));
            file.toFile().deleteOnExit();
        }
        return file;
    }

    /** {@link #path} for code that cannot throw {@link IOException}. */
    static String of(String name) {
        try {
            return path(name).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
