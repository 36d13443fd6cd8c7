package dev.spawnring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.spawnring.uring.Backend;
import dev.spawnring.uring.IoUring;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's examples work as printed. Every {@code ```java} block of {@code README.md} is a
 * complete program that ends with a {@code // prints:} comment. Each one is run as a reader
 * would run it, with the JDK's source launcher:
 *
 * <pre>
 * java --module-path LIBRARY --add-modules dev.spawnring --enable-native-access=dev.spawnring Name.java
 * </pre>
 *
 * which compiles it in memory (javax.tools, inside the launcher) against the library's module,
 * so that only its exported packages can be used, then runs it in a JVM of its own: once on
 * the backend the machine gives, as a reader would, and once with
 * {@code -Dspawnring.backend=fallback}. What the program prints on stdout (its children's
 * output included, since they share the JVM's fd 1) must be the comment's lines, one for one;
 * {@code <pid>} in a comment stands for any pid.
 *
 * <p>The test fails when an example no longer compiles, exits with another status than 0,
 * prints something else, or makes the JVM warn about native access (the README's flag would
 * then be wrong). The compile runs in the example's JVM rather than here because this class
 * runs inside the module {@code dev.spawnring}, which does not read {@code java.compiler}.
 */
class ReadmeExamplesTest {
    /** A hang guard for one example's JVM, not a speed check (an emulated CPU compiles slowly). */
    private static final long TIMEOUT_SECONDS = 600;
    private static final Pattern CLASS_NAME = Pattern.compile("(?m)^public (?:final )?class (\\w+)");
    private static final String PRINTS = "// prints:";
    private static final String PID = "<pid>";

    @TempDir
    Path work;

    /** One {@code ```java} block: where it starts in the README, its text. */
    record Example(int line, String source) {
        String className() {
            Matcher m = CLASS_NAME.matcher(source);
            return m.find() ? m.group(1) : null;
        }

        /** The lines of the {@code // prints:} comment, or null when there is none. */
        List<String> expected() {
            List<String> lines = source.lines().toList();
            int at = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).strip().equals(PRINTS)) {
                    at = i;
                }
            }
            if (at < 0) {
                return null;
            }
            List<String> out = new ArrayList<>();
            for (String l : lines.subList(at + 1, lines.size())) {
                String s = l.strip();
                if (!s.startsWith("//")) {
                    throw new IllegalStateException("README line " + line + ": after '" + PRINTS
                            + "' every line must be a // comment, not: " + l);
                }
                out.add(s.startsWith("// ") ? s.substring(3) : s.substring(2));
            }
            return out;
        }
    }

    @TestFactory
    Stream<DynamicTest> everyJavaExampleInTheReadmeCompilesRunsAndPrintsWhatItsCommentSays() throws IOException {
        List<Example> examples = examples(Files.readString(readme(), StandardCharsets.UTF_8));
        assertTrue(examples.size() >= 3, "the README should show at least three ```java examples, found "
                + examples.size());
        return examples.stream().flatMap(e -> Stream.of(
                DynamicTest.dynamicTest("README line " + e.line() + ": " + e.className(), () -> check(e, null)),
                DynamicTest.dynamicTest("README line " + e.line() + ": " + e.className() + " on FALLBACK",
                        () -> check(e, Backend.FALLBACK))));
    }

    /** Runs {@code example} on {@code backend} (null: whichever the machine gives). */
    private void check(Example example, Backend backend) throws Exception {
        String name = example.className();
        String label = name + (backend == null ? "" : " on " + backend);
        assertFalse(name == null, "README line " + example.line()
                + ": the example should be a complete program, 'public class Name { main ... }'");
        List<String> expected = example.expected();
        assertFalse(expected == null || expected.isEmpty(), "README line " + example.line()
                + ": the example should end with a '" + PRINTS + "' comment giving what it prints");

        if (backend == null && example.source().contains(".prepWaitid(")) {
            assumeRingHasWaitid(label);
        }
        Path dir = Files.createDirectories(work.resolve(name + (backend == null ? "" : "-" + backend)));
        Path source = Files.writeString(dir.resolve(name + ".java"), example.source(), StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", libraryModulePath(),
                "--add-modules", "dev.spawnring",
                "--enable-native-access=dev.spawnring",
                // A short-lived JVM whose time goes to compiling the example: C1 only, serial GC.
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"));
        if (backend != null) {
            command.add("-D" + Backend.PROPERTY + "=" + backend.name().toLowerCase(Locale.ROOT));
        }
        command.add(source.getFileName().toString());
        Process p = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile())
                .start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            fail("README line " + example.line() + ": " + label + " did not end within " + TIMEOUT_SECONDS + " s"
                    + transcript(dir));
        }
        String stderr = Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            String what = stderr.contains("error: compilation failed") ? "does not compile" : "failed";
            fail("README line " + example.line() + ": " + label + " " + what + " (exit " + p.exitValue() + ")"
                    + "\n$ " + String.join(" ", command) + transcript(dir));
        }
        assertFalse(stderr.contains("restricted method"), "README line " + example.line() + ": " + label
                + " ran with a native-access warning: the README's --enable-native-access is wrong" + transcript(dir));

        List<String> actual = Files.readString(dir.resolve("stdout"), StandardCharsets.UTF_8).lines().toList();
        String diff = "README line " + example.line() + ": " + label + " printed\n  " + String.join("\n  ", actual)
                + "\nbut its '" + PRINTS + "' comment says\n  " + String.join("\n  ", expected) + "\n";
        assertEquals(expected.size(), actual.size(), diff);
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(matches(expected.get(i), actual.get(i)), diff + "(line " + (i + 1) + " differs)");
        }
    }

    /** Skips an example that reaps with a ring WAITID where the machine's ring has none (io_uring before 6.7). */
    private static void assumeRingHasWaitid(String label) throws IOException {
        try (Ring ring = Ring.open(2)) {
            Assumptions.assumeTrue(ring.probe().supports(IoUring.IORING_OP_WAITID), () -> "skipped: " + label
                    + " reaps with an io_uring WAITID (Linux 6.7+), which this kernel's io_uring lacks ("
                    + System.getProperty("os.version") + "); it runs on FALLBACK, which has it");
        }
    }

    /** {@code expected} with every {@code <pid>} standing for a positive number. */
    static boolean matches(String expected, String actual) {
        StringBuilder regex = new StringBuilder();
        int from = 0;
        for (int at; (at = expected.indexOf(PID, from)) >= 0; from = at + PID.length()) {
            regex.append(Pattern.quote(expected.substring(from, at))).append("[1-9][0-9]*");
        }
        regex.append(Pattern.quote(expected.substring(from)));
        return actual.matches(regex.toString());
    }

    /** Every {@code ```java} block, in order. */
    static List<Example> examples(String markdown) {
        List<Example> out = new ArrayList<>();
        List<String> lines = markdown.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("```java")) {
                int start = i + 1;
                StringBuilder sb = new StringBuilder();
                for (i = start; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
                    sb.append(lines.get(i)).append('\n');
                }
                out.add(new Example(start + 1, sb.toString()));
            }
        }
        return out;
    }

    /** README.md at the root of the work tree: the first one found going up from here. */
    private static Path readme() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("README.md")) && Files.isRegularFile(d.resolve("library/pom.xml"))) {
                return d.resolve("README.md");
            }
        }
        throw new IllegalStateException("no README.md above " + Path.of("").toAbsolutePath());
    }

    /** Where the library's module is: the test JVM's module path, else where {@link Spawner} was loaded from. */
    private static String libraryModulePath() throws URISyntaxException {
        String modules = System.getProperty("jdk.module.path", "");
        if (!modules.isEmpty()) {
            return modules;
        }
        return Path.of(Spawner.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static String transcript(Path dir) throws IOException {
        return "\n--- stdout\n" + Files.readString(dir.resolve("stdout"), StandardCharsets.UTF_8)
                + "--- stderr\n" + Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8);
    }
}
