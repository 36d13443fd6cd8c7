package dev.spawnring.testing;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.spawnring.testkit.Procs;
import dev.spawnring.internal.sys.NativeMemory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What this JVM holds that a spawn could leak, counted from the kernel's and the C heap's
 * point of view: open fds, zombie and live children, io_uring mappings, threads, live
 * {@link NativeMemory} blocks (exact, {@code -Dspawnring.debug.nativeMemory=true}) and the
 * bytes glibc's malloc has handed out ({@code mallinfo2}, which also sees what the JDK
 * allocates on spawnring's behalf, e.g. for arenas).
 */
public record Leaks(Map<Integer, String> openFds, List<Long> zombies, long liveChildren, long uringMaps,
        List<String> spawnringThreads, int threads, long nativeBlocks, long mallocBytes) {

    /** {@code struct mallinfo2}: ten {@code size_t}; {@code uordblks} (in use) is the 8th, {@code hblkhd} (mmapped) the 5th. */
    private static final MemoryLayout MALLINFO2 = MemoryLayout.structLayout(
            JAVA_LONG.withName("arena"), JAVA_LONG.withName("ordblks"), JAVA_LONG.withName("smblks"),
            JAVA_LONG.withName("hblks"), JAVA_LONG.withName("hblkhd"), JAVA_LONG.withName("usmblks"),
            JAVA_LONG.withName("fsmblks"), JAVA_LONG.withName("uordblks"), JAVA_LONG.withName("fordblks"),
            JAVA_LONG.withName("keepcost"));
    private static final MethodHandle MALLINFO = Linker.nativeLinker().defaultLookup().find("mallinfo2")
            .map(f -> Linker.nativeLinker().downcallHandle(f, FunctionDescriptor.of(MALLINFO2)))
            .orElse(null);

    /**
     * The state once what was given back asynchronously before has settled: after a GC (a
     * cleaner closes the streams earlier tests dropped) and once the fd count has not moved for
     * 200 ms (loops and their helper threads close rings as they end), at most 5 s.
     *
     * @return the state to compare with after the work under test
     */
    public static Leaks settled() throws Exception {
        System.gc();
        long deadline = System.nanoTime() + 5_000_000_000L;
        long fds = Procs.fdCount();
        int still = 0;
        while (still < 4 && System.nanoTime() < deadline) {
            Thread.sleep(50);
            long now = Procs.fdCount();
            still = now == fds ? still + 1 : 0;
            fds = now;
        }
        return now();
    }

    public static Leaks now() throws IOException {
        long self = ProcessHandle.current().pid();
        List<String> ours = new ArrayList<>();
        int threads = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            threads++;
            if (t.getName().startsWith("spawnring")) {
                ours.add(t.getName());
            }
        }
        ours.sort(null);
        long uringMaps;
        try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
            uringMaps = maps.filter(l -> l.contains("io_uring")).count();
        }
        return new Leaks(Procs.openFds(), Procs.zombieChildren(),
                ProcessHandle.current().children().filter(ProcessHandle::isAlive).count(), uringMaps,
                List.copyOf(ours), threads, NativeMemory.liveBlocks(), mallocInUse());
    }

    /** Bytes in use in glibc's heap (all arenas, mmapped chunks included), or -1 without mallinfo2. */
    public static long mallocInUse() {
        if (MALLINFO == null) {
            return -1;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = (MemorySegment) MALLINFO.invokeExact((SegmentAllocator) arena);
            return m.get(JAVA_LONG, 7 * 8) + m.get(JAVA_LONG, 4 * 8);
        } catch (Throwable t) {
            throw new AssertionError("mallinfo2", t);
        }
    }

    /**
     * Waits (at most 5 s) for what is given back asynchronously (stream fds and buffers go back
     * on a loop thread) and compares with {@code before}: no fd opened since and left open, and
     * no more of them (an fd something else closed meanwhile is no leak: where suites share a
     * JVM, as under {@code IoUringDeniedSuiteTest}, a cleaner closes the streams earlier tests
     * dropped); children, io_uring mappings and NativeMemory blocks exactly (the counting suites
     * run in a JVM of their own, {@link Isolation}); threads within 2 (the JVM's own come and go).
     *
     * @param mallocSlack the growth of the C heap tolerated: the JIT, the GC and the JDK's own
     *                    native allocations move it by a few MiB whatever spawnring does
     * @return the state after, for the report
     */
    public static Leaks assertBackTo(Leaks before, long mallocSlack, String what) throws Exception {
        Leaks after = now();
        for (int i = 0; i < 500 && !after.within(before, mallocSlack); i++) {
            Thread.sleep(10);
            after = now();
        }
        StringBuilder bad = new StringBuilder();
        Map<Integer, String> opened = after.openedSince(before);
        if (!opened.isEmpty() || after.fds() > before.fds()) {
            bad.append("\n  fds: ").append(before.fds()).append(" -> ").append(after.fds()).append(", opened and left open: ")
                    .append(opened);
        }
        if (!after.zombies.isEmpty()) {
            bad.append("\n  zombie children: ").append(after.zombies);
        }
        if (after.liveChildren != before.liveChildren) {
            bad.append("\n  live children: ").append(before.liveChildren).append(" -> ").append(after.liveChildren);
        }
        if (after.uringMaps != before.uringMaps) {
            bad.append("\n  io_uring mappings: ").append(before.uringMaps).append(" -> ").append(after.uringMaps);
        }
        if (!before.spawnringThreads.containsAll(after.spawnringThreads)) {
            bad.append("\n  spawnring threads: ").append(before.spawnringThreads).append(" -> ")
                    .append(after.spawnringThreads);
        }
        if (after.threads > before.threads + 2) {
            bad.append("\n  threads: ").append(before.threads).append(" -> ").append(after.threads);
        }
        if (after.nativeBlocks != before.nativeBlocks) {
            bad.append("\n  live NativeMemory blocks: ").append(before.nativeBlocks).append(" -> ")
                    .append(after.nativeBlocks);
        }
        if (after.mallocBytes - before.mallocBytes > mallocSlack) {
            bad.append("\n  malloc'd bytes: ").append(before.mallocBytes).append(" -> ").append(after.mallocBytes);
        }
        if (!bad.isEmpty()) {
            throw new AssertionError(what + " leaked:" + bad);
        }
        System.out.printf("%s: fds %d -> %d, threads %d -> %d, native blocks %d -> %d, malloc'd %+d bytes%n", what,
                before.fds(), after.fds(), before.threads, after.threads, before.nativeBlocks, after.nativeBlocks,
                after.mallocBytes - before.mallocBytes);
        return after;
    }

    /** @return how many fds were open */
    public int fds() {
        return openFds.size();
    }

    /**
     * @return the fds open now that were not open before, or now refer to something else; an fd
     *         closed meanwhile (by a cleaner, for streams an earlier test dropped) is no leak
     */
    private Map<Integer, String> openedSince(Leaks before) {
        Map<Integer, String> opened = new TreeMap<>(openFds);
        opened.entrySet().removeIf(e -> e.getValue().equals(before.openFds.get(e.getKey())));
        return opened;
    }

    private boolean within(Leaks before, long mallocSlack) {
        return openedSince(before).isEmpty() && fds() <= before.fds() && zombies.isEmpty() && liveChildren == before.liveChildren
                && uringMaps == before.uringMaps && before.spawnringThreads.containsAll(spawnringThreads)
                && threads <= before.threads + 2 && nativeBlocks == before.nativeBlocks
                && mallocBytes - before.mallocBytes <= mallocSlack;
    }
}
