package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.Spawners;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Spawner#spawnPipeline(List)}, the pipeline of the {@code Command} API, on both backends:
 * data through 2 to 8 stages byte for byte, the ends that join stages, stderr down the pipeline,
 * the checks made before anything starts, and a stage that cannot start.
 */
class SpawnPipelineTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void twoToEightStagesPassArbitraryBytesByteForByte(Backend backend) throws Exception {
        byte[] data = new byte[300_000];
        new Random(12).nextBytes(data);
        try (Spawner s = Spawners.create(backend)) {
            for (int n = 2; n <= 8; n++) {
                List<Command> stages = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    stages.add(Command.of("cat"));
                }
                List<Child> children = s.spawnPipeline(stages);
                assertEquals(n, children.size());
                CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(children.getLast().stdout()));
                try (OutputStream in = children.getFirst().stdin()) {
                    in.write(data);
                }
                assertArrayEquals(data, out.get(), n + " stages");
                for (Child c : children) {
                    assertEquals(ExitStatus.exited(0), c.waitFor(), c.toString());
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void seqThroughGrepCountsAsTheShellDoes(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            List<Child> stages = s.spawnPipeline(List.of(Command.of("seq", "100000"), Command.of("grep", "-c", "7")));
            assertEquals("40951\n", new String(stages.getLast().stdout().readAllBytes(), StandardCharsets.US_ASCII));
            assertEquals(ExitStatus.exited(0), stages.getLast().waitFor());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theEndsBetweenStagesAreNotTheCallersStreams(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            List<Child> stages = s.spawnPipeline(List.of(Command.of("echo", "through"), Command.of("cat"),
                    Command.of("cat")));
            assertEquals(-1, stages.get(0).stdout().read(), "the first stage's stdout goes to the second");
            assertEquals(-1, stages.get(1).stdout().read(), "the middle stage's stdout goes to the third");
            assertThrows(IOException.class, () -> stages.get(1).stdin().write('x'),
                    "the middle stage's stdin comes from the first");
            assertEquals("through\n", new String(stages.get(2).stdout().readAllBytes(), StandardCharsets.UTF_8));
            for (Child c : stages) {
                assertEquals(ExitStatus.exited(0), c.waitFor());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aStageThatRedirectsItsErrorStreamSendsItDownThePipeline(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            List<Child> stages = s.spawnPipeline(List.of(
                    Command.of("sh", "-c", "echo out; echo err >&2").redirectErrorStream(),
                    Command.of("sort")));
            assertEquals("err\nout\n", new String(stages.getLast().stdout().readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(ExitStatus.exited(0), stages.getLast().waitFor());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aJoiningStreamThatIsNotAPipeIsRefusedBeforeAnythingStarts(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            IllegalArgumentException out = assertThrows(IllegalArgumentException.class, () -> s.spawnPipeline(
                    List.of(Command.of("echo", "x").stdout(Stdio.discard()), Command.of("cat"))));
            assertTrue(out.getMessage().contains("stdout of stage 0"), out.getMessage());
            IllegalArgumentException in = assertThrows(IllegalArgumentException.class, () -> s.spawnPipeline(
                    List.of(Command.of("echo", "x"), Command.of("cat").stdin(Stdio.inherit()))));
            assertTrue(in.getMessage().contains("stdin of stage 1"), in.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aStageThatCannotStartIsThrownAndTheStagesStartedAreReaped(Backend backend) throws Exception {
        try (Spawner s = Spawners.create(backend)) {
            List<Long> zombiesBefore = Spawners.zombieChildren();
            SpawnException e = assertThrows(SpawnException.class, () -> s.spawnPipeline(List.of(
                    Command.of("sleep", "61"), Command.of("no-such-program-spawnring-test"), Command.of("cat"))));
            assertEquals("no-such-program-spawnring-test", e.program());
            assertEquals("exec", e.step());
            // The sleep and the cat were killed and reaped before the failure was thrown.
            assertEquals(List.of(), ProcessHandle.current().children()
                    .filter(p -> p.info().arguments().map(a -> List.of(a).equals(List.of("61"))).orElse(false))
                    .map(ProcessHandle::pid).toList(), "the first stage still runs");
            assertEquals(zombiesBefore, Spawners.zombieChildren(), "a stage is left unreaped");
            List<Child> again = s.spawnPipeline(List.of(Command.of("echo", "ok"), Command.of("cat")));
            assertEquals("ok\n", new String(again.getLast().stdout().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
