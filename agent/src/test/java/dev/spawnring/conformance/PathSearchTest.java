package dev.spawnring.conformance;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.uring.Backend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The program search and the bytes, in JVMs of their own ({@link PathChild}): the search in this
 * JVM's {@code PATH} (relative entries, an empty entry, {@code EACCES} going on, scripts with and
 * without {@code #!}), never the child's; a JVM without {@code PATH}; an inherited variable whose
 * bytes are not text, and Strings encoded as the JDK encodes them ({@code sun.jnu.encoding}).
 */
class PathSearchTest {
    /** Runs {@link PathChild} in mode {@code m} in a new JVM with {@code env} changes, in {@code dir}. */
    static void runChild(Mode m, String scenario, Map<String, String> env, List<String> prefix, Path dir)
            throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(AgentJvm.java());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xshare:auto");
        cmd.add("-XX:TieredStopAtLevel=1");
        if (m == Mode.AGENT) {
            cmd.add("-javaagent:" + AgentJvm.agentJar());
        }
        if (m.backend() != null) {
            cmd.add("-D" + Backend.PROPERTY + "=" + m.backend().name());
        }
        cmd.add("-Dspawnring.nativeBin=" + System.getProperty("spawnring.nativeBin"));
        cmd.addAll(List.of("-cp", AgentJvm.classpath(), PathChild.class.getName(), m.name(), scenario));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Process p = pb.start();
        String out = Io.readAll(p.getInputStream());
        int exit = p.waitFor();
        List<String> failures = out.lines().filter(l -> !l.startsWith("ok ")).filter(l -> !l.startsWith("done"))
                .toList();
        assertEquals(List.of(), failures, out);
        assertEquals(0, exit, out);
        assertTrue(out.lines().filter(l -> l.startsWith("ok ")).count() > 0, out);
    }

    @Conformance
    void theProgramIsSearchedInThisJvmsPathAsTheJdkSearchesIt(Mode m) throws Exception {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("PATH", "dir1:dir2:");
        runChild(m, "search", env, List.of(), Io.tmp());
    }

    @Conformance
    void aJvmWithoutPathFindsTrueAndFalse(Mode m) throws Exception {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("PATH", null);
        runChild(m, "nullPath", env, List.of(), Io.tmp());
    }

    @Conformance
    void inheritedBytesPassAsTheyAreAndStringsAreEncodedAsTheJdkEncodesThem(Mode m) throws Exception {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("LC_ALL", "C");
        env.put("LANG", "C");
        // The variable is made by sh, so that it holds bytes no String can.
        runChild(m, "bytes", env, RAW, Io.tmp());
    }

    @Conformance
    void anInheritedValuePutBackFromJavaIsEncodedFromItsString(Mode m) throws Exception {
        String why = "Spawner.start reads a builder's environment through its public API, which gives Strings only:"
                + " an inherited value that is not text in sun.jnu.encoding and was put back unchanged keeps its bytes";
        m.knownDifference(Mode.IO_URING, why);
        m.knownDifference(Mode.FALLBACK, why);
        Map<String, String> env = new java.util.HashMap<>();
        env.put("LC_ALL", "C");
        env.put("LANG", "C");
        runChild(m, "bytesPutBack", env, RAW, Io.tmp());
    }

    /** Starts the JVM through sh, which gives it SR_RAW=\xff\xfe: bytes no String holds. */
    private static final List<String> RAW = List.of("/bin/sh", "-c", "SR_RAW=$(printf '\\377\\376') exec \"$@\"", "sh");
}
