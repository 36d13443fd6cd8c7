package dev.spawnring.cli.testing;

import dev.spawnring.Child;
import dev.spawnring.Command;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import dev.spawnring.cli.Main;
import dev.spawnring.Result;
import dev.spawnring.cli.run.RawArguments;
import dev.spawnring.cli.run.RunCommand;
import dev.spawnring.testkit.Procs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * {@code spawnring run} driven in this JVM, its output kept: {@code out} and {@code err} are
 * what the jobs and the runner wrote, {@code usage} what picocli wrote (usage errors).
 */
public record Runs(int exitCode, String out, String err, String usage, long millis) {
    /**
     * {@code spawnring.test.timeScale}: how many times slower than this 2-core host the machine
     * runs the tests (1; scripts/kernel-suite gives 20 to a VM on an emulated CPU). Every wait
     * for something to happen is an upper bound scaled by it, never an expected duration.
     */
    private static final int TIME_SCALE = Math.max(1, Integer.getInteger("spawnring.test.timeScale", 1));

    /** @return {@code millis} times {@code spawnring.test.timeScale}: how long to wait at most */
    public static long scaled(long millis) {
        return millis * TIME_SCALE;
    }

    /** @return {@link #scaled scaled} {@code millis} in seconds, as {@code sleep(1)} takes them */
    public static String scaledSeconds(long millis) {
        return Double.toString(scaled(millis) / 1000.0);
    }

    /** Runs {@code spawnring run args...} with empty stdin. */
    public static Runs run(String... args) {
        return withStdin("", args);
    }

