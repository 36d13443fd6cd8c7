package dev.spawnring.conformance;

import static java.lang.ProcessBuilder.Redirect.DISCARD;
import static java.lang.ProcessBuilder.Redirect.INHERIT;
import static java.lang.ProcessBuilder.Redirect.PIPE;
import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Every {@code Redirect} kind with the JDK's meaning: files read, created, truncated, appended
 * (with {@code FileInputStream}'s and {@code FileOutputStream}'s flags, permissions and messages),
 * {@code DISCARD}, {@code INHERIT}, {@code redirectErrorStream} (with a {@code redirectError} file,
 * which the JDK still creates), and the null streams of a redirected process. After the OpenJDK's
 * {@code ProcessBuilder/Basic.java} {@code testIORedirection}.
 */
class RedirectTest {
    /** A child that reads "standard input" and writes "standard output" and "standard error". */
    private static ProcessBuilder testIO() {
        return new ProcessBuilder("sh", "-c",
                "read -r line; [ \"$line\" = 'standard input' ] || exit 5; printf 'standard error' >&2; printf 'standard output'");
    }

    private final Path dir = Io.tmp();
    private final File ifile = dir.resolve("ifile").toFile();
    private final File ofile = dir.resolve("ofile").toFile();
    private final File efile = dir.resolve("efile").toFile();

    private String contents(File f) throws IOException {
        return Io.text(f.toPath());
    }

    private void set(File f, String s) throws IOException {
        Io.write(f.toPath(), s);
    }

    @Conformance
    void filesAreReadAndCreated(Mode m) throws Exception {
        set(ifile, "standard input\n");
        ProcessBuilder pb = testIO().redirectInput(ifile).redirectOutput(ofile).redirectError(efile);
        Io.Result r = Io.run(m.start(pb));
        assertEquals(new Io.Result("", "", 0), r);
        assertEquals("standard output", contents(ofile));
        assertEquals("standard error", contents(efile));
    }

    @Conformance
    void aMissingInputFileFailsBeforeTheOutputFileIsCreated(Mode m) {
        ProcessBuilder pb = testIO().redirectInput(ifile).redirectOutput(ofile);
        IOException e = Io.ioe(() -> m.start(pb));
        assertEquals("Cannot run program \"sh\": " + ifile + " (No such file or directory)", e.getMessage());
        assertInstanceOf(FileNotFoundException.class, e.getCause());
        assertFalse(ofile.exists(), "the JDK opens stdin's file first");
    }

    @Conformance
    void redirectErrorStreamWithAnErrorFileMergesAndStillTruncatesTheFile(Mode m) throws Exception {
        set(ifile, "standard input\n");
        set(efile, "efile-contents");
        ProcessBuilder pb = testIO().redirectInput(ifile).redirectOutput(ofile).redirectError(efile)
                .redirectErrorStream(true);
        assertEquals(new Io.Result("", "", 0), Io.run(m.start(pb)));
        assertEquals("standard errorstandard output", contents(ofile));
        assertEquals("", contents(efile));
    }

    @Conformance
    void appendToAppends(Mode m) throws Exception {
        set(ifile, "standard input\n");
        set(ofile, "ofile-contents");
        set(efile, "efile-contents");
        ProcessBuilder pb = testIO().redirectInput(ifile).redirectOutput(Redirect.appendTo(ofile))
                .redirectError(Redirect.appendTo(efile));
        assertEquals(0, Io.run(m.start(pb)).exit());
        assertEquals("ofile-contentsstandard output", contents(ofile));
        assertEquals("efile-contentsstandard error", contents(efile));
    }

    @Conformance
    void toReplaces(Mode m) throws Exception {
        set(ifile, "standard input\n");
        set(ofile, "ofile-contents-that-is-longer");
        set(efile, "efile-contents");
        assertEquals(0, Io.run(m.start(testIO().redirectInput(ifile).redirectOutput(ofile).redirectError(Redirect.to(efile)))).exit());
        assertEquals("standard output", contents(ofile));
        assertEquals("standard error", contents(efile));
    }

    @Conformance
    void oneAppenderForBothStreams(Mode m) throws Exception {
        set(ifile, "standard input\n");
        set(ofile, "ofile-contents");
        Redirect appender = Redirect.appendTo(ofile);
        assertEquals(0, Io.run(m.start(testIO().redirectInput(ifile).redirectOutput(appender).redirectError(appender))).exit());
        assertEquals("ofile-contentsstandard errorstandard output", contents(ofile));
    }

    @Conformance
    void discardDropsOutputAndErrors(Mode m) throws Exception {
        set(ifile, "standard input\n");
        set(ofile, "ofile-contents");
        set(efile, "efile-contents");
        assertEquals(new Io.Result("", "", 0), Io.run(m.start(testIO().redirectInput(ifile).redirectOutput(DISCARD).redirectError(DISCARD))));
        assertEquals(new Io.Result("", "", 0), Io.run(m.start(testIO().redirectInput(ifile).redirectOutput(DISCARD).redirectError(efile))));
        assertEquals("standard error", contents(efile));
        assertEquals("ofile-contents", contents(ofile));
        assertEquals(new Io.Result("", "", 0), Io.run(m.start(testIO().redirectInput(ifile).redirectOutput(ofile).redirectError(DISCARD))));
        assertEquals("standard output", contents(ofile));
    }

