package dev.spawnring.agent;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.conformance.AgentJvm;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The agent as a user starts it, on a small unmodified application that uses
 * {@code ProcessBuilder.start}, {@code Runtime.exec} and {@code ProcessBuilder.startPipeline}: on
 * the class path and on the module path (both backends), switched off by
 * {@code -Dspawnring.agent=off}, and what {@code -Dspawnring.agent.verbose=true} says (each
 * thing once, however many processes start).
 */
class AgentLaunchTest {
    private static final String SPAWNRING = "dev.spawnring.internal.process.JdkProcess";
    private static final String JDK = "java.lang.ProcessImpl";
    /** What the application prints after the class names, whoever starts its processes. */
    private static final String OUTPUT = "hello\nexec\nPIPED\n";

    @TempDir
    static Path tmp;
    private static Path app;

    /** Compiles the application: module {@code app}, class {@code app.Main}. */
    @BeforeAll
    static void compileTheApplication() throws IOException {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("app"));
        Files.writeString(src.resolve("module-info.java"), "module app { }\n");
        Files.writeString(src.resolve("app/Main.java"), """
                package app;

                import java.util.List;

                public class Main {
                    public static void main(String[] args) throws Exception {
                        for (int i = 0; i < 3; i++) {
                            Process p = new ProcessBuilder("echo", "hello").start();
                            String out = new String(p.getInputStream().readAllBytes());
                            p.waitFor();
                            Process r = Runtime.getRuntime().exec(new String[] {"printf", "exec"});
                            String exec = new String(r.getInputStream().readAllBytes());
                            r.waitFor();
                            List<Process> ps = ProcessBuilder.startPipeline(List.of(
                                    new ProcessBuilder("echo", "piped"), new ProcessBuilder("tr", "a-z", "A-Z")));
                            String piped = new String(ps.getLast().getInputStream().readAllBytes());
                            for (Process q : ps) {
                                q.waitFor();
                            }
                            if (i == 0) {
                                System.out.println(p.getClass().getName() + " " + r.getClass().getName() + " "
                                        + ps.getFirst().getClass().getName() + " "
                                        + (Main.class.getModule().isNamed() ? "named" : "unnamed"));
                                System.out.print(out + exec + "\\n" + piped);
                            }
                        }
                    }
                }
                """);
        app = tmp.resolve("classes");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int status = javac.run(null, null, null, "-d", app.toString(), src.resolve("module-info.java").toString(),
                src.resolve("app/Main.java").toString());
        assertEquals(0, status, "javac");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void anApplicationOnTheClassPathHasEveryStartMadeBySpawnring(Backend backend) throws Exception {
        Run r = run(List.of("--enable-native-access=ALL-UNNAMED", "-Dspawnring.backend=" + backend.name()),
                List.of("-cp", AgentJvm.classpath() + ":" + app, "app.Main"));
        assertEquals(starts(SPAWNRING, "unnamed") + OUTPUT, r.stdout, r.stderr);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void anApplicationOnTheModulePathHasEveryStartMadeBySpawnring(Backend backend) throws Exception {
        Run r = run(List.of("--enable-native-access=ALL-UNNAMED", "-Dspawnring.backend=" + backend.name()),
                List.of("-cp", AgentJvm.classpath(), "-p", app.toString(), "-m", "app/app.Main"));
        assertEquals(starts(SPAWNRING, "named") + OUTPUT, r.stdout, r.stderr);
    }

    @Test
    void offLeavesEveryStartToTheJdk() throws Exception {
        Run r = run(List.of("--enable-native-access=ALL-UNNAMED", "-Dspawnring.agent=off",
                "-Dspawnring.agent.verbose=true"), List.of("-cp", AgentJvm.classpath() + ":" + app, "app.Main"));
        assertEquals(starts(JDK, "unnamed") + OUTPUT, r.stdout, r.stderr);
        assertEquals(List.of("spawnring-agent: off (-Dspawnring.agent=off): every process is started by the JDK"),
                agentLines(r), r.stderr);
    }

    @Test
    void verboseSaysOnceThatTheStartsGoThroughSpawnring() throws Exception {
        Run r = run(List.of("--enable-native-access=ALL-UNNAMED", "-Dspawnring.agent.verbose=true"),
                List.of("-cp", AgentJvm.classpath() + ":" + app, "app.Main"));
        assertEquals(starts(SPAWNRING, "unnamed") + OUTPUT, r.stdout, r.stderr);
        List<String> said = agentLines(r);
        assertEquals(1, said.size(), r.stderr);
        assertTrue(said.getFirst().startsWith("spawnring-agent: ProcessBuilder.start, startPipeline and Runtime.exec"
                + " go through spawnring"), said.getFirst());
    }

    @Test
    void verboseSaysOnceWhatItHandsBackToTheJdk() throws Exception {
        // No native access for the agent: every start of the nine goes to the JDK, said once.
        Run r = run(List.of("-Dspawnring.agent.verbose=true"),
                List.of("-cp", AgentJvm.classpath() + ":" + app, "app.Main"));
        assertEquals(starts(JDK, "unnamed") + OUTPUT, r.stdout, r.stderr);
        assertEquals(List.of("spawnring-agent: native access is not enabled for the agent, so every process is"
                + " started by the JDK; run java with --enable-native-access=ALL-UNNAMED"), agentLines(r), r.stderr);
    }

    @Test
    void withoutVerboseTheAgentSaysNothing() throws Exception {
        Run r = run(List.of(), List.of("-cp", AgentJvm.classpath() + ":" + app, "app.Main"));
        assertEquals(starts(JDK, "unnamed") + OUTPUT, r.stdout, r.stderr);
        assertEquals(List.of(), agentLines(r), r.stderr);
    }

    private static String starts(String processClass, String module) {
        return processClass + " " + processClass + " " + processClass + " " + module + "\n";
    }

    private static List<String> agentLines(Run r) {
        return r.stderr.lines().filter(l -> l.startsWith("spawnring-agent")).toList();
    }

    private record Run(String stdout, String stderr) {
    }

    /** {@code java <options> -javaagent:... <main>}, its stdout and stderr; it must exit 0. */
    private static Run run(List<String> options, List<String> main) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(AgentJvm.java(), "-Xshare:auto", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(options);
        cmd.add("-javaagent:" + AgentJvm.agentJar());
        cmd.add("-Dspawnring.nativeBin=" + System.getProperty("spawnring.nativeBin"));
        cmd.addAll(main);
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the application's JVM ended");
        Run r = new Run(out, err.join());
        assertEquals(0, p.exitValue(), r.stderr);
        return r;
    }
}
