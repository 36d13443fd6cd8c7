package dev.spawnring.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs in a JVM of its own, started by {@link PathSearchTest} with a {@code PATH} (or none, or an
 * environment of raw bytes) that this test JVM must not have, in the working directory it is given;
 * checks what the JDK's launcher does there, through one {@link Mode}, and prints one line per
 * step: {@code ok <step>} or {@code FAIL <step>: <what happened>}. After the OpenJDK's
 * {@code Basic.java} "PATH search algorithm" and "null PATH" children.
 *
 * <pre>java ... PathChild MODE search|nullPath|bytes|bytesPutBack</pre>
 */
public final class PathChild {
    private static Mode mode;
    private static int failures;

    public static void main(String[] args) throws Exception {
        mode = Mode.valueOf(args[0]);
        switch (args[1]) {
            case "search" -> search();
            case "nullPath" -> nullPath();
            case "bytes" -> bytes();
            case "bytesPutBack" -> bytesPutBack();
            default -> throw new IllegalArgumentException(args[1]);
        }
        System.out.println("done, " + failures + " failed");
        System.exit(failures == 0 ? 0 : 1);
    }

    /** What a start gives: its exit and output, or its exception's message. */
    private static String outcome(ProcessBuilder pb) {
        try {
            Io.Result r = Io.run(mode.start(pb));
            return "exit " + r.exit() + (r.out().isEmpty() ? "" : " out " + r.out().replace("\n", "\\n"));
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void expect(String step, String expected, String actual) {
        if (expected.equals(actual)) {
            System.out.println("ok " + step);
        } else {
            failures++;
            System.out.println("FAIL " + step + ": expected [" + expected + "], got [" + actual + "]");
        }
    }

    private static final String ENOENT = "Cannot run program \"prog\": " + StartTest.ENOENT;
    private static final String EACCES = "Cannot run program \"prog\": " + StartTest.EACCES;

    private static void copy(String from, String to) throws IOException {
        Files.copy(Path.of(from), Path.of(to), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
    }

    private static void script(String file, String content, boolean executable) throws IOException {
        Path p = Path.of(file);
        Files.deleteIfExists(p);
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
    }

    private static void delete(String... files) throws IOException {
        for (String f : files) {
            Files.deleteIfExists(Path.of(f));
        }
    }

    /** This JVM's PATH is "dir1:dir2:"; the working directory is empty. */
    private static void search() throws IOException {
        expect("this JVM's PATH", "dir1:dir2:", System.getenv("PATH"));
        ProcessBuilder untouched = new ProcessBuilder("prog");
        ProcessBuilder otherPath = new ProcessBuilder("prog");
        otherPath.environment().put("PATH", "anyOldPathIgnoredAnyways");
        ProcessBuilder noPath = new ProcessBuilder("prog");
        noPath.environment().remove("PATH");
        String[] names = {"untouched environment", "child PATH set", "child PATH removed"};
        ProcessBuilder[] builders = {untouched, otherPath, noPath};
        for (int i = 0; i < builders.length; i++) {
            ProcessBuilder pb = builders[i];
            String n = names[i] + ": ";
            try {
                expect(n + "not found, no such directories", ENOENT, outcome(pb));
                Files.createDirectories(Path.of("dir1"));
                Files.createDirectories(Path.of("dir2"));
                expect(n + "not found", ENOENT, outcome(pb));
                Files.createDirectories(Path.of("dir1/prog"));
                expect(n + "a directory is permission denied", EACCES, outcome(pb));
                copy("/bin/true", "dir2/prog");
                expect(n + "the search goes on after EACCES", "exit 0", outcome(pb));
                delete("dir1/prog", "dir2/prog");
                Files.createDirectories(Path.of("dir2/prog"));
                copy("/bin/true", "dir1/prog");
                expect(n + "the first directory wins", "exit 0", outcome(pb));
                delete("dir1/prog", "dir2/prog");
                for (String command : new String[] {"./prog", "prog"}) {
                    pb.command(command);
                    String c = n + command + " (an empty PATH entry is the working directory): ";
                    copy("/bin/true", "prog");
                    expect(c + "true", "exit 0", outcome(pb));
                    copy("/bin/false", "prog");
                    expect(c + "false", "exit 1", outcome(pb));
                    script("prog", "#!/bin/true\n", true);
                    expect(c + "#!/bin/true", "exit 0", outcome(pb));
                    script("prog", "#!/bin/false\n", true);
                    expect(c + "#!/bin/false", "exit 1", outcome(pb));
                    script("prog", "exec /bin/true\n", true);
                    expect(c + "a script without #! runs with /bin/sh", "exit 0", outcome(pb));
                    script("prog", "exec /bin/false\n", true);
                    expect(c + "a script without #! that fails", "exit 1", outcome(pb));
                    delete("prog");
                }
                pb.command("prog", "world");
                script("dir1/prog", "#!/bin/echo hello\n", false);
                expect(n + "a script that may not run", EACCES, outcome(pb));
                script("dir1/prog", "#!/bin/echo hello\n", true);
                expect(n + "an interpreter script", "exit 0 out hello dir1/prog world\\n", outcome(pb));
                pb.command("prog", "hello", "world");
                script("dir1/prog", "/bin/echo \"$@\"\n", false);
                expect(n + "a script without #! that may not run", EACCES, outcome(pb));
                script("dir1/prog", "/bin/echo \"$@\"\n", true);
                expect(n + "a script without #! gets its arguments", "exit 0 out hello world\\n", outcome(pb));
                pb.command("prog");
                delete("dir1/prog", "dir2/prog", "prog");
                Files.createDirectories(Path.of("dir3"));
                copy("/bin/true", "dir1/prog");
                copy("/bin/false", "dir3/prog");
                pb.environment().put("PATH", "dir3");
                expect(n + "the parent's PATH wins over the child's", "exit 0", outcome(pb));
                copy("/bin/true", "dir3/prog");
                copy("/bin/false", "dir1/prog");
                expect(n + "the parent's PATH wins over the child's, again", "exit 1", outcome(pb));
            } finally {
                delete("dir1/prog", "dir2/prog", "dir3/prog", "prog");
                delete("dir1", "dir2", "dir3");
            }
        }
    }

    /** This JVM has no PATH. */
    private static void nullPath() {
        expect("this JVM has no PATH", "null", String.valueOf(System.getenv("PATH")));
        ProcessBuilder untouched = new ProcessBuilder();
        ProcessBuilder otherPath = new ProcessBuilder();
        otherPath.environment().put("PATH", "anyOldPathIgnoredAnyways");
        for (ProcessBuilder pb : new ProcessBuilder[] {untouched, otherPath}) {
            String n = pb == untouched ? "untouched environment: " : "child PATH set: ";
            expect(n + "true is found", "exit 0", outcome(pb.command("true")));
            expect(n + "false is found", "exit 1", outcome(pb.command("false")));
        }
    }

    /** This JVM has SR_RAW=\xff\xfe, and LC_ALL=C (so sun.jnu.encoding is ASCII). */
    private static void bytes() {
        List<String> od = List.of("sh", "-c", "printf %s \"$SR_RAW\" | od -An -tx1 | tr -d ' \\n'");
        expect("inherited raw bytes, untouched environment", "exit 0 out fffe", outcome(new ProcessBuilder(od)));
        ProcessBuilder touched = new ProcessBuilder(od);
        touched.environment().put("SR_OTHER", "x");
        expect("inherited raw bytes, environment changed", "exit 0 out fffe", outcome(touched));
        expect("sun.jnu.encoding", "ANSI_X3.4-1968", System.getProperty("sun.jnu.encoding"));
        List<String> arg = new ArrayList<>(List.of("sh", "-c", "printf %s \"$1\" | od -An -tx1 | tr -d ' \\n'", "sh", "\u00e9"));
        expect("an argument is encoded as the JDK encodes it", "exit 0 out 3f", outcome(new ProcessBuilder(arg)));
        ProcessBuilder set = new ProcessBuilder(od);
        set.environment().put("SR_RAW", "\u00e9");
        expect("a variable set from Java is encoded as the JDK encodes it", "exit 0 out 3f", outcome(set));
    }

    /** As {@link #bytes()}: an inherited value that is not text, put back from Java. */
    private static void bytesPutBack() {
        List<String> od = List.of("sh", "-c", "printf %s \"$SR_RAW\" | od -An -tx1 | tr -d ' \\n'");
        ProcessBuilder again = new ProcessBuilder(od);
        Map<String, String> env = again.environment();
        env.put("SR_RAW", env.get("SR_RAW"));
        expect("an inherited value put back from Java is encoded from its String", "exit 0 out 3f3f", outcome(again));
    }
}
