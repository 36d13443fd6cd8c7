package dev.spawnring.cli.run;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.Spawner;
import dev.spawnring.cli.testing.Runs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spawnring run} treats its inputs as bytes from end to end, as xargs and GNU parallel
 * do: a Latin-1 file name (byte 0xE9) and UTF-8 text reach the jobs unchanged from each input
 * kind ({@code :::}, stdin lines, {@code -0}) in a runner JVM started under {@code LC_ALL=C},
 * where the JVM decodes its arguments as ASCII; placeholders cut at the bytes '/' and '.';
 * the joblog and {@code --dry-run} write the bytes as they are.
 */
class RunBytesTest {
    /** {@code f\xe9.txt}: a Latin-1 file name, not UTF-8. */
    private static final byte[] LATIN1 = {'f', (byte) 0xe9, '.', 't', 'x', 't'};
    /** {@code héllo.txt} in UTF-8. */
    private static final byte[] UTF8 = "h\u00e9llo.txt".getBytes(StandardCharsets.UTF_8);

    private static Spawner spawner;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpawner() throws IOException {
        spawner = Spawner.create();
    }

    @AfterAll
    static void closeSpawner() {
        spawner.close();
    }

    /** Makes the two files, named with the bytes themselves (a shell's printf, not Java's file names). */
    @BeforeEach
    void makeFiles() throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", "touch \"$(printf 'f\\351.txt')\" \"$(printf 'h\\303\\251llo.txt')\"")
                .directory(dir.toFile()).inheritIO().start();
        assertEquals(0, p.waitFor());
    }

    private static byte[] b(String ascii) {
        return ascii.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        Bytes.Builder b = new Bytes.Builder();
        for (byte[] p : parts) {
            b.append(p);
        }
        return b.toBytes();
    }

    /** What {@code ls -d -- {} {.}.txt} prints for both files, in input order. */
    private static byte[] listedTwice() {
        byte[] nl = {'\n'};
        return concat(LATIN1, nl, LATIN1, nl, UTF8, nl, UTF8, nl);
    }

    private static void assertSameBytes(byte[] expected, byte[] actual, Runs.Raw r) {
        assertEquals(new String(expected, StandardCharsets.ISO_8859_1), new String(actual, StandardCharsets.ISO_8859_1),
                r::all);
    }

    @Test
    void latin1AndUtf8NamesFromTripleColonListsReachTheJobsUnchangedUnderLcAllC() throws Exception {
        Path log = dir.resolve("log");
        Runs.Raw r = Runs.underCLocale(spawner, dir, new byte[0], b("-k"), b("--joblog"), b(log.toString()),
                b("ls"), b("-d"), b("--"), b("{}"), b("{.}.txt"), b(":::"), LATIN1, UTF8);
        assertEquals(0, r.exitCode(), r::all);
        assertSameBytes(listedTwice(), r.out(), r);
        assertEquals("", new String(r.err(), StandardCharsets.ISO_8859_1), "no warning: the command line's bytes were read");
        List<String> rows = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        assertEquals(3, rows.size(), String.join("\n", rows));
        String quoted = "'" + new String(LATIN1, StandardCharsets.ISO_8859_1) + "'";
        assertTrue(rows.stream().anyMatch(row -> row.endsWith("\tls -d -- " + quoted + " " + quoted)),
                () -> "the joblog's Command column is the bytes as they are: " + rows);
    }

    @Test
    void latin1AndUtf8NamesFromStdinLinesReachTheJobsUnchangedUnderLcAllC() throws Exception {
        byte[] nl = {'\n'};
        Runs.Raw r = Runs.underCLocale(spawner, dir, concat(LATIN1, nl, UTF8, nl), b("-k"), b("ls"), b("-d"), b("--"),
                b("{}"), b("{.}.txt"));
        assertEquals(0, r.exitCode(), r::all);
        assertSameBytes(listedTwice(), r.out(), r);
    }

    @Test
    void latin1AndUtf8NamesFromNulSeparatedStdinReachTheJobsUnchangedUnderLcAllC() throws Exception {
        byte[] nul = {0};
        Runs.Raw r = Runs.underCLocale(spawner, dir, concat(LATIN1, nul, UTF8, nul), b("-0"), b("-k"), b("ls"), b("-d"),
                b("--"), b("{}"), b("{.}.txt"));
        assertEquals(0, r.exitCode(), r::all);
        assertSameBytes(listedTwice(), r.out(), r);
    }

    @Test
    void theTemplatesOwnWordsAreBytesTooUnderLcAllC() throws Exception {
        Runs.Raw r = Runs.underCLocale(spawner, dir, new byte[0], b("printf"), concat(UTF8, b(" %s\\n")), b(":::"),
                b("x"));
        assertEquals(0, r.exitCode(), r::all);
        assertSameBytes(concat(UTF8, b(" x\n")), r.out(), r);
    }

    @Test
    void placeholdersCutAtTheBytesSlashAndDotOnly() {
        // d\xe9/s\xc3\xa9b/f\xe9.t\xe9: bytes that are no '/' or '.' in any charset, '/' and '.' the ASCII ones.
        byte[] v = {'d', (byte) 0xe9, '/', 's', (byte) 0xc3, (byte) 0xa9, 'b', '/', 'f', (byte) 0xe9, '.', 't', (byte) 0xe9};
        Runs.Raw r = Runs.withBytes(new byte[0], b("-k"), b("printf"), b("[%s]"), b("{.}"), b("{/}"), b("{//}"),
                b("{/.}"), b(":::"), v);
        assertEquals(0, r.exitCode(), r::all);
        byte[] noExt = {'d', (byte) 0xe9, '/', 's', (byte) 0xc3, (byte) 0xa9, 'b', '/', 'f', (byte) 0xe9};
        byte[] base = {'f', (byte) 0xe9, '.', 't', (byte) 0xe9};
        byte[] dirname = {'d', (byte) 0xe9, '/', 's', (byte) 0xc3, (byte) 0xa9, 'b'};
        byte[] baseNoExt = {'f', (byte) 0xe9};
        assertSameBytes(concat(b("["), noExt, b("]["), base, b("]["), dirname, b("]["), baseNoExt, b("]")), r.out(), r);
    }

    @Test
    void dryRunPrintsTheBytesShellQuoted() {
        Runs.Raw r = Runs.withBytes(new byte[0], b("--dry-run"), b("cat"), b("{}"), b(":::"), LATIN1);
        assertEquals(0, r.exitCode(), r::all);
        assertSameBytes(concat(b("cat '"), LATIN1, b("'\n")), r.out(), r);
    }

    @Test
    void stdinLinesThatAreNotUtf8AreKeptInProcessToo() {
        Runs.Raw r = Runs.withBytes(concat(LATIN1, new byte[] {'\n'}), b("printf"), b("%s"));
        assertEquals(0, r.exitCode(), r::all);
        assertSameBytes(LATIN1, r.out(), r);
    }

    @Test
    void withoutTheCommandLinesBytesAWordTheJvmCouldNotDecodeIsUsedAsDecodedWithAWarning() {
        Runs.Raw r = runWithoutBytes("/proc/self/cmdline cannot be read (test)", "printf", "%s", ":::", "f\ufffd");
        assertEquals(0, r.exitCode(), r::all);
        assertSameBytes("f\ufffd".getBytes(Bytes.CHARSET), r.out(), r);
        String err = new String(r.err(), StandardCharsets.UTF_8);
        assertTrue(err.startsWith("spawnring run: Warning: the command line's bytes are not known "
                + "(/proc/self/cmdline cannot be read (test))"), err);
        Runs.Raw ascii = runWithoutBytes("/proc/self/cmdline cannot be read (test)", "printf", "%s", ":::", "abc");
        assertEquals(0, ascii.err().length, "nothing can have been lost: no warning");
    }

    private static Runs.Raw runWithoutBytes(String problem, String... args) {
        var cl = dev.spawnring.cli.Main.commandLine();
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "run";
        System.arraycopy(args, 0, all, 1, args.length);
        RunCommand run = cl.getSubcommands().get("run").getCommand();
        run.io(new java.io.ByteArrayInputStream(new byte[0]), out, err).arguments(all, new RawArguments(null, problem));
        int code = cl.execute(all);
        return new Runs.Raw(code, out.toByteArray(), err.toByteArray(), "");
    }

    @Test
    void theRawArgumentsAreTheLastEntriesOfCmdlineWhenEachDecodesToItsString() {
        byte[] cmdline = concat(b("java\0-jar\0x.jar\0run\0"), LATIN1, b("\0\0"));
        String latin1 = new String(LATIN1, Bytes.CHARSET);
        RawArguments ok = RawArguments.match(cmdline, new String[] {"run", latin1, ""});
        assertNull(ok.problem());
        assertEquals(3, ok.bytes().size());
        assertArrayEquals(LATIN1, ok.bytes().get(1));
        assertArrayEquals(new byte[0], ok.bytes().get(2));

        RawArguments other = RawArguments.match(cmdline, new String[] {"run", "something else", ""});
        assertNull(other.bytes());
        assertEquals("argument 2 (\"something else\") is not the one /proc/self/cmdline holds there", other.problem());
        assertEquals("/proc/self/cmdline holds 6 entries for 7 arguments",
                RawArguments.match(cmdline, new String[7]).problem());
    }
}
