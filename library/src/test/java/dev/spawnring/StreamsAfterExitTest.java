package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.Isolation;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A child's piped streams once it has exited: fds nobody is using are given back at the
 * exit (as the JDK's process streams do), and what the child wrote is still read; both backends.
 */
@Tag(Isolation.TAG)
@Tag(KernelSuiteMain.TAG)
class StreamsAfterExitTest {

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theExitGivesBackThePipesOfChildrenWhoseStreamsWereNeverTouched(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Set<String> before = pipesOpen();
            List<Child> children = new ArrayList<>(); // held, so no cleaner closes anything
            for (int i = 0; i < 50; i++) {
                children.add(s.spawn(Command.of("sh", "-c", "echo out " + i + "; echo err " + i + " >&2")));
            }
            for (Child c : children) {
                assertEquals(ExitStatus.exited(0), c.waitFor());
            }
            Set<String> opened = pipesOpenedSince(before);
            for (int i = 0; i < 500 && !opened.isEmpty(); i++) { // given back on the loop thread, just after the exit
                Thread.sleep(10);
                opened = pipesOpenedSince(before);
            }
            assertTrue(opened.isEmpty(), opened.size() + " pipes still open after every child exited");
            for (int i = 0; i < children.size(); i++) {
                assertEquals("out " + i + "\n", text(children.get(i).stdout()));
                assertEquals("err " + i + "\n", text(children.get(i).stderr()));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void outputBufferedAndOutputStillInThePipeAreBothReadAfterTheExit(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("head", "-c", "60000", "/dev/urandom"));
            InputStream out = c.stdout();
            int first = out.read(); // one byte: the rest of what that READ got stays buffered
            assertNotEquals(-1, first);
            assertEquals(ExitStatus.exited(0), c.waitFor());
            byte[] rest = out.readAllBytes();
            assertEquals(59_999, rest.length);
            assertEquals(-1, out.read());
            out.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aReaderWaitingWhenTheChildExitsReadsToTheEnd(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("sh", "-c", "sleep 0.2; echo late"));
            assertEquals("late\n", text(c.stdout())); // parked in a READ when the exit comes
            assertEquals(ExitStatus.exited(0), c.waitFor());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void writingToTheStdinOfAnExitedChildFailsSayingSo(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            Child c = s.spawn(Command.of("true"));
            assertEquals(ExitStatus.exited(0), c.waitFor());
            OutputStream in = c.stdin();
            IOException e = null;
            for (int i = 0; i < 500 && e == null; i++) { // the fd goes on the loop thread, just after the exit
                try {
                    in.write('x');
                    Thread.sleep(10);
                } catch (IOException refused) {
                    e = refused;
                }
            }
            assertNotNull(e, "writes after the exit are refused");
            assertTrue(e.getMessage().contains("stdin of " + c.pid())
                    && (e.getMessage().contains("has exited") || e.getMessage().contains("EPIPE")), e.getMessage());
            in.close();
        }
    }

    private static String text(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** The pipes this JVM holds, by inode ({@code pipe:[123]}). */
    private static Set<String> pipesOpen() throws IOException {
        Set<String> pipes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("pipe:")) {
                        pipes.add(target);
                    }
                } catch (IOException closedMeanwhile) {
                    // not ours to count
                }
            }
        }
        return pipes;
    }

    private static Set<String> pipesOpenedSince(Set<String> before) throws IOException {
        Set<String> now = pipesOpen();
        now.removeAll(before);
        return now;
    }
}
