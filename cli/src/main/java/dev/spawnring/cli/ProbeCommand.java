package dev.spawnring.cli;

import dev.spawnring.Platform;
import dev.spawnring.Signal;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Probe;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code spawnring probe}: what this kernel offers spawnring and which backend it picks:
 * whether it meets the minimum, what the ring reports of itself (setup flags, features,
 * opcodes), and {@link Platform#probe()}'s every feature as "yes: the path taken" or
 * "no: why; the path taken".
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Print the kernel version, whether it meets spawnring's minimum, whether io_uring is usable "
                + "(or why not), the backend Ring.open picks, the opcodes the kernel supports, and each kernel "
                + "feature spawnring uses: whether this kernel has it and which path spawnring takes.")
public final class ProbeCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Map<String, Object> facts = facts();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(facts));
        } else {
            for (Map.Entry<String, Object> e : facts.entrySet()) {
                Object v = e.getValue();
                if (v instanceof Map<?, ?> features) {
                    out.println(e.getKey() + ": (each: yes: the path taken, or no: why not; the path taken)");
                    features.forEach((name, text) -> out.printf("  %-32s %s%n", name, text));
                    continue;
                }
                String text = v instanceof List<?> l ? String.join(" ", l.stream().map(String::valueOf).toList())
                        : String.valueOf(v);
                out.printf("%-22s %s%n", e.getKey() + ":", text);
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }

    /** What spawnring cannot do without: a kernel that lacks one is below the minimum. */
    private static final List<String> REQUIRED = List.of(Platform.PIDFD_OPEN, Platform.PIDFD_SEND_SIGNAL,
            Platform.WAITID_P_PIDFD, Platform.CLOSE_RANGE_CLOEXEC, Platform.CLOSE_RANGE_UNSHARE);

    /** The facts, in the order they are printed; the last, {@code per_feature}, one line per feature. */
    static Map<String, Object> facts() throws IOException {
        Platform.Report report = Platform.probe();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("kernel", report.kernel());
        List<String> missing = REQUIRED.stream().filter(name -> !report.feature(name).available()).toList();
        f.put("minimum", "Linux " + Platform.MINIMUM_KERNEL + (missing.isEmpty() ? ": met"
                : ": not met, this kernel lacks " + String.join(", ", missing)));
        f.put("io_uring_disabled", readTrimmed("/proc/sys/kernel/io_uring_disabled"));
        Platform.Feature uring = report.feature(Platform.IO_URING);
        f.put("io_uring", uring.available() ? "usable" : "unusable: " + uring.reason());
        String forced = System.getProperty(Backend.PROPERTY);
        f.put("backend", report.backend().name() + (forced != null ? " (forced by -D" + Backend.PROPERTY + ")" : ""));
        try (Ring ring = Ring.open(8)) {
            if (ring.backend() == Backend.IO_URING) {
                f.put("setup_flags", "0x" + Integer.toHexString(ring.setupFlags()));
                f.put("features", "0x" + Integer.toHexString(ring.features()));
            }
            Probe probe = ring.probe();
            f.put("opcodes", probe.supportedNames());
        } catch (IOException e) {
            f.put("ring", "cannot be opened: " + e.getMessage());
        }
        f.put("native", report.nativeLibrary());
        f.put("signals_max", Signal.SIGRTMAX);
        Map<String, String> perFeature = new LinkedHashMap<>();
        for (Platform.Feature feature : report.features()) {
            perFeature.put(feature.name(), feature.available() ? "yes: " + feature.path()
                    : "no: " + feature.reason() + "; " + feature.path());
        }
        f.put("per_feature", perFeature);
        return f;
    }

    private static String readTrimmed(String path) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