    /** Runs {@code spawnring run args...} reading {@code stdin}. */
    public static Runs withStdin(String stdin, String... args) {
        StringWriter usage = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(usage));
        cl.setErr(new PrintWriter(usage));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        RunCommand run = cl.getSubcommands().get("run").getCommand();
        run.io(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err);
        String[] all = new String[args.length + 1];
        all[0] = "run";
        System.arraycopy(args, 0, all, 1, args.length);
        long t0 = System.nanoTime();
        int code = cl.execute(all);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        return new Runs(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                usage.toString(), millis);
    }

    /** What a run given bytes printed: its stdout and stderr as bytes, picocli's messages as text. */
    public record Raw(int exitCode, byte[] out, byte[] err, String usage) {
        /** @return everything, for assertion messages (the bytes shown as Latin-1) */
        public String all() {
            return "exit " + exitCode + "\n--- out\n" + new String(out, StandardCharsets.ISO_8859_1) + "--- err\n"
                    + new String(err, StandardCharsets.ISO_8859_1) + "--- usage\n" + usage;
        }
    }

    /**
     * Runs {@code spawnring run args...} in this JVM as {@code main} would with a command line
     * of these bytes: picocli parses the strings this JVM decodes from them, and the run is
     * given the bytes ({@link RawArguments}).
     */
    public static Raw withBytes(byte[] stdin, byte[]... args) {
        StringWriter usage = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(usage));
        cl.setErr(new PrintWriter(usage));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        List<byte[]> bytes = new ArrayList<>();
        all[0] = "run";
        bytes.add(all[0].getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < args.length; i++) {
            all[i + 1] = new String(args[i], Charset.forName(System.getProperty("sun.jnu.encoding")));
            bytes.add(args[i]);
        }
        RunCommand run = cl.getSubcommands().get("run").getCommand();
        run.io(new ByteArrayInputStream(stdin), out, err).arguments(all, new RawArguments(bytes, null));
        int code = cl.execute(all);
        return new Raw(code, out.toByteArray(), err.toByteArray(), usage.toString());
    }

    /**
     * Runs {@code spawnring run args...} in a JVM of its own started under {@code LC_ALL=C}
     * (Docker's and cron's locale: the JVM decodes its arguments as ASCII), in {@code dir}, with
     * {@code stdin} on its stdin; the command line is bytes, as a shell would pass them.
     */
    public static Raw underCLocale(Spawner spawner, Path dir, byte[] stdin, byte[]... args) throws Exception {
        List<byte[]> argv = new ArrayList<>();
        for (String a : runnerJvm()) {
            argv.add(a.getBytes(StandardCharsets.UTF_8));
        }
        argv.addAll(List.of(args));
        Path in = Files.write(dir.resolve(".stdin-" + System.nanoTime()), stdin);
        try {
            Result r = spawner.run(Command.ofBytes(argv).directory(dir).env("LC_ALL", "C").env("LANG", "C")
                    .stdin(Stdio.from(in))).get();
            return new Raw(r.status().exitValue(), r.stdout(), r.stderr(), "");
        } finally {
            Files.deleteIfExists(in);
        }
    }

    /** @return stdout's lines */
    public List<String> lines() {
        return linesOf(out);
    }

    /** @return everything, for assertion messages */
    public String all() {
        return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err + "--- usage\n" + usage;
    }

    /** @return live processes whose command line contains {@code marker} */
    public static List<Long> processesWith(String marker) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (Procs.Stat s : Procs.processes(s -> !s.state().equals("Z"))) {
            try {
                String cmdline = new String(Files.readAllBytes(Path.of("/proc/" + s.pid() + "/cmdline")),
                        StandardCharsets.UTF_8).replace('\0', ' ');
                if (cmdline.contains(marker)) {
                    pids.add(s.pid());
                }
            } catch (IOException gone) {
                // exited meanwhile
            }
        }
        return pids;
    }

    /** Waits up to {@code millis} ({@link #scaled}) for no live process to have {@code marker} in its command line. */
    public static List<Long> awaitNoProcessWith(String marker, long millis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + scaled(millis) * 1_000_000;
        List<Long> left = processesWith(marker);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            left = processesWith(marker);
        }
        return left;
    }

    /** Waits up to {@code millis} ({@link #scaled}) for no live process to be in group {@code pgid}. */
    public static List<Long> awaitGroupGone(long pgid, long millis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + scaled(millis) * 1_000_000;
        List<Long> left = Procs.processGroupMembers(pgid);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            left = Procs.processGroupMembers(pgid);
        }
        return left;
    }

    /** @return live {@code sleep SECONDS} processes (not the shells whose scripts name them) */
    public static List<Long> sleeps(String seconds) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (long pid : processesWith("sleep " + seconds)) {
            try {
                String cmdline = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")),
                        StandardCharsets.UTF_8);
                if (cmdline.equals("sleep\0" + seconds + "\0")) {
                    pids.add(pid);
                }
            } catch (IOException gone) {
                // exited meanwhile
            }
        }
        return pids;
    }

    /** Waits up to {@code millis} ({@link #scaled}) for {@code count} live {@code sleep SECONDS} processes. */
    public static boolean awaitSleeps(String seconds, int count, long millis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + scaled(millis) * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (sleeps(seconds).size() >= count) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /**
     * The argv that runs {@code spawnring run args...} in a JVM of its own, on the class path
     * (target/classes and picocli's jar, found from this JVM's module or class path).
     */
    public static List<String> runnerJvm(String... args) {
        List<String> cp = new ArrayList<>();
        for (String prop : List.of("jdk.module.path", "java.class.path")) {
            String v = System.getProperty(prop, "");
            for (String e : v.split(File.pathSeparator)) {
                if (!e.isEmpty() && (e.endsWith("target/classes") || e.contains("picocli")) && !cp.contains(e)) {
                    cp.add(e);
                }
            }
        }
        if (cp.stream().noneMatch(e -> e.contains("picocli"))) {
            cp.add(System.getProperty("user.home") + "/.m2/repository/info/picocli/picocli/4.7.7/picocli-4.7.7.jar");
        }
        if (cp.stream().noneMatch(e -> e.endsWith("target/classes"))) {
            cp.add(Path.of("target/classes").toAbsolutePath().toString());
        }
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", String.join(File.pathSeparator, cp), "dev.spawnring.cli.Main", "run"));
        argv.addAll(List.of(args));
        return argv;
    }

    /**
     * Starts the runner JVM with spawnring itself, so it gets default signal dispositions
     * (SIGINT is not ignored, as it may be in a background job), its stdout and stderr to files.
     */
    public static Child startRunnerJvm(Spawner spawner, Path dir, String... args) throws IOException {
        return spawner.spawn(Command.of(runnerJvm(args)).stdin(Stdio.discard())
                .stdout(Stdio.to(dir.resolve("out"))).stderr(Stdio.to(dir.resolve("err"))));
    }

    /** @return the text of a file, empty when it does not exist */
    public static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p) : "";
    }

    /** @return the lines of {@code text} */
    public static List<String> linesOf(String text) {
        return text.isEmpty() ? List.of() : Stream.of(text.split("\n")).toList();
    }
}
