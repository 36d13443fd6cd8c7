import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.PumpStreamHandler;

/**
 * A workload for the agent's proof: Apache Commons Exec, used as its documentation shows
 * (CommandLine, DefaultExecutor, PumpStreamHandler), runs N short commands one after another, as
 * a build tool or a CI agent does, capturing each one's stdout and stderr and feeding some their
 * stdin. It prints every command's output and exit value, then (on stderr) the figures of this JVM:
 * wall time, CPU time and the most threads it had at once.
 *
 * <pre>java -cp commons-exec.jar CommonsExecWorkload.java [N]</pre>
 */
public class CommonsExecWorkload {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1200;
        long start = System.nanoTime();
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        StringBuilder transcript = new StringBuilder();
        for (int i = 0; i < n; i++) {
            CommandLine cmd;
            byte[] input = null;
            switch (i % 6) {
                case 0 -> cmd = CommandLine.parse("echo line " + i);
                case 1 -> cmd = new CommandLine("printf").addArgument("%05d|%s", false).addArgument(String.valueOf(i))
                        .addArgument("two words", false);
                case 2 -> cmd = new CommandLine("sh").addArgument("-c").addArgument("echo $((" + i + " * " + i + ")); echo err" + i + " >&2", false);
                case 3 -> {
                    cmd = CommandLine.parse("tr a-z A-Z");
                    input = ("hello " + i + "\n").getBytes(StandardCharsets.UTF_8);
                }
                case 4 -> {
                    cmd = CommandLine.parse("sha256sum");
                    input = ("data-" + i).getBytes(StandardCharsets.UTF_8);
                }
                default -> cmd = new CommandLine("sh").addArgument("-c").addArgument("exit " + (i % 7), false);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            DefaultExecutor executor = DefaultExecutor.builder().get();
            executor.setStreamHandler(input == null ? new PumpStreamHandler(out, err)
                    : new PumpStreamHandler(out, err, new ByteArrayInputStream(input)));
            int exit;
            try {
                exit = executor.execute(cmd);
            } catch (ExecuteException e) {
                exit = e.getExitValue();
            }
            String line = i + " exit=" + exit + " out=" + out.toString(StandardCharsets.UTF_8).replace("\n", "\\n")
                    + " err=" + err.toString(StandardCharsets.UTF_8).replace("\n", "\\n") + "\n";
            transcript.append(line);
        }
        byte[] bytes = transcript.toString().getBytes(StandardCharsets.UTF_8);
        System.out.print(transcript);
        System.out.println("sha256 " + HexFormat.of().formatHex(digest.digest(bytes)));
        long wallMillis = (System.nanoTime() - start) / 1_000_000;
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuMillis = os.getProcessCpuTime() / 1_000_000;
        int peakThreads = ManagementFactory.getThreadMXBean().getPeakThreadCount();
        System.err.printf("figures: commands=%d wall_ms=%d jvm_cpu_ms=%d peak_threads=%d process_class=%s%n", n, wallMillis,
                cpuMillis, peakThreads, new ProcessBuilder("true").start().getClass().getName());
    }
}
