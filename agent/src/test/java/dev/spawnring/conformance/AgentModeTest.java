package dev.spawnring.conformance;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.TestAbortedException;

/**
 * The third mode: every conformance case, run in a JVM started with the agent
 * ({@code -javaagent}, {@code --enable-native-access=ALL-UNNAMED}), once per backend, through the
 * JUnit platform ({@link ConformanceMain}); each case's outcome there becomes a test here. The
 * JDK's results, from this JVM, go with it, so a case the JDK fails is not applicable there too.
 */
class AgentModeTest {
    static final Class<?>[] CASES = {StartTest.class, RedirectTest.class, StreamTest.class, LifecycleTest.class,
            HandleTest.class, PipelineTest.class, PathSearchTest.class, ReportingTest.class};
    private static final long TIMEOUT_MINUTES = 10;

    @TestFactory
    Stream<DynamicNode> everyCaseInAJvmStartedWithTheAgent() throws IOException {
        if (Mode.modes().anyMatch(m -> m == Mode.AGENT)) {
            return Stream.empty(); // already there
        }
        Path failures = Io.tmp().resolve("jdk-failures.txt");
        JdkControl.writeFailures(failures, CASES);
        return Stream.of(Backend.IO_URING, Backend.FALLBACK).map(b -> DynamicContainer.dynamicContainer(
                "agent on " + b, Stream.of(b).flatMap(x -> cases(x, failures))));
    }

    /** Runs the cases in a JVM with the agent on {@code backend}; one test per case it reports. */
    private static Stream<DynamicNode> cases(Backend backend, Path failures) {
        List<String> cmd = new ArrayList<>(List.of(AgentJvm.java(), "--enable-native-access=ALL-UNNAMED", "-Xshare:auto",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m",
                "-javaagent:" + AgentJvm.agentJar(), "-Dspawnring.agent.verbose=true",
                "-D" + Backend.PROPERTY + "=" + backend.name(),
                "-D" + Mode.PROPERTY + "=AGENT",
                "-D" + JdkControl.RESULTS_PROPERTY + "=" + failures,
                "-Dspawnring.nativeBin=" + System.getProperty("spawnring.nativeBin"),
                "-Dspawnring.agent.testJar=" + AgentJvm.agentJar(),
                "-cp", AgentJvm.classpath(), ConformanceMain.class.getName()));
        Arrays.stream(CASES).map(Class::getName).forEach(cmd::add);
        String transcript;
        int exit;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> Io.readAll(p.getInputStream()));
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly().waitFor();
            }
            transcript = out.join();
            exit = p.exitValue();
        } catch (IOException | InterruptedException e) {
            return Stream.of(DynamicTest.dynamicTest("the agent's JVM started", () -> fail(e)));
        }
        List<DynamicNode> tests = new ArrayList<>();
        List<String> lines = transcript.lines().filter(l -> l.startsWith("CASE\t")).toList();
        for (String line : lines) {
            String[] f = line.split("\t", 4);
            String name = f[1], status = f[2], message = f.length > 3 ? f[3] : "";
            tests.add(DynamicTest.dynamicTest(name + " [AGENT " + backend + "]", () -> {
                switch (status) {
                    case "SUCCESSFUL" -> { }
                    case "ABORTED" -> throw new TestAbortedException(message);
                    default -> fail(message + "\n--- the agent JVM's output:\n" + around(transcript, name));
                }
            }));
        }
        int expected = countCases();
        String end = transcript;
        int code = exit;
        tests.add(DynamicTest.dynamicTest("every case ran in the agent's JVM [" + backend + "]", () -> {
            assertEquals(0, code, end);
            assertEquals(expected, lines.size(), end);
        }));
        return tests.stream();
    }

    /** The transcript's lines about {@code name} (its stack trace follows its CASE line). */
    private static String around(String transcript, String name) {
        int i = transcript.indexOf("CASE\t" + name + "\t");
        return i < 0 ? transcript : transcript.substring(Math.max(0, i - 2000), Math.min(transcript.length(), i + 6000));
    }

    private static int countCases() {
        int n = 0;
        for (Class<?> c : CASES) {
            for (Method m : c.getDeclaredMethods()) {
                n += m.isAnnotationPresent(Conformance.class) ? 1 : 0;
            }
        }
        return n;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