    @Conformance
    void discardAndRedirectErrorStreamWithAnErrorFile(Mode m) throws Exception {
        set(ifile, "standard input\n");
        set(ofile, "ofile-contents");
        set(efile, "efile-contents");
        ProcessBuilder pb = testIO().redirectInput(ifile).redirectOutput(DISCARD).redirectErrorStream(true).redirectError(efile);
        assertEquals(new Io.Result("", "", 0), Io.run(m.start(pb)));
        assertEquals("ofile-contents", contents(ofile));
        assertEquals("", contents(efile));
    }

    @Conformance
    void outputToADirectoryOrAMissingDirectoryFails(Mode m) throws IOException {
        IOException e = Io.ioe(() -> m.start(new ProcessBuilder("true").redirectOutput(dir.toFile())));
        assertEquals("Cannot run program \"true\": " + dir + " (Is a directory)", e.getMessage());
        IOException in = Io.ioe(() -> m.start(new ProcessBuilder("cat").redirectInput(dir.toFile())));
        assertEquals("Cannot run program \"cat\": " + dir + " (Is a directory)", in.getMessage());
        File missing = dir.resolve("no/such").toFile();
        IOException err = Io.ioe(() -> m.start(new ProcessBuilder("true").redirectError(missing)));
        assertEquals("Cannot run program \"true\": " + missing + " (No such file or directory)", err.getMessage());
        Path ro = Io.script(dir.resolve("ro"), "", false);
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r--r--r--"));
        if (!ro.toFile().canWrite()) { // root writes anyway
            IOException denied = Io.ioe(() -> m.start(new ProcessBuilder("true").redirectOutput(ro.toFile())));
            assertEquals("Cannot run program \"true\": " + ro + " (Permission denied)", denied.getMessage());
        }
    }

    @Conformance
    void createdFilesHaveModeRwRwRwLessTheUmask(Mode m) throws Exception {
        assertEquals(0, m.start(new ProcessBuilder("true").redirectOutput(ofile)).waitFor());
        String umask = Io.run(new ProcessBuilder("sh", "-c", "umask").start()).out().strip();
        int expected = 0666 & ~Integer.parseInt(umask, 8);
        assertEquals(Integer.toOctalString(expected), Integer.toOctalString(mode(ofile.toPath())));
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode") & 0777;
    }

    @Conformance
    void inheritGivesTheChildThisJvmsFds(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("sleep", "5").inheritIO());
        try {
            for (int fd = 0; fd <= 2; fd++) {
                assertEquals(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)),
                        Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/fd/" + fd)), "fd " + fd);
            }
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Conformance
    void redirectedStreamsAreTheJdksNullStreams(Mode m) throws Exception {
        // INHERIT for stdin: a program that does not read it (the test JVM's stdin is the runner's)
        Process p = m.start(new ProcessBuilder("sleep", "5").redirectInput(INHERIT).redirectOutput(DISCARD).redirectError(DISCARD));
        try {
            for (InputStream in : new InputStream[] {p.getInputStream(), p.getErrorStream()}) {
                assertEquals(-1, in.read());
                assertEquals(0, in.available());
                in.close();
                assertEquals(-1, in.read(), "a null input stream stays at its end once closed");
                assertEquals(0, in.available());
            }
            OutputStream out = p.getOutputStream();
            assertEquals("Stream closed", assertThrows(IOException.class, () -> out.write('x')).getMessage());
            out.flush();
            out.close();
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Conformance
    void stderrSentToStdoutIsAStreamAtItsEnd(Mode m) throws Exception {
        Process q = m.start(new ProcessBuilder("sh", "-c", "echo out; echo err >&2").redirectErrorStream(true));
        InputStream err = q.getErrorStream();
        assertEquals(0, err.available());
        assertEquals(-1, err.read());
        assertEquals("out\nerr\n", Io.readAll(q.getInputStream()));
        assertEquals(0, q.waitFor());
        assertEquals(-1, err.read());
        err.close();
        // JDK 25 still makes a pipe for it, so it is a stream that closes (not the null stream)
        assertEquals("Stream closed", assertThrows(IOException.class, err::read).getMessage());
        Process f = m.start(new ProcessBuilder("true").redirectErrorStream(true).redirectError(Io.tmp().resolve("e").toFile()));
        f.waitFor();
        f.getErrorStream().close();
        assertEquals(-1, f.getErrorStream().read(), "with a file for stderr it is the null stream");
    }

    @Conformance
    void redirectErrorStreamMergesInOrder(Mode m) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "printf out; printf err >&2; printf out; printf err >&2");
        assertEquals(new Io.Result("outout", "errerr", 0), Io.run(m.start(pb)));
        assertEquals(new Io.Result("outerrouterr", "", 0), Io.run(m.start(pb.redirectErrorStream(true))));
    }

    @Conformance
    void pipeIsTheDefault(Mode m) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("cat").redirectInput(PIPE).redirectOutput(PIPE).redirectError(PIPE);
        Process p = m.start(pb);
        try (OutputStream out = p.getOutputStream()) {
            out.write("through the pipes\n".getBytes());
        }
        assertEquals(new Io.Result("through the pipes\n", "", 0), Io.run(p));
    }
}
