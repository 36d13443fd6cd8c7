package dev.spawnring.cli;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.ExitStatus;
import dev.spawnring.SpawnException;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Cqe;
import dev.spawnring.uring.Ring;
import dev.spawnring.uring.Sqe;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code spawnring chain}: submits one CLONE/EXEC chain and prints one line per
 * completion, then the child's exit. A demonstration of the contract and a tool to
 * see which step of a spawn fails and why. Everything happens in the child, through the
 * ring API: {@code --stdout} is an OPENAT and a DUP2 there, after the child has unshared
 * its fd table ({@code CLONE_FILES} and a CLOSE_RANGE with {@code CLOSE_RANGE_UNSHARE}).
 *
 * <pre>
 * ./spawnring chain --path-search touch /tmp/x
 * step  op          user_data  res
 * 0     CLONE       0          41235
 * 1     EXEC        1          -2 ENOENT     /usr/local/bin/touch
 * ...
 * </pre>
 */
@Command(name = "chain", mixinStandardHelpOptions = true,
        description = "Run one CLONE -> [CLOSE_RANGE -> OPENAT -> DUP2 -> CLOSE] -> [CHDIR] -> EXEC... chain and "
                + "print every completion.")
public final class ChainCommand implements Callable<Integer> {
    @Option(names = "--path-search", description = "One hardlinked EXEC per $PATH directory, searched in the child.")
    boolean pathSearch;

    @Option(names = "--stdout", paramLabel = "FILE",
            description = "Open FILE (created, truncated) in the child and DUP2 it onto fd 1 (OPENAT, DUP2 and CLOSE steps).")
    String stdout;

    @Option(names = "--chdir", paramLabel = "DIR", description = "Add a CHDIR step.")
    String chdir;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Parameters(index = "0", paramLabel = "PROGRAM", description = "The program: a path, or a name with --path-search.")
    String program;

    @Parameters(index = "1..*", paramLabel = "ARG", description = "Its arguments.")
    List<String> args = new ArrayList<>();

    @Spec
    CommandSpec spec;

    private record Step(String op, String detail) {
    }

