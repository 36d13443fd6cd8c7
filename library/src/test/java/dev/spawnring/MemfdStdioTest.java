package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.uring.Backend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Stdio#memfd()}: the child writes into an in-memory file that the parent reads back
 * from its start, whole and sized, with no fd in sight; both backends.
 */
@Tag(KernelSuiteMain.TAG)
class MemfdStdioTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void stdoutAndStderrComeBackWholeFromTheirStart(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("sh", "-c", "echo out; echo err >&2; echo more")
                    .stdin(Stdio.discard()).stdout(Stdio.memfd()).stderr(Stdio.memfd()));
            assertEquals(ExitStatus.exited(0), c.waitFor());
            try (MemfdOutput out = c.stdoutMemfd(); MemfdOutput err = c.stderrMemfd()) {
                assertEquals(9, out.size());
                assertEquals("out\nmore\n", new String(out.readAllBytes(), StandardCharsets.UTF_8));
                assertEquals("out\nmore\n", new String(out.readAllBytes(), StandardCharsets.UTF_8), "read again");
                ByteArrayOutputStream copy = new ByteArrayOutputStream();
                assertEquals(4, err.transferTo(copy));
                assertEquals("err\n", copy.toString(StandardCharsets.UTF_8));
                try (InputStream in = out.newInputStream()) {
                    assertEquals('o', in.read());
                    assertEquals("ut\nmore\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    assertEquals(-1, in.read());
                }
                assertEquals(InputStream.nullInputStream().available(), c.stdout().available(), "no pipe");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theChildSeesARegularFileAndNeverBlocksOnAReader(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            // 4 MiB, far beyond a pipe's buffer, with nobody reading while the child writes.
            Child c = s.spawn(Command.of("sh", "-c", "readlink /proc/self/fd/1; head -c 4194304 /dev/zero")
                    .stdin(Stdio.discard()).stdout(Stdio.memfd()).stderr(Stdio.inherit()));
            assertEquals(ExitStatus.exited(0), c.waitFor(Duration.ofSeconds(30)));
            try (MemfdOutput out = c.stdoutMemfd(); InputStream in = out.newInputStream()) {
                StringBuilder link = new StringBuilder();
                for (int b; (b = in.read()) != '\n'; ) {
                    link.append((char) b);
                }
                assertTrue(link.toString().startsWith("/memfd:spawnring-stdout"), link.toString());
                assertEquals(link.length() + 1 + 4194304, out.size());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void runCapturesAMemfdAsItDoesAPipe(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Result r = s.run(Command.of("sh", "-c", "echo to-memfd; echo to-pipe >&2").stdout(Stdio.memfd())).get();
            assertEquals(ExitStatus.exited(0), r.status());
            assertEquals("to-memfd\n", r.stdoutText());
            assertEquals("to-pipe\n", r.stderrText());
            assertFalse(r.truncated());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void redirectErrorStreamSendsBothIntoTheOneMemfd(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("sh", "-c", "echo a; echo b >&2").stdout(Stdio.memfd()).redirectErrorStream());
            c.waitFor();
            try (MemfdOutput out = c.stdoutMemfd()) {
                assertEquals("a\nb\n", new String(out.readAllBytes(), StandardCharsets.UTF_8));
            }
            assertThrows(IllegalStateException.class, c::stderrMemfd);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aClosedMemfdRefusesReadsAndClosingTwiceIsHarmless(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("echo", "x").stdout(Stdio.memfd()));
            c.waitFor();
            MemfdOutput out = c.stdoutMemfd();
            out.close();
            out.close();
            assertThrows(IOException.class, out::size);
            assertThrows(IOException.class, out::readAllBytes);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void askingForTheMemfdOfAPipeSaysSo(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("true"));
            c.waitFor();
            var e = assertThrows(IllegalStateException.class, c::stdoutMemfd);
            assertTrue(e.getMessage().contains("is not Stdio.memfd()"), e.getMessage());
        }
    }

    @Test
    void aMemfdIsForOutputNotForStdin() {
        var e = assertThrows(IllegalArgumentException.class, () -> Command.of("cat").stdin(Stdio.memfd()));
        assertEquals("stdin(Stdio.memfd()): a memfd takes the child's output, not its input", e.getMessage());
    }
}
