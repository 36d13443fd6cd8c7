package dev.spawnring.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * The spawnring agent for the bench's worker JVM: a jar holding only the agent's manifest, its
 * classes coming from the bench jar, which bundles them (a {@code -javaagent} jar's
 * {@code Premain-Class} is loaded by the system class loader, which also reads the class path).
 */
final class AgentJar {
    private static final String AGENT = "dev.spawnring.agent.Agent";

    private AgentJar() {
    }

    /**
     * Writes the manifest-only jar to a temporary file, deleted when this JVM exits.
     *
     * @return the jar, or null when the agent's classes are not on this JVM's class path (a run
     *         from the build's classes rather than the bench jar)
     */
    static Path create() throws IOException {
        if (ClassLoader.getSystemResource(AGENT.replace('.', '/') + ".class") == null) {
            return null;
        }
        Path jar = Files.createTempFile("spawnring-bench-agent", ".jar");
        jar.toFile().deleteOnExit();
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Premain-Class", AGENT);
        a.putValue("Can-Retransform-Classes", "true");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, mf)) {
            j.flush();
        }
        return jar;
    }
}
