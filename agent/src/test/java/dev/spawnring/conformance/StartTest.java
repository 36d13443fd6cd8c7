package dev.spawnring.conformance;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code ProcessBuilder.start} does with the command, the directory and the environment, and
 * how it fails: the arguments as given, the JDK's exceptions and their messages
 * ({@code Cannot run program "x" (in directory "d"): Exec failed, error: 2 (No such file or directory) }),
 * a script without {@code #!} run by {@code /bin/sh}, {@code Runtime.exec}. After the OpenJDK's
 * {@code ProcessBuilder/Basic.java}, {@code ArgCheck}, {@code QuotedArguments}, {@code InvalidWorkDir}.
 */
class StartTest {
    /** The JDK 25 launcher's message for an errno of the child: {@code ProcessImpl_md.c}'s IOE_FORMAT. */
    static String execFailed(int errno, String text) {
        return "Exec failed, error: " + errno + " (" + text + ") ";
    }

    static final String ENOENT = execFailed(2, "No such file or directory");
    static final String EACCES = execFailed(13, "Permission denied");

    @Conformance
    void argumentsReachTheProgramAsGiven(Mode m) throws Exception {
        List<String> args = List.of("", " ", "two words", "\"quoted\"", "it's", "tab\there", "back\\slash", "*", "$HOME",
                "ünïcödé ☃", "-n", "=");
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "for a; do printf '[%s]' \"$a\"; done", "sh"));
        cmd.addAll(args);
        Io.Result r = Io.run(m.start(new ProcessBuilder(cmd)));
        StringBuilder expected = new StringBuilder();
        args.forEach(a -> expected.append('[').append(a).append(']'));
        assertEquals(expected.toString(), r.out());
        assertEquals(0, r.exit());
    }

    @Conformance
    void anEmptyCommandIsAnIndexOutOfBoundsException(Mode m) {
        var e = assertThrows(IndexOutOfBoundsException.class, () -> m.start(new ProcessBuilder()));
        assertEquals("Index 0 out of bounds for length 0", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> m.start(new ProcessBuilder(new ArrayList<>())));
        assertThrows(IndexOutOfBoundsException.class, () -> m.exec(new String[] {}, null, null));
    }

    @Conformance
    void aNullArgumentIsANullPointerException(Mode m) {
        assertThrows(NullPointerException.class, () -> m.start(new ProcessBuilder("echo", null, "x")));
        assertThrows(NullPointerException.class, () -> m.start(new ProcessBuilder((String) null)));
    }

    @Conformance
    void aNulCharacterInTheCommandIsAnIOExceptionNotWrapped(Mode m) {
        IOException e = Io.ioe(() -> m.start(new ProcessBuilder("echo", "a\0b")));
        assertEquals("invalid null character in command", e.getMessage());
        assertNull(e.getCause());
    }

    @Conformance
    void aMissingProgramNamesItAndTheErrno(Mode m) {
        IOException e = Io.ioe(() -> m.start(new ProcessBuilder("no-such-program-sr")));
        assertEquals("Cannot run program \"no-such-program-sr\": " + ENOENT, e.getMessage());
        assertEquals(IOException.class, e.getCause().getClass());
        assertEquals(ENOENT, e.getCause().getMessage());
    }

    @Conformance
    void aMissingProgramInADirectoryNamesTheDirectory(Mode m) {
        IOException e = Io.ioe(() -> m.start(new ProcessBuilder("no-such-program-sr").directory(new File("/tmp"))));
        assertEquals("Cannot run program \"no-such-program-sr\" (in directory \"/tmp\"): " + ENOENT, e.getMessage());
    }

    @Conformance
    void aMissingDirectoryFailsInTheChild(Mode m) {
        IOException e = Io.ioe(() -> m.start(new ProcessBuilder("echo").directory(new File("UnLiKeLY-sr"))));
        assertEquals("Cannot run program \"echo\" (in directory \"UnLiKeLY-sr\"): " + ENOENT, e.getMessage());
    }

    @Conformance
    void aFileAsTheDirectoryIsNotADirectory(Mode m) throws IOException {
        Path f = Io.write(Io.tmp().resolve("file"), "x");
        IOException e = Io.ioe(() -> m.start(new ProcessBuilder("true").directory(f.toFile())));
        assertEquals("Cannot run program \"true\" (in directory \"" + f + "\"): " + execFailed(20, "Not a directory"),
                e.getMessage());
    }

    @Conformance
    void anEmptyProgramNameIsNoSuchFile(Mode m) {
        IOException e = Io.ioe(() -> m.start(new ProcessBuilder("")));
        assertEquals("Cannot run program \"\": " + ENOENT, e.getMessage());
    }

    @Conformance
    void aProgramNameWithUnusualCharactersIsInTheMessage(Mode m) {
        for (String name : new String[] {"\u00f0", "\u01f0", "sp ace"}) {
            IOException e = Io.ioe(() -> m.start(new ProcessBuilder(name)));
            assertEquals("Cannot run program \"" + name + "\": " + ENOENT, e.getMessage());
        }
    }

    @Conformance
    void aFileWithoutExecutePermissionIsPermissionDenied(Mode m) throws IOException {
        Path f = Io.script(Io.tmp().resolve("emptyCommand"), "", false);
        IOException e = Io.ioe(() -> m.start(new ProcessBuilder(f.toString())));
        assertEquals("Cannot run program \"" + f + "\": " + EACCES, e.getMessage());
    }

    @Conformance
    void aDirectoryAsTheProgramIsPermissionDenied(Mode m) {
        IOException e = Io.ioe(() -> m.start(new ProcessBuilder("/tmp")));
        assertEquals("Cannot run program \"/tmp\": " + EACCES, e.getMessage());
        IOException dot = Io.ioe(() -> m.exec(new String[] {"."}, null, null));
        assertEquals("Cannot run program \".\": " + EACCES, dot.getMessage());
    }

    @Conformance
    void aScriptWithoutShebangIsRunBySh(Mode m) throws Exception {
        Path dir = Io.tmp();
        Path prog = Io.script(dir.resolve("prog"), "printf '%s|' \"$0\" \"$@\"; exit 7\n", true);
        Io.Result r = Io.run(m.start(new ProcessBuilder(prog.toString(), "a b", "c")));
        assertEquals(prog + "|a b|c|", r.out());
        assertEquals(7, r.exit());
        Io.Result rel = Io.run(m.start(new ProcessBuilder("./prog", "x").directory(dir.toFile())));
        assertEquals("./prog|x|", rel.out());
    }

    @Conformance
    void scriptsWithShebangAndBinariesRun(Mode m) throws Exception {
        Path dir = Io.tmp();
        Io.script(dir.resolve("t"), "#!/bin/true\n", true);
        Io.script(dir.resolve("f"), "#!/bin/false\n", true);
        Io.script(dir.resolve("e"), "#!/bin/echo hello\n", true);
        assertEquals(0, m.start(new ProcessBuilder(dir.resolve("t").toString())).waitFor());
        assertEquals(1, m.start(new ProcessBuilder(dir.resolve("f").toString())).waitFor());
        assertEquals("hello " + dir.resolve("e") + " world\n",
                Io.run(m.start(new ProcessBuilder(dir.resolve("e").toString(), "world"))).out());
        assertEquals(1, m.start(new ProcessBuilder("/bin/false")).waitFor());
    }

    @Conformance
    void theDirectoryIsTheChildsWorkingDirectory(Mode m) throws Exception {
        for (String d : new String[] {".", "..", "/", "/bin"}) {
            File dir = new File(d);
            assertEquals(dir.getCanonicalPath() + "\n", Io.run(m.start(new ProcessBuilder("pwd", "-P").directory(dir))).out(), d);
        }
        assertEquals(new File(System.getProperty("user.dir")).getCanonicalPath() + "\n",
                Io.run(m.start(new ProcessBuilder("pwd", "-P"))).out());
        Path unicode = Files.createDirectory(Io.tmp().resolve("ProcessBuilderDir\u4e00\u4e02"));
        assertEquals(unicode.toRealPath() + "\n", Io.run(m.start(new ProcessBuilder("pwd", "-P").directory(unicode.toFile()))).out());
    }

    @Conformance
    void environmentChangesReachTheChild(Mode m) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "printf '%s' \"${QUUX-unset}\"");
        Map<String, String> env = pb.environment();
        env.put("QUUX", "BAR");
        assertEquals("BAR", Io.run(m.start(pb)).out());
        env.put("QUUX", "bear");
        assertEquals("bear", Io.run(m.start(pb)).out());
        env.put("QUUX", "a=b=c ünï ☃");
        assertEquals("a=b=c ünï ☃", Io.run(m.start(pb)).out());
        env.remove("QUUX");
        assertEquals("unset", Io.run(m.start(pb)).out());
    }

    @Conformance
    void theChildGetsTheEnvironmentInTheMapsOrder(Mode m) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("env");
        pb.environment().put("QwErTyUiOp", "AsDfGhJk");
        pb.environment().put("ZZ_SR", "");
        StringBuilder expected = new StringBuilder();
        pb.environment().forEach((k, v) -> expected.append(k).append('=').append(v).append('\n'));
        assertEquals(expected.toString(), Io.run(m.start(pb)).out());
    }

    @Conformance
    void anEmptyEnvironmentIsEmpty(Mode m) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/env");
        pb.environment().clear();
        assertEquals("", Io.run(m.start(pb)).out());
    }

    @Conformance
    void anUntouchedEnvironmentIsThisProcesss(Mode m) throws Exception {
        StringBuilder expected = new StringBuilder();
        new ProcessBuilder().environment().forEach((k, v) -> expected.append(k).append('=').append(v).append('\n'));
        String out = Io.run(m.start(new ProcessBuilder("env"))).out();
        assertEquals(sorted(expected.toString()), sorted(out));
    }

    private static List<String> sorted(String lines) {
        return lines.lines().sorted().toList();
    }

    @Conformance
    void runtimeExecSplitsTheCommandAndTakesEnvp(Mode m) throws Exception {
        Path dir = Io.tmp();
        Process p = m.exec(new String[] {"sh", "-c", "echo \"$FOO|$BAZ|$QUUX|$(pwd -P)\""},
                new String[] {"FOO=BAR", "BAZ=GORP", "QUUX="}, dir.toFile());
        assertEquals("BAR|GORP||" + dir.toRealPath() + "\n", Io.run(p).out());
        assertEquals("+=+\nBAZ=GORP\nFOO=BAR\n_=_\n", sortedEnv(m, new String[] {"FOO=BAR", "BAZ=GORP", "+=+", "_=_"}));
    }

    @Conformance
    void runtimeExecDropsEnvStringsWithoutEqualsAndCutsAtNul(Mode m) throws Exception {
        assertEquals("\n", Io.run(m.exec(new String[] {"echo"}, new String[] {"Hello", "World"}, null)).out());
        assertEquals("LC_ALL=C\n", sortedEnv(m, new String[] {"LC_ALL=C\u0000\u0000", "FO\u0000=B\u0000R"}));
        assertEquals("=C:=\\\n", sortedEnv(m, new String[] {"=ExitValue=3", "=C:=\\"}));
    }

    private static String sortedEnv(Mode m, String[] envp) throws Exception {
        String out = Io.run(m.exec(new String[] {"/usr/bin/env"}, envp, null)).out();
        StringBuilder sb = new StringBuilder();
        out.lines().sorted().forEach(l -> sb.append(l).append('\n'));
        return sb.toString();
    }

    @Conformance
    void theMissingProgramsOfZombiesTestFailAndLeaveNoZombie(Mode m) throws Exception {
        Io.ioe(() -> m.exec(new String[] {"no-such-file"}, null, null));
        Io.ioe(() -> m.exec(new String[] {"."}, null, null));
        Io.ioe(() -> m.exec(new String[] {"/bin/true"}, null, new File("no-such-dir")));
        Process p = m.exec(new String[] {"/bin/true"}, null, null);
        p.waitFor();
        assertEquals(List.of(), Zombies.ofThisJvm(), "zombie children of this JVM");
    }

    @Conformance
    void theProgramIsSearchedInThisJvmsPathNotTheChilds(Mode m) throws Exception {
        Path dir = Io.tmp();
        Files.copy(Path.of("/bin/true"), dir.resolve("unliKely-sr"));
        ProcessBuilder pb = new ProcessBuilder("unliKely-sr");
        pb.environment().put("PATH", dir.toString());
        IOException e = Io.ioe(() -> m.start(pb));
        assertEquals("Cannot run program \"unliKely-sr\": " + ENOENT, e.getMessage());
        // Found in this JVM's PATH: sh is, whatever the child's PATH says.
        ProcessBuilder sh = new ProcessBuilder("sh", "-c", "echo $PATH");
        sh.environment().put("PATH", dir.toString());
        assertEquals(dir + "\n", Io.run(m.start(sh)).out());
    }

    @Conformance
    void theChildsSignalMaskIsEmptyAndIgnoredSignalsStayIgnored(Mode m) throws Exception {
        String status = Io.run(m.start(new ProcessBuilder("grep", "^Sig\\(Blk\\|Ign\\)", "/proc/self/status"))).out();
        assertTrue(status.contains("SigBlk:\t0000000000000000"), status);
        // The JDK's children also ignore glibc's two internal signals (32, 33), which glibc's
        // posix_spawn leaves ignored: a detail of its launcher, not compared (see the README).
        long glibcInternal = 0x3L << 31;
        assertEquals(Long.toHexString(ignored(ownStatus()) & ~glibcInternal),
                Long.toHexString(ignored(status) & ~glibcInternal), "ignored signals are inherited");
    }

    private static String ownStatus() throws IOException {
        return Files.readString(Path.of("/proc/self/status"));
    }

    private static long ignored(String status) {
        return status.lines().filter(l -> l.startsWith("SigIgn:")).map(l -> Long.parseUnsignedLong(l.substring(7).strip(), 16))
                .findFirst().orElseThrow();
    }

    @Conformance
    void theChildKeepsNoFdBut012(Mode m) throws Exception {
        String fds = Io.run(m.start(new ProcessBuilder("ls", "/proc/self/fd"))).out();
        // ls itself opens one fd for the directory it lists
        assertTrue(fds.lines().filter(l -> !l.equals("0") && !l.equals("1") && !l.equals("2")).count() <= 1, fds);
    }

    @Conformance
    void aRedirectFileThatIsMissingIsTheFileNotFoundMessage(Mode m) {
        IOException e = Io.ioe(() -> m.start(new ProcessBuilder("cat").redirectInput(new File("/nonexistent-sr/in"))));
        assertEquals("Cannot run program \"cat\": /nonexistent-sr/in (No such file or directory)", e.getMessage());
        assertInstanceOf(FileNotFoundException.class, e.getCause());
    }
}