    @Override
    public Integer call() throws IOException {
        String[] argv = new String[args.size() + 1];
        argv[0] = program;
        for (int i = 0; i < args.size(); i++) {
            argv[i + 1] = args.get(i);
        }
        String[] envp = System.getenv().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        List<String> candidates = candidates();
        List<Step> steps = new ArrayList<>();
        List<Map<String, Object>> cqes = new ArrayList<>();
        Map<String, Object> exit = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined(); Ring ring = Ring.open(Math.max(16, candidates.size() + 8))) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment cArgv = cStrings(arena, argv);
            MemorySegment cEnvp = cStrings(arena, envp);
            if (stdout != null) {
                // The child starts on our fd table and first gives itself a copy holding 0-2 only:
                // the file it opens then lands on the lowest free fd, known here.
                int opened = lowestFreeFd();
                add(steps, ring.getSqe().prepClone(pidfd, CLONE_FILES), "CLONE", "CLONE_FILES");
                add(steps, ring.getSqe().prepCloseRange(3, ~0, CLOSE_RANGE_UNSHARE), "CLOSE_RANGE",
                        "3.. (unshare the fd table)");
                String file = Path.of(stdout).toAbsolutePath().toString();
                add(steps, ring.getSqe().prepOpenat(AT_FDCWD, file, O_WRONLY | O_CREAT | O_TRUNC, 0644), "OPENAT",
                        file);
                if (opened != 1) {
                    add(steps, ring.getSqe().prepDup2(opened, 1), "DUP2", opened + " -> 1 (" + stdout + ")");
                    add(steps, ring.getSqe().prepClose(opened), "CLOSE", String.valueOf(opened));
                }
            } else {
                add(steps, ring.getSqe().prepClone(pidfd), "CLONE", "");
            }
            if (chdir != null) {
                add(steps, ring.getSqe().prepChdir(chdir), "CHDIR", chdir);
            }
            for (int i = 0; i < candidates.size(); i++) {
                MemorySegment path = arena.allocateFrom(candidates.get(i));
                Sqe exec = ring.getSqe().prepExecveat(AT_FDCWD, path, cArgv, cEnvp, 0);
                add(steps, exec, "EXEC", candidates.get(i));
                exec.flags(IOSQE_IO_HARDLINK);
            }
            ring.submit();
            int pid = 0;
            for (int i = 0; i < steps.size(); i++) {
                Cqe cqe = ring.waitCqe();
                Step step = steps.get((int) cqe.userData());
                if (cqe.userData() == 0) {
                    pid = cqe.res();
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("step", cqe.userData());
                row.put("op", step.op());
                row.put("user_data", cqe.userData());
                row.put("res", cqe.res());
                row.put("errno", cqe.res() < 0 ? SpawnException.errnoName(cqe.res()) : null);
                row.put("detail", step.detail());
                cqes.add(row);
                ring.cqeSeen(cqe);
            }
            if (pid > 0) {
                int fd = pidfd.get(ValueLayout.JAVA_INT, 0);
                if (ring.probe().supports(IORING_OP_WAITID)) {
                    reap(ring, arena, fd, exit);
                } else { // io_uring before Linux 6.7: the emulated ring's WAITID, on the same pidfd
                    try (Ring waiter = Ring.open(2, Backend.FALLBACK)) {
                        reap(waiter, arena, fd, exit);
                    }
                }
            }
        }
        print(cqes, exit);
        return Integer.valueOf(0).equals(exit.get("code")) ? Main.EXIT_OK : Main.EXIT_FAILED;
    }

    private List<String> candidates() {
        List<String> out = new ArrayList<>();
        if (!pathSearch || program.contains("/")) {
            out.add(program);
            return out;
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(":")) {
            out.add((dir.isEmpty() ? "." : dir) + "/" + program);
        }
        return out;
    }

    private static void add(List<Step> steps, Sqe sqe, String op, String detail) {
        sqe.userData(steps.size()).flags(IOSQE_IO_LINK);
        steps.add(new Step(op, detail));
    }

    /**
     * The fd an open in the child gets once it has closed everything from 3 up: the lowest of
     * 0, 1, 2 this process has closed, else 3.
     */
    private static int lowestFreeFd() {
        for (int fd = 0; fd < 3; fd++) {
            if (!Files.exists(Path.of("/proc/self/fd/" + fd))) {
                return fd;
            }
        }
        return 3;
    }

    /** A NULL-terminated array of C strings, as execve takes argv and envp. */
    private static MemorySegment cStrings(Arena arena, String[] strings) {
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, strings.length + 1L);
        for (int i = 0; i < strings.length; i++) {
            if (strings[i].indexOf('\0') >= 0) {
                throw new IllegalArgumentException("a NUL character in " + strings[i].replace("\0", "\\0"));
            }
            array.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(strings[i]));
        }
        array.setAtIndex(ValueLayout.ADDRESS, strings.length, MemorySegment.NULL);
        return array;
    }

    /** Waits for the child with WAITID on its pidfd, closes the pidfd (a CLOSE) and describes how it ended. */
    private static void reap(Ring ring, Arena arena, int pidfd, Map<String, Object> exit) throws IOException {
        MemorySegment info = arena.allocate(SIGINFO_SIZE);
        ring.getSqe().prepWaitid(P_PIDFD, pidfd, info, WEXITED, 0).userData(Long.MAX_VALUE).flags(IOSQE_IO_HARDLINK);
        ring.getSqe().prepClose(pidfd).userData(Long.MAX_VALUE - 1);
        ring.submit();
        int waited = -1;
        for (int i = 0; i < 2; i++) {
            Cqe cqe = ring.waitCqe();
            if (cqe.userData() == Long.MAX_VALUE) {
                waited = cqe.res();
            }
            ring.cqeSeen(cqe);
        }
        if (waited < 0) {
            throw new IOException("waitid: " + SpawnException.errnoName(waited) + " ("
                    + SpawnException.errnoMessage(waited) + ")");
        }
        ExitStatus status = ExitStatus.fromSiginfo(info);
        if (status.exited()) {
            exit.put("code", status.code());
        } else {
            exit.put("signal", status.signal());
        }
    }

    private void print(List<Map<String, Object>> cqes, Map<String, Object> exit) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("cqes", cqes);
            all.put("exit", exit);
            out.println(Json.write(all));
        } else {
            out.printf("%-5s %-11s %-10s %s%n", "step", "op", "user_data", "res");
            for (Map<String, Object> row : cqes) {
                int res = (Integer) row.get("res");
                String r = res < 0 ? res + " " + row.get("errno") : String.valueOf(res);
                out.println(String.format("%-5s %-11s %-10s %-13s %s", row.get("step"), row.get("op"),
                        row.get("user_data"), r, row.get("detail")).stripTrailing());
            }
            out.println(exit.containsKey("code") ? "exit: code " + exit.get("code")
                    : exit.containsKey("signal") ? "exit: killed by signal " + exit.get("signal") : "exit: none");
        }
        out.flush();
    }
}
