package dev.spawnring.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spawnring.Spawner;
import dev.spawnring.uring.Backend;
import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.opentest4j.TestAbortedException;

/**
 * The three ways every conformance case runs, the JDK being the control:
 *
 * <ul>
 *   <li>{@link #JDK}: {@code ProcessBuilder.start} as the JDK does it, in this JVM;</li>
 *   <li>{@link #IO_URING}, {@link #FALLBACK}: {@code Spawner.start(ProcessBuilder)} and
 *       {@code Spawner.startPipeline}, on each backend, in this JVM;</li>
 *   <li>{@link #AGENT}: {@code ProcessBuilder.start} in a JVM started with the agent
 *       ({@link AgentModeTest} runs the cases there, on each backend, with
 *       {@code -Dspawnring.conformance.mode=AGENT}).</li>
 * </ul>
 */
public enum Mode {
    JDK, IO_URING, FALLBACK, AGENT;

    /** {@code -Dspawnring.conformance.mode=AGENT} in the JVM {@link AgentModeTest} starts. */
    static final String PROPERTY = "spawnring.conformance.mode";

    /** The class of the Process the agent returns: a start the agent made, not one it handed back. */
    static final String SPAWNRING_PROCESS = "dev.spawnring.internal.process.JdkProcess";

    /** The modes this JVM runs: the JDK and both Spawner backends, or (in the agent's JVM) the agent. */
    public static Stream<Mode> modes() {
        return "AGENT".equals(System.getProperty(PROPERTY)) ? Stream.of(AGENT) : Stream.of(JDK, IO_URING, FALLBACK);
    }

    /** The backend the spawnring side runs on (the agent JVM's, for {@link #AGENT}), or null for the JDK. */
    Backend backend() {
        return switch (this) {
            case JDK -> null;
            case IO_URING -> Backend.IO_URING;
            case FALLBACK -> Backend.FALLBACK;
            case AGENT -> Backend.valueOf(System.getProperty(Backend.PROPERTY, "IO_URING").toUpperCase());
        };
    }

    boolean spawnring() {
        return this != JDK;
    }

    /** {@code builder.start()} the way of this mode. */
    Process start(ProcessBuilder builder) throws IOException {
        Process p = switch (this) {
            case JDK, AGENT -> builder.start();
            case IO_URING, FALLBACK -> Spawners.of(backend()).start(builder);
        };
        checkRouted(p);
        return p;
    }

    /** {@code ProcessBuilder.startPipeline(builders)} the way of this mode. */
    List<Process> startPipeline(List<ProcessBuilder> builders) throws IOException {
        List<Process> ps = switch (this) {
            case JDK, AGENT -> ProcessBuilder.startPipeline(builders);
            case IO_URING, FALLBACK -> Spawners.of(backend()).startPipeline(builders);
        };
        ps.forEach(this::checkRouted);
        return ps;
    }

    /**
     * {@code Runtime.exec(cmdarray, envp, dir)} the way of this mode: through the Spawner, the
     * builder {@code Runtime.exec} makes (an environment of exactly {@code envp}'s strings, each cut
     * at its first NUL and split at its first {@code '='}, those without one dropped).
     */
    Process exec(String[] cmdarray, String[] envp, File dir) throws IOException {
        if (this == JDK || this == AGENT) {
            Process p = Runtime.getRuntime().exec(cmdarray, envp, dir);
            checkRouted(p);
            return p;
        }
        ProcessBuilder pb = new ProcessBuilder(cmdarray).directory(dir);
        if (envp != null) {
            Map<String, String> env = pb.environment();
            env.clear();
            for (String s : envp) {
                if (s.indexOf('\u0000') != -1) {
                    s = s.replaceFirst("\u0000.*", "");
                }
                int eq = s.indexOf('=');
                if (eq != -1) {
                    env.put(s.substring(0, eq), s.substring(eq + 1));
                }
            }
        }
        return start(pb);
    }

    /** In the agent's JVM, a Process that is not spawnring's means the agent handed the start back: a failure. */
    private void checkRouted(Process p) {
        if (this == AGENT) {
            assertEquals(SPAWNRING_PROCESS, p.getClass().getName(), "the agent started " + p + " through spawnring");
        }
    }

    /**
     * Marks a case this mode does not pass on purpose: a difference from the JDK the README lists.
     * Reported as skipped, with the reason, never passed.
     */
    void knownDifference(Mode only, String readmeEntry) {
        if (this == only) {
            throw new TestAbortedException("known difference (README, \"Differences from the JDK\"): " + readmeEntry);
        }
    }

    @Override
    public String toString() {
        return this == AGENT ? "AGENT (" + backend() + ")" : name();
    }

    /** One Spawner per backend for the whole test JVM. */
    static final class Spawners {
        private static final java.util.EnumMap<Backend, Spawner> ALL = new java.util.EnumMap<>(Backend.class);

        static synchronized Spawner of(Backend backend) throws IOException {
            Spawner s = ALL.get(backend);
            if (s == null) {
                s = Spawner.create(backend);
                ALL.put(backend, s);
            }
            return s;
        }
    }
}
