package dev.spawnring.internal.process;

import dev.spawnring.TreeKill;
import dev.spawnring.TreeUsage;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cgroup v2 made for one child (its "tree"): created before the clone, which puts the
 * child in it ({@code CLONE_INTO_CGROUP}, so the child never runs outside it); killed whole
 * with {@code cgroup.kill} (Linux 5.14), or, where that file is missing, frozen
 * ({@code cgroup.freeze}), each member sent SIGKILL through a pidfd, and thawed; its usage read
 * from {@code cpu.stat}, {@code memory.peak} and {@code pids.peak}; removed ({@code rmdir}) once
 * {@code cgroup.events} says {@code populated 0}.
 *
 * <p>Files are the kernel's; the directory fd (for the clone) and the {@code cgroup.events}
 * fd (polled for {@code POLLPRI}, which the kernel raises when the file changes) are raw fds.
 * Any thread; {@link #kill} and {@link #remove} are idempotent.
 */
public final class Cgroup {
    /** The limits a command may ask for, each the file of its controller. */
    public static final List<String> LIMIT_FILES = List.of("memory.max", "memory.high", "memory.swap.max",
            "pids.max", "cpu.max", "cpu.weight");
    private static final AtomicLong SEQUENCE = new AtomicLong();
    /**
     * A system property for tests: {@code true} takes the freeze path even where
     * {@code cgroup.kill} exists (as a kernel before 5.14 would).
     */
    public static final String NO_CGROUP_KILL_PROPERTY = "spawnring.debug.noCgroupKill";

    private final Path path;
    private final String name;
    /** The cgroup's directory, for CLONE_INTO_CGROUP; -1 once the clone is done. */
    private int dirFd;
    /** cgroup.events, read with pread and polled for POLLPRI; -1 once removed. */
    private int eventsFd;
    private boolean removed;

    private Cgroup(Path path, int dirFd, int eventsFd) {
        this.path = path;
        this.name = path.getFileName().toString();
        this.dirFd = dirFd;
        this.eventsFd = eventsFd;
    }

    /** Why a cgroup could not be made: the step (a file, a limit) and its errno. */
    public static class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final String step;
        private final int errno;

        Refused(String step, int errno) {
            super(step + ": " + Errno.name(errno));
            this.step = step;
            this.errno = errno;
        }

        /** @return what failed, e.g. {@code "mkdir /sys/fs/cgroup/x/spawnring-1-1"} */
        public String step() {
            return step;
        }

        /** @return its positive errno */
        public int errno() {
            return errno;
        }
    }

    /**
     * Makes a new cgroup under {@code parent}, named {@code spawnring-<jvm pid>-<n>}, with
     * {@code limits} written to it.
     *
     * @throws Refused when the directory cannot be made (the tree falls back), or
     *                 {@link LimitRefused} when a limit cannot be set (the spawn fails)
     */
    static Cgroup create(Path parent, Map<String, String> limits) throws Refused {
        Path dir;
        while (true) {
            dir = parent.resolve("spawnring-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet());
            try {
                Files.createDirectory(dir);
                break;
            } catch (FileAlreadyExistsException e) {
                // left by an earlier JVM of the same pid: take the next number
            } catch (IOException e) {
                throw new Refused("mkdir " + dir, errno(e));
            }
        }
        int dirFd = Sys.openat(Linux.AT_FDCWD, dir.toString(), Linux.O_RDONLY | Linux.O_DIRECTORY | Linux.O_CLOEXEC, 0);
        int eventsFd = dirFd < 0 ? dirFd
                : Sys.openat(Linux.AT_FDCWD, dir.resolve("cgroup.events").toString(), Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
        if (dirFd < 0 || eventsFd < 0) {
            if (dirFd >= 0) {
                Sys.close(dirFd);
            }
            rmdirQuietly(dir);
            throw new Refused("open " + dir + (dirFd < 0 ? "" : "/cgroup.events"), -(dirFd < 0 ? dirFd : eventsFd));
        }
        Cgroup cg = new Cgroup(dir, dirFd, eventsFd);
        try {
            for (Map.Entry<String, String> limit : limits.entrySet()) {
                cg.limit(parent, limit.getKey(), limit.getValue());
            }
        } catch (LimitRefused e) {
            cg.cloneFailed();
            throw e;
        }
        return cg;
    }

    /** A limit asked for cannot be set: the spawn fails, with the reason. */
    public static final class LimitRefused extends Refused {
        private static final long serialVersionUID = 1L;

        LimitRefused(String step, int errno) {
            super(step, errno);
        }
    }

    private void limit(Path parent, String file, String value) throws LimitRefused {
        String controller = file.substring(0, file.indexOf('.'));
        String step = "cgroup " + file + " " + value;
        Path f = path.resolve(file);
        if (!Files.exists(f)) {
            String enabled = readQuietly(parent.resolve("cgroup.subtree_control")).strip();
            String available = readQuietly(parent.resolve("cgroup.controllers")).strip();
            throw new LimitRefused(step + " (the " + controller + " controller is not enabled for the cgroups under "
                    + parent + ": its cgroup.subtree_control holds " + (enabled.isEmpty() ? "none" : enabled)
                    + ", its cgroup.controllers " + (available.isEmpty() ? "none" : available) + ")",
                    Errno.EOPNOTSUPP);
        }
        try {
            Files.writeString(f, value);
        } catch (IOException e) {
            throw new LimitRefused(step, errno(e));
        }
    }

    /** @return the cgroup's directory */
    public Path path() {
        return path;
    }

    /** @return the fd of the directory, for CLONE_INTO_CGROUP */
    int dirFd() {
        return dirFd;
    }

    /** The clone is done: the directory fd is no longer needed. */
    void cloned() {
        if (dirFd >= 0) {
            Sys.close(dirFd);
            dirFd = -1;
        }
    }

    /** The clone failed: nothing is in the cgroup; it goes. */
    void cloneFailed() {
        cloned();
        remove();
    }

    /**
     * @return the cgroup.events fd the loop polls ({@code POLLPRI}) and reads: that open file
     *         alone, so no other reader takes the change its poll waits for; -1 once removed
     */
    synchronized int eventsFd() {
        return eventsFd;
    }

    /**
     * Loop thread: whether a process is in the cgroup, read on the polled fd (which re-arms
     * its change notice: a change after this read makes the next POLL_ADD complete at once).
     */
    synchronized boolean populatedByPolledFd() {
        if (removed) {
            return false;
        }
        MemorySegment buf = NativeMemory.calloc(256);
        try {
            long n = Sys.pread(eventsFd, buf, 255, 0);
            return n > 0 && buf.getString(0, StandardCharsets.US_ASCII).contains("populated 1");
        } finally {
            NativeMemory.free(buf);
        }
    }

    /** @return whether a process is in the cgroup ({@code populated 1}); false once removed */
    public synchronized boolean populated() {
        return !removed && events().contains("populated 1");
    }

    private String events() {
        return readQuietly(path.resolve("cgroup.events"));
    }

    /**
     * Kills every process in the cgroup: {@code cgroup.kill} where the kernel has it (5.14),
     * else freeze, SIGKILL each member through a pidfd (the frozen members cannot exit, fork or
     * leave, so the pid read names the member), thaw.
     *
     * @return how, or {@link TreeKill#NONE} when the cgroup is already gone or empty
     */
    public synchronized TreeKill kill() {
        if (removed) {
            return TreeKill.NONE;
        }
        Path killFile = path.resolve("cgroup.kill");
        if (!Boolean.getBoolean(NO_CGROUP_KILL_PROPERTY) && Files.exists(killFile)) {
            try {
                Files.writeString(killFile, "1");
                return TreeKill.CGROUP_KILL;
            } catch (IOException e) {
                // fall through to the freezer
            }
        }
        return freezeAndKill();
    }

    private TreeKill freezeAndKill() {
        Path freeze = path.resolve("cgroup.freeze");
        try {
            Files.writeString(freeze, "1");
            // Freezing is asynchronous: cgroup.events says "frozen 1" once every member is.
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!events().contains("frozen 1") && events().contains("populated 1")
                    && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                Thread.sleep(1);
            }
            for (String line : Files.readAllLines(path.resolve("cgroup.procs"))) {
                if (!line.isBlank()) {
                    killMember(Long.parseLong(line.strip()));
                }
            }
            return TreeKill.CGROUP_FREEZE;
        } catch (IOException | InterruptedException | NumberFormatException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return TreeKill.CGROUP_FREEZE;
        } finally {
            try {
                Files.writeString(freeze, "0");
            } catch (IOException e) {
                // removed meanwhile
            }
        }
    }

    /** SIGKILL to {@code pid} through a pidfd, once /proc says that pid is in this cgroup. */
    private void killMember(long pid) {
        int fd = Sys.pidfdOpen(pid, 0);
        if (fd < 0) {
            return; // gone
        }
        try {
            // With the pidfd held the pid names this process for as long as we look at it.
            String cgroup = readQuietly(Path.of("/proc", Long.toString(pid), "cgroup"));
            if (cgroup.lines().anyMatch(l -> l.startsWith("0::") && l.endsWith("/" + name))) {
                Sys.pidfdSendSignal(fd, Linux.SIGKILL, 0);
            }
        } finally {
            Sys.close(fd);
        }
    }

    /**
     * @return what the cgroup has used so far: CPU from {@code cpu.stat} (there in every v2
     *         cgroup), peaks where the memory and pids controllers are enabled; null once removed
     */
    public synchronized TreeUsage usage() {
        if (removed) {
            return null;
        }
        long user = -1;
        long system = -1;
        for (String line : readQuietly(path.resolve("cpu.stat")).split("\n")) {
            if (line.startsWith("user_usec ")) {
                user = parse(line.substring(10));
            } else if (line.startsWith("system_usec ")) {
                system = parse(line.substring(12));
            }
        }
        return new TreeUsage(user < 0 ? null : Duration.ofNanos(user * 1000),
                system < 0 ? null : Duration.ofNanos(system * 1000),
                parse(readQuietly(path.resolve("memory.peak")).strip()),
                parse(readQuietly(path.resolve("pids.peak")).strip()));
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Removes the cgroup if it is empty.
     *
     * @return true when it is gone (now or before); false while a process is still in it
     */
    public synchronized boolean remove() {
        if (removed) {
            return true;
        }
        try {
            removeChildCgroups();
            Files.delete(path);
        } catch (NoSuchFileException e) {
            // gone already
        } catch (IOException e) {
            return false; // EBUSY: populated
        }
        removed = true;
        Sys.close(eventsFd);
        eventsFd = -1;
        cloned();
        return true;
    }

    /**
     * Removes the cgroups a process of the tree made inside this one (a tree may manage its
     * own), deepest first: a cgroup with children cannot be removed. Each fails while populated.
     */
    private void removeChildCgroups() throws IOException {
        List<Path> dirs;
        try (var walk = Files.walk(path)) {
            dirs = walk.filter(p -> !p.equals(path) && Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .sorted(java.util.Comparator.comparingInt(Path::getNameCount).reversed()).toList();
        }
        for (Path d : dirs) {
            Files.deleteIfExists(d);
        }
    }

    /** @return whether {@link #remove} has removed it */
    public synchronized boolean removed() {
        return removed;
    }

    static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static void rmdirQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** The errno behind a java.nio exception, as well as it can be told. */
    static int errno(IOException e) {
        if (e instanceof NoSuchFileException) {
            return Errno.ENOENT;
        }
        if (e instanceof AccessDeniedException) {
            return Errno.EACCES;
        }
        String reason = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        if (reason != null) {
            String[] words = {"Read-only file system", "Device or resource busy", "Operation not permitted",
                "Invalid argument", "Not a directory", "No space left on device", "Operation not supported"};
            int[] numbers = {Errno.EROFS, Errno.EBUSY, Errno.EPERM, Errno.EINVAL, Errno.ENOTDIR, Errno.ENOSPC,
                Errno.EOPNOTSUPP};
            for (int i = 0; i < words.length; i++) {
                if (reason.contains(words[i])) {
                    return numbers[i];
                }
            }
        }
        return Errno.EIO;
    }

    /** @return the members' pids, for tests and messages */
    List<Long> members() {
        List<Long> out = new ArrayList<>();
        for (String line : readQuietly(path.resolve("cgroup.procs")).split("\n")) {
            long pid = parse(line);
            if (pid > 0) {
                out.add(pid);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
