package dev.spawnring.cli.run.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The local command of a remote job, as GNU parallel builds it: where {@code --transferfile}
 * puts a relative, an absolute and a {@code dir/./rest} name, where {@code --return} fetches
 * them from and puts them, and what {@code --cleanup} removes. The sshd tests run these
 * scripts; here their text is checked, one rule each.
 */
class RemoteJobTest {
    private static final List<String> SSH = List.of("ssh", "-o", "ControlPath=/c/h0-0", "host");
    private static final List<String> RSYNC_SSH = List.of("ssh", "-o", "ControlPath=/c/h0-0");

    private static String script(String workdir, List<String> transfer, List<String> returns, boolean cleanup) {
        RemoteJob j = new RemoteJob(SSH, RSYNC_SSH, "host", List.of("-rlDzR"), b("true"),
                workdir == null ? null : b(workdir), transfer.stream().map(RemoteJobTest::b).toList(),
                returns.stream().map(RemoteJobTest::b).toList(), cleanup, false);
        List<byte[]> argv = j.argv();
        assertEquals("/bin/sh", s(argv.get(0)));
        return s(argv.get(2));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void withNothingToMoveTheJobIsSshItselfWithTheCommandAsOneWord() {
        List<byte[]> argv = new RemoteJob(SSH, RSYNC_SSH, "host", List.of("-rlDzR"), b("echo 'a b'"), null,
                List.of(), List.of(), false, false).argv();
        assertEquals(List.of("ssh", "-o", "ControlPath=/c/h0-0", "host", "--"),
                argv.subList(0, 5).stream().map(RemoteJobTest::s).toList());
        assertEquals(6, argv.size());
        assertTrue(s(argv.get(5)).contains("(echo 'a b'\n) </dev/null"), s(argv.get(5)));
    }

    @Test
    void aRelativeFileGoesUnderTheWorkdirAndAnAbsoluteOneToTheSamePath() {
        String rel = script("wd", List.of("in/a b"), List.of(), false);
        assertTrue(rel.contains("-- 'mkdir -p -- wd' && rsync -rlDzR -s -e "), rel);
        assertTrue(rel.contains("'./in/a b' host:wd;"), rel);
        String abs = script("wd", List.of("/data/x"), List.of(), false);
        assertTrue(abs.contains("/data/x host:/;"), abs);
        String cut = script(null, List.of("/data/./sub/x"), List.of(), false);
        assertTrue(cut.contains("/data/./sub/x host:.;"), cut);
    }

    @Test
    void aReturnedFileIsFetchedFromItsDirectoryThereIntoTheSameDirectoryHere() {
        String rel = script(null, List.of(), List.of("out/./in/f.out"), false);
        assertTrue(rel.contains("mkdir -p -- out/in &&"), rel);
        assertTrue(rel.contains("'--rsync-path=cd ./in; rsync' -- host:f.out out/in;"), rel);
        String abs = script("wd", List.of(), List.of("/tmp/foo/bar.out"), false);
        assertTrue(abs.contains("'--rsync-path=cd /tmp/foo; rsync' -- host:bar.out /tmp/foo;"), abs);
    }

    @Test
    void cleanupRemovesEachFileAndTheDirectoriesItLeavesEmptyKeepingTheStatus() {
        String c = script("wd", List.of("in/sub/f"), List.of("in/sub/f.out"), true);
        assertTrue(c.contains("rm -f -- ./wd/in/sub/f 2>/dev/null; rmdir -- ./wd/in/sub ./wd/in ./wd 2>/dev/null;"), c);
        assertTrue(c.contains("_s=$?;"), c);
        assertTrue(c.endsWith("exit $_s"), c);
    }

    @Test
    void dirnameAndParentsFollowPosix() {
        assertEquals(".", s(RemoteJob.dirname(b("a"))));
        assertEquals("/", s(RemoteJob.dirname(b("/a"))));
        assertEquals("a/b", s(RemoteJob.dirname(b("a/b/c/"))));
        assertEquals(List.of("./x/y", "./x"), RemoteJob.parents(b("./x/y")).stream().map(RemoteJobTest::s).toList());
        assertEquals(List.of("/t/w", "/t"), RemoteJob.parents(b("/t/w")).stream().map(RemoteJobTest::s).toList());
    }
}
