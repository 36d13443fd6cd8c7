package dev.spawnring.conformance;

import static java.lang.ProcessBuilder.Redirect.PIPE;
import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * {@code ProcessBuilder.startPipeline}: each stage's stdout to the next one's stdin, byte for byte
 * over 2 to 8 stages; the JDK's rules for the redirects between stages and its exceptions; the
 * first stage's stdin and the last one's stdout as the builders say; the null streams of the
 * inner ends; what is left in the builders; a stage that cannot start. After the OpenJDK's
 * {@code ProcessBuilder/PipelineTest.java} and {@code PipelineLeaksFD}.
 */
class PipelineTest {
    private static List<ProcessBuilder> cats(int n) {
        List<ProcessBuilder> b = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            b.add(new ProcessBuilder("cat"));
        }
        return b;
    }

    @Conformance
    void twoToEightStagesPassDataByteForByte(Mode m) throws Exception {
        byte[] data = new byte[256 << 10];
        new Random(7).nextBytes(data);
        for (int n = 2; n <= 8; n++) {
            List<Process> ps = m.startPipeline(cats(n));
            assertEquals(n, ps.size());
            Thread writer = Thread.ofPlatform().start(() -> {
                try (OutputStream out = ps.getFirst().getOutputStream()) {
                    out.write(data);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] back = ps.getLast().getInputStream().readAllBytes();
            writer.join();
            for (Process p : ps) {
                assertEquals(0, p.waitFor());
            }
            assertTrue(Arrays.equals(data, back), n + " stages, byte for byte");
        }
    }

    @Conformance
    void theFirstStdinAndTheLastStdoutAreTheBuilders(Mode m) throws Exception {
        Path dir = Io.tmp();
        File in = Io.write(dir.resolve("in"), "b\na\nc\n").toFile();
        File out = dir.resolve("out").toFile();
        List<Process> ps = m.startPipeline(List.of(new ProcessBuilder("sort").redirectInput(in),
                new ProcessBuilder("tr", "a-z", "A-Z"), new ProcessBuilder("cat").redirectOutput(out)));
        for (Process p : ps) {
            assertEquals(0, p.waitFor());
        }
        assertEquals("A\nB\nC\n", Io.text(out.toPath()));
    }

    @Conformance
    void theInnerEndsAreNullStreams(Mode m) throws Exception {
        List<Process> ps = m.startPipeline(List.of(new ProcessBuilder("echo", "x"), new ProcessBuilder("cat"),
                new ProcessBuilder("cat")));
        assertEquals(-1, ps.get(0).getInputStream().read());
        assertEquals(0, ps.get(1).getInputStream().available());
        for (Process p : ps.subList(1, 3)) {
            assertEquals("Stream closed", assertThrows(IOException.class, () -> p.getOutputStream().write(1)).getMessage());
        }
        assertEquals("x\n", Io.readAll(ps.get(2).getInputStream()));
        for (Process p : ps) {
            assertEquals(0, p.waitFor());
            assertEquals(-1, p.getErrorStream().read());
        }
    }

    @Conformance
    void aStagesStderrIsItsOwnOrGoesDownThePipeline(Mode m) throws Exception {
        List<Process> ps = m.startPipeline(List.of(
                new ProcessBuilder("sh", "-c", "echo out1; echo err1 >&2"),
                new ProcessBuilder("sh", "-c", "cat; echo err2 >&2").redirectErrorStream(true),
                new ProcessBuilder("sh", "-c", "cat; echo err3 >&2")));
        assertEquals("err1\n", Io.readAll(ps.get(0).getErrorStream()));
        assertEquals(-1, ps.get(1).getErrorStream().read());
        assertEquals("out1\nerr2\n", Io.readAll(ps.get(2).getInputStream()));
        assertEquals("err3\n", Io.readAll(ps.get(2).getErrorStream()));
        for (Process p : ps) {
            assertEquals(0, p.waitFor());
        }
    }

    @Conformance
    void redirectsBetweenStagesMustBePipes(Mode m) throws Exception {
        File f = Io.tmp().resolve("f").toFile();
        IllegalArgumentException out = assertThrows(IllegalArgumentException.class, () -> m.startPipeline(
                List.of(new ProcessBuilder("echo").redirectOutput(f), new ProcessBuilder("cat"))));
        assertEquals("builder redirectOutput() must be PIPE except for the last builder: redirect to write to file \""
                + f + "\"", out.getMessage());
        IllegalArgumentException in = assertThrows(IllegalArgumentException.class, () -> m.startPipeline(
                List.of(new ProcessBuilder("echo"), new ProcessBuilder("cat").redirectInput(Redirect.INHERIT))));
        assertEquals("builder redirectInput() must be PIPE except for the first builder: INHERIT", in.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.startPipeline(
                List.of(new ProcessBuilder("echo"), new ProcessBuilder("cat").redirectOutput(Redirect.DISCARD),
                        new ProcessBuilder("cat"))));
        assertEquals(List.of(), Zombies.ofThisJvm(), "what the JDK started before the bad stage it killed and reaped");
    }

    @Conformance
    void aStageThatCannotStartIsTheFailureAndTheOthersAreGone(Mode m) throws Exception {
        List<ProcessBuilder> b = List.of(new ProcessBuilder("sleep", "617"), new ProcessBuilder("no-such-stage-sr"),
                new ProcessBuilder("cat"));
        IOException e = Io.ioe(() -> m.startPipeline(b));
        assertEquals("Cannot run program \"no-such-stage-sr\": " + StartTest.ENOENT, e.getMessage());
        assertEquals(List.of(), ProcessHandle.current().children()
                .filter(h -> h.info().commandLine().orElse("").endsWith("sleep 617")).map(h -> h + " " + h.info()).toList(),
                "the first stage was killed and reaped");
        assertEquals(List.of(), Zombies.ofThisJvm());
        IOException file = Io.ioe(() -> m.startPipeline(List.of(new ProcessBuilder("cat").redirectInput(new File("/nonexistent-sr")),
                new ProcessBuilder("cat"))));
        assertEquals("Cannot run program \"cat\": /nonexistent-sr (No such file or directory)", file.getMessage());
    }

    @Conformance
    void anEmptyListStartsNothingAndANullBuilderIsANullPointerException(Mode m) throws Exception {
        assertEquals(List.of(), m.startPipeline(List.of()));
        List<ProcessBuilder> withNull = new ArrayList<>();
        withNull.add(new ProcessBuilder("true"));
        withNull.add(null);
        assertThrows(NullPointerException.class, () -> m.startPipeline(withNull));
        List<Process> one = m.startPipeline(List.of(new ProcessBuilder("echo", "one")));
        assertEquals("one\n", Io.readAll(one.getFirst().getInputStream()));
    }

    @Conformance
    void theBuildersKeepThePipeRedirectsTheJdkLeavesInThem(Mode m) throws Exception {
        m.knownDifference(Mode.IO_URING, "Spawner.startPipeline cannot leave the JDK's internal pipe redirects in the builders");
        m.knownDifference(Mode.FALLBACK, "Spawner.startPipeline cannot leave the JDK's internal pipe redirects in the builders");
        List<ProcessBuilder> b = cats(3);
        for (Process p : m.startPipeline(b)) {
            p.getOutputStream().close();
            p.waitFor();
        }
        // The JDK leaves a pipe redirect that is not Redirect.PIPE between the stages: building the
        // same pipeline again fails.
        assertEquals(Redirect.Type.PIPE, b.get(0).redirectOutput().type());
        assertNotSame(PIPE, b.get(0).redirectOutput());
        assertSame(b.get(0).redirectOutput(), b.get(1).redirectInput());
        assertNotSame(PIPE, b.get(2).redirectInput());
        assertSame(PIPE, b.get(2).redirectOutput());
        assertSame(PIPE, b.get(0).redirectInput());
        assertThrows(IllegalArgumentException.class, () -> m.startPipeline(b));
    }

    @Conformance
    void aPipelineLeaksNoFd(Mode m) throws Exception {
        for (Process p : m.startPipeline(cats(2))) { // the Spawner's own fds are made on its first use
            p.getOutputStream().close();
            p.waitFor();
        }
        int before = openFds();
        for (int i = 0; i < 5; i++) {
            for (Process p : m.startPipeline(cats(3))) {
                p.getOutputStream().close();
                p.getInputStream().close();
                p.getErrorStream().close();
                p.waitFor();
            }
        }
        int after = openFds();
        for (int i = 0; i < 50 && after > before; i++) {
            Thread.sleep(20);
            after = openFds();
        }
        assertTrue(after <= before, "fds before " + before + ", after " + after);
    }

    private static int openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        }
    }
}
