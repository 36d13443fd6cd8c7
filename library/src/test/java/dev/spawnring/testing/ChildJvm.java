package dev.spawnring.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.spawnring.uring.Backend;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started by a test to run {@link ChildJvmMain} (or the JUnit launcher) where the test
 * JVM itself must not go: under a seccomp filter, a lowered rlimit, a small cgroup, with
 * signals ignored or blocked, or to be killed. Its stdout and stderr are one stream, read
 * line by line; its stdin takes the test's cues.
 */
public final class ChildJvm implements AutoCloseable {
    /** How long {@link #await} waits for a line: a hang guard, not a speed check. */
    private static final long AWAIT_SECONDS = 120;
    private static final String END = new String("end of output");

    private final Process process;
    private final PrintWriter in;
    private final StringBuilder transcript = new StringBuilder();
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread reader;

    private ChildJvm(Process process) {
        this.process = process;
        this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.reader = Thread.ofPlatform().daemon().name("child-jvm-output").start(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    synchronized (transcript) {
                        transcript.append(line).append('\n');
                    }
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process was killed
            }
            lines.add(END);
        });
    }

    /** The classpath of this test JVM (main classes, test classes, every dependency), for a JVM without modules. */
    public static String classpath() {
        String modules = System.getProperty("jdk.module.path", "");
        String classes = System.getProperty("java.class.path", "");
        return modules.isEmpty() ? classes : modules + ":" + classes;
    }

    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code prefix... java [options] -cp ... mainClass args...}, on {@code backend} (null: the JVM's choice). */
    public static List<String> command(List<String> prefix, Backend backend, List<String> options, String mainClass,
            String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(java());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xshare:auto");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xmx256m");
        cmd.add("-Dspawnring.nativeBin=" + System.getProperty("spawnring.nativeBin"));
        if (backend != null) {
            cmd.add("-D" + Backend.PROPERTY + "=" + backend.name());
        }
        cmd.addAll(options);
        cmd.add("-cp");
        cmd.add(classpath());
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Starts {@link ChildJvmMain} {@code mode args} behind {@code prefix} on {@code backend}. */
    public static ChildJvm start(List<String> prefix, Backend backend, String mode, String... args) throws IOException {
        List<String> all = new ArrayList<>();
        all.add(mode);
        all.addAll(List.of(args));
        return start(command(prefix, backend, List.of(), ChildJvmMain.class.getName(), all.toArray(String[]::new)));
    }

    public static ChildJvm start(List<String> command) throws IOException {
        return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    /** Reads lines until one starts with {@code prefix}; returns it. Fails if the JVM ends first, or hangs. */
    public String await(String prefix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AWAIT_SECONDS);
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                fail("no line \"" + prefix + "\" from the child JVM in " + AWAIT_SECONDS + " s:\n" + transcript());
            }
            if (line == END) {
                lines.add(END);
                fail("the child JVM ended before printing \"" + prefix + "\":\n" + transcript());
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /** Sends one line to the child's stdin. */
    public void tell(String line) {
        in.println(line);
    }

    /** Waits (at most {@code seconds}: a hang guard) for the exit code, with all the output read. */
    public int finish(long seconds) throws Exception {
        in.close();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            String threads = threadDump(process.pid());
            process.destroyForcibly();
            process.waitFor();
            reader.join();
            fail("the child JVM hung (" + seconds + " s):\n" + transcript() + "\nits threads then:\n" + threads);
        }
        reader.join();
        return process.exitValue();
    }

    /** Everything the child printed so far. */
    public String transcript() {
        synchronized (transcript) {
            return transcript.toString();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** The threads of JVM {@code pid} as {@code jcmd Thread.print} gives them, so that a hang says where. */
    private static String threadDump(long pid) {
        try {
            Process jcmd = new ProcessBuilder(Path.of(java()).resolveSibling("jcmd").toString(),
                    Long.toString(pid), "Thread.print").redirectErrorStream(true).start();
            jcmd.getOutputStream().close();
            byte[] out = jcmd.getInputStream().readAllBytes();
            jcmd.waitFor(60, TimeUnit.SECONDS);
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException | InterruptedException e) {
            return "(no thread dump: " + e + ")";
        }
    }
}
