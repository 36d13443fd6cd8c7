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
 * {@link Platform#probe()}, each feature as "yes: the path taken" or "no: why; the path taken",
 * and what the ring reports of itself (setup flags, features, opcodes).
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Print the kernel version, whether io_uring is usable (or why not), the backend "
                + "Ring.open picks, the opcodes the kernel supports, and whether pidfd, clone3 and WAITID are there.")
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
                String text = v instanceof List<?> l ? String.join(" ", l.stream().map(String::valueOf).toList())
                        : String.valueOf(v);
                out.printf("%-22s %s%n", e.getKey() + ":", text);
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }

    /** Where each feature is printed, under a short name. */
    private static final Map<String, String> KEYS = Map.of(Platform.IORING_OP_WAITID, "waitid",
            Platform.PIDFD_OPEN, "pidfd", Platform.CLONE3, "clone3",
            Platform.PIDFD_SIGNAL_PROCESS_GROUP, "group_signal", Platform.MEMFD_CREATE, "memfd");

    /** The facts, in the order they are printed. */
    static Map<String, Object> facts() throws IOException {
        Platform.Report report = Platform.probe();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("kernel", report.kernel());
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
        }
        for (Platform.Feature feature : report.features()) {
            String key = KEYS.get(feature.name());
            if (key != null) {
                f.put(key, feature.available() ? "yes: " + feature.path()
                        : "no: " + feature.reason() + "; " + feature.path());
            }
        }
        f.put("native", report.nativeLibrary());
        f.put("signals_max", Signal.SIGRTMAX);
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
