package dev.spawnring.conformance;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** What a test needs to start a JVM with the agent: the launcher, the class path, an agent jar. */
public final class AgentJvm {
    private AgentJvm() {
    }

    /** @return this JVM's {@code java} launcher */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** This test JVM's classpath (the test and main classes of the agent and the library, JUnit). */
    public static String classpath() {
        String modules = System.getProperty("jdk.module.path", "");
        String classes = System.getProperty("java.class.path", "");
        return modules.isEmpty() ? classes : modules + ":" + classes;
    }

    private static volatile Path agentJar;

    /**
     * An agent jar for the tests: the real one's manifest, its classes taken from this JVM's class
     * path (the build's {@code target/classes} of the agent and the library), so that the tests
     * need no {@code package} first. {@code scripts/agent-proof.sh} uses the packaged jar.
     */
    public static synchronized Path agentJar() {
        if (agentJar == null) {
            Path jar = Path.of(System.getProperty("spawnring.agent.testJar",
                    System.getProperty("java.io.tmpdir") + "/spawnring-agent-test.jar"));
            Manifest mf = new Manifest();
            Attributes a = mf.getMainAttributes();
            a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
            a.putValue("Premain-Class", "dev.spawnring.agent.Agent");
            a.putValue("Agent-Class", "dev.spawnring.agent.Agent");
            a.putValue("Can-Retransform-Classes", "true");
            try {
                Files.createDirectories(jar.getParent());
                try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, mf)) {
                    j.flush();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            agentJar = jar;
        }
        return agentJar;
    }
}
