package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Backend;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** stdin, stdout, stderr and extra fds: pipes, files, discard, inherit, fd mappings; both backends. */
@Tag(KernelSuiteMain.TAG)
class SpawnerStdioTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void stdinStreamsToTheChildAndItsStdoutBack(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("cat"));
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return c.stdout().readAllBytes();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            try (OutputStream in = c.stdin()) {
                for (int i = 0; i < 2000; i++) {
                    byte[] line = ("line " + i + " " + "x".repeat(i % 300) + "\n").getBytes(StandardCharsets.UTF_8);
                    in.write(line);
                    sent.write(line);
                }
            }
            assertArrayEquals(sent.toByteArray(), read.get());
            assertEquals(ExitStatus.exited(0), c.waitFor());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void largeOutputsOnStdoutAndStderrAtOnceDoNotDeadlock(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("sh", "-c", "head -c 8000000 /dev/zero & head -c 6000000 /dev/zero >&2; wait"));
            CompletableFuture<Long> err = CompletableFuture.supplyAsync(() -> count(c.stderr()));
            assertEquals(8_000_000L, count(c.stdout()));
            assertEquals(6_000_000L, err.get());
            assertEquals(ExitStatus.exited(0), c.waitFor());
        }
    }

    private static long count(InputStream in) {
        try (in) {
            long n = 0;
            byte[] b = new byte[65536];
            for (int r; (r = in.read(b)) > 0; ) {
                n += r;
            }
            return n;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void runCapturesStdoutAndStderrApart(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Result r = s.run(Command.of("sh", "-c", "echo out; echo err >&2; exit 4")).get();
            assertEquals(ExitStatus.exited(4), r.status());
            assertEquals("out\n", r.stdoutText());
            assertEquals("err\n", r.stderrText());
            assertFalse(r.truncated());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void redirectErrorStreamMergesStderrIntoStdout(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Result r = s.run(Command.of("sh", "-c", "echo a; echo b >&2; echo c").redirectErrorStream()).get();
            assertEquals("a\nb\nc\n", r.stdoutText());
            assertEquals("", r.stderrText());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void filesCanBeReadWrittenAndAppended(Backend backend) throws Exception {
        Path in = Files.writeString(tmp.resolve("in.txt"), "from a file\n");
        Path out = tmp.resolve("out.txt");
        try (Spawner s = Spawners.create(backend)) {
            assertEquals(ExitStatus.exited(0), s.spawn(Command.of("cat").stdin(Stdio.from(in)).stdout(Stdio.to(out)))
                    .waitFor());
            assertEquals(ExitStatus.exited(0), s.spawn(Command.of("echo", "more").stdout(Stdio.appendTo(out))).waitFor());
            assertEquals("from a file\nmore\n", Files.readString(out));
            assertEquals(ExitStatus.exited(0), s.spawn(Command.of("echo", "new").stdout(Stdio.to(out))).waitFor());
            assertEquals("new\n", Files.readString(out));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void discardGivesDevNull(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Result r = s.run(Command.of("sh", "-c", "cat; echo done; echo gone >&2")
                    .stdin(Stdio.discard()).stderr(Stdio.discard())).get();
            assertEquals("done\n", r.stdoutText());
            assertEquals("", r.stderrText());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void extraFdsCanCrossEachOther(Backend backend) throws Exception {
        int[] a = pipe();
        int[] b = pipe();
        try (Spawner s = Spawners.create(backend)) {
            // The parent's write ends go to the child as 3 and 4, swapped if they happen to be 4 and 3.
            Command c = Command.of("sh", "-c", "echo three >&3; echo four >&4")
                    .fd(3, a[1]).fd(4, b[1]);
            assertEquals(ExitStatus.exited(0), s.spawn(c).waitFor());
            Sys.close(a[1]);
            Sys.close(b[1]);
            assertEquals("three\n", drain(a[0]));
            assertEquals("four\n", drain(b[0]));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aMappingOfThreeToFourAndFourToThreeWorks(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            // Each write end goes to the child under the other's number: the swap that naive dup2
            // ordering breaks. (bash, since dash redirects only single-digit fds.)
            int[] a = pipe();
            int[] b = pipe();
            Command c = Command.of("bash", "-c", "echo to-a >&" + b[1] + "; echo to-b >&" + a[1])
                    .fd(b[1], a[1]).fd(a[1], b[1]);
            assertEquals(ExitStatus.exited(0), s.spawn(c).waitFor());
            Sys.close(a[1]);
            Sys.close(b[1]);
            assertEquals("to-a\n", drain(a[0]));
            assertEquals("to-b\n", drain(b[0]));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theChildSeesOnlyItsStdioAndMappedFds(Backend backend) throws Exception {
        int[] extra = pipe();
        try (Spawner s = Spawners.create(backend)) {
            Result r = s.run(Command.of(Spawners.nativeBin("sr-list-fds")).fd(7, extra[0])).get();
            assertEquals("0\n1\n2\n7\n", r.stdoutText());
        } finally {
            Sys.close(extra[0]);
            Sys.close(extra[1]);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aStreamThatIsNotAPipeIsEmptyOrRefusesWrites(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("true").stdin(Stdio.discard()).stdout(Stdio.discard()));
            assertEquals(-1, c.stdout().read());
            assertThrows(java.io.IOException.class, () -> c.stdin().write(1));
            c.waitFor();
        }
    }

    static int[] pipe() {
        int[] p = new int[2];
        assertEquals(0, Sys.pipe2(p, Linux.O_CLOEXEC), "pipe2");
        return p;
    }

    static String drain(int fd) throws Exception {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var buf = arena.allocate(4096);
            StringBuilder sb = new StringBuilder();
            for (long n; (n = Sys.read(fd, buf, 4096)) > 0; ) {
                sb.append(new String(buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                        StandardCharsets.UTF_8));
            }
            Errno.check("close", Sys.close(fd));
            return sb.toString();
        }
    }
}
