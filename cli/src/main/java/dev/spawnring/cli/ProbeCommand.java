package dev.spawnring.cli;

import static dev.spawnring.uring.IoUring.IORING_OP_WAITID;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeLibrary;
import dev.spawnring.internal.sys.Sys;
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

/** {@code spawnring probe}: what this kernel offers spawnring and which backend it picks. */
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

    /** The facts, in the order they are printed. */
    static Map<String, Object> facts() throws IOException {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("kernel", readTrimmed("/proc/sys/kernel/osrelease"));
        f.put("io_uring_disabled", readTrimmed("/proc/sys/kernel/io_uring_disabled"));
        String reason = Ring.ioUringUnavailableReason();
        f.put("io_uring", reason == null ? "usable" : "unusable: " + reason);
        String forced = System.getProperty(Backend.PROPERTY);
        try (Ring ring = Ring.open(8)) {
            f.put("backend", ring.backend().name() + (forced != null ? " (forced by -D" + Backend.PROPERTY + ")" : ""));
            if (ring.backend() == Backend.IO_URING) {
                f.put("setup_flags", "0x" + Integer.toHexString(ring.setupFlags()));
                f.put("features", "0x" + Integer.toHexString(ring.features()));
            }
            Probe probe = ring.probe();
            f.put("opcodes", probe.supportedNames());
            f.put("waitid", probe.supports(IORING_OP_WAITID) ? "yes" : "no");
        }
        int pidfd = Sys.pidfdOpen(Sys.getpid(), 0);
        f.put("pidfd", pidfd >= 0 ? "yes" : "no: pidfd_open: " + Errno.describe(-pidfd));
        if (pidfd >= 0) {
            Sys.close(pidfd);
        }
        // clone3 with a NULL argument: EFAULT/EINVAL means it is there, ENOSYS that it is not (or is filtered).
        long r = Sys.syscall(Sys.SYS_clone3, 0L, 0L);
        f.put("clone3", r == -Errno.ENOSYS ? "no: clone3: " + Errno.describe(Errno.ENOSYS) : "yes");
        f.put("native", NativeLibrary.version());
        f.put("signals_max", Linux.NSIG_MAX);
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
