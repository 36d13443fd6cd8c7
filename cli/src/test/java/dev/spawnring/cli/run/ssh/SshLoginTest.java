package dev.spawnring.cli.run.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code -S} forms GNU parallel's man page gives, and the names its joblog shows for them. */
class SshLoginTest {
    @Test
    void aHostAloneIsNamedByItself() {
        SshLogin l = SshLogin.parse("server.example.com");
        assertEquals("server.example.com", l.host());
        assertEquals(0, l.cpus());
        assertEquals("server.example.com", l.name());
    }

    @Test
    void cpusUserAndPortAreReadAndTheNameDropsTheCpus() {
        SshLogin l = SshLogin.parse("8/alice@10.0.0.1:2222");
        assertEquals(8, l.cpus());
        assertEquals("alice", l.user());
        assertEquals("10.0.0.1", l.host());
        assertEquals("2222", l.port());
        assertEquals("alice@10.0.0.1:2222", l.name());
    }

    @Test
    void anSshCommandBeforeTheHostIsTheLoginsOwnAndPartOfItsName() {
        SshLogin l = SshLogin.parse("4//usr/local/bin/myssh -p 2222 -l bob hexacpu");
        assertEquals(4, l.cpus());
        assertEquals(List.of("/usr/local/bin/myssh", "-p", "2222", "-l", "bob"), l.sshCommand());
        assertEquals("hexacpu", l.host());
        assertEquals("/usr/local/bin/myssh -p 2222 -l bob hexacpu", l.name());
    }

    @Test
    void aColonIsThisMachineWithOrWithoutCpus() {
        assertTrue(SshLogin.parse(":").local());
        assertEquals(":", SshLogin.parse("16/:").name());
        assertEquals(16, SshLogin.parse("16/:").cpus());
    }

    @Test
    void whatIsNoLoginIsRefusedSayingWhy() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SshLogin.parse("@grp/host")).getMessage()
                .contains("host groups"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SshLogin.parse("bob:secret@host")).getMessage()
                .contains("passwords"));
        assertThrows(IllegalArgumentException.class, () -> SshLogin.parse("-oProxyCommand=touch_x"));
        assertThrows(IllegalArgumentException.class, () -> SshLogin.parse("0/host"));
    }

    @Test
    void anOptionSplitsAtCommasAndNewlinesButNotAtEscapedCommas() {
        assertEquals(List.of("a", "ssh -J j1,j2 b", "c,d", "e"), SshLogin.split("a,ssh -J j1,,j2 b,c\\,d\ne,"));
    }

    @Test
    void aLoginFileSkipsBlankLinesAndCommentsAndTheSameLoginTwiceCountsOnce(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("slf"), "# hosts\nhost1\n\n  # indented comment\n2/host1\nbob@host2\n");
        List<SshLogin> logins = SshLogin.parseAll(SshLogin.readFile(f));
        assertEquals(List.of("host1", "bob@host2"), logins.stream().map(SshLogin::name).toList());
    }
}
