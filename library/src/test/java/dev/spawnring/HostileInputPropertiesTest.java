package dev.spawnring;

import static dev.spawnring.uring.IoUring.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.Stress;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Cqe;
import dev.spawnring.uring.Ring;
import dev.spawnring.uring.Sqe;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Hostile input, generated (jqwik; {@code jqwik.tries.default} tries per property: 100 in the
 * default run, 1,000 under -Pstress): SQE fields that the spawn contract (DESIGN.md) refuses
 * on CLONE and EXEC, argv and environment contents and sizes, and fd mappings with
 * permutations and cycles; on each backend this machine has.
 */
@Tag(Stress.TAG)
class HostileInputPropertiesTest {
    /** CLONE fields that must be 0 (DESIGN.md: fd, ioprio, addr2, addr3, len, rw_flags, buf_index, optlen). */
    enum CloneField { FD, IOPRIO, ADDR2, ADDR3, LEN, RW_FLAGS, BUF_INDEX, FILE_INDEX }

    /** EXEC fields that must be 0. */
    enum ExecField { BUF_INDEX, LEN, FILE_INDEX }

    /** {@code MAX_ARG_STRLEN}: the longest argument or environment string execve takes, NUL included. */
    private static final int MAX_ARG_STRLEN = 32 * 4096;

    private static final Map<Backend, Spawner> SPAWNERS = new EnumMap<>(Backend.class);
    private static Path files;

    private final String echo = Spawners.nativeBin("sr-echo-args");
    private final String trueBin = Spawners.nativeBin("sr-true");

    @AfterContainer
    static void closeSpawners() throws Exception {
        for (Spawner s : SPAWNERS.values()) {
            s.close();
            s.awaitTermination();
        }
        SPAWNERS.clear();
        if (files != null) {
            try (var all = Files.list(files)) {
                for (Path p : all.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(files);
        }
    }

    private static synchronized Spawner spawner(Backend b) throws IOException {
        Spawner s = SPAWNERS.get(b);
        if (s == null) {
            s = Spawner.create(b);
            SPAWNERS.put(b, s);
        }
        return s;
    }

    @Provide
    Arbitrary<Backend> backends() {
        return Ring.ioUringUnavailableReason() == null ? Arbitraries.of(Backend.values()) : Arbitraries.of(Backend.FALLBACK);
    }

    // ---- SQE fields

    @Provide
    Arbitrary<Map<CloneField, Long>> cloneFields() {
        return Arbitraries.subsetOf(CloneField.values()).ofMinSize(1).flatMap(set -> {
            List<CloneField> fields = List.copyOf(set);
            return Arbitraries.longs().filter(v -> v != 0).list().ofSize(fields.size()).map(values -> {
                Map<CloneField, Long> m = new EnumMap<>(CloneField.class);
                for (int i = 0; i < fields.size(); i++) {
                    m.put(fields.get(i), values.get(i));
                }
                return m;
            });
        });
    }

    @Provide
    Arbitrary<Map<ExecField, Long>> execFields() {
        return Arbitraries.subsetOf(ExecField.values()).ofMinSize(1).flatMap(set -> {
            List<ExecField> fields = List.copyOf(set);
            return Arbitraries.longs().filter(v -> v != 0).list().ofSize(fields.size()).map(values -> {
                Map<ExecField, Long> m = new EnumMap<>(ExecField.class);
                for (int i = 0; i < fields.size(); i++) {
                    m.put(fields.get(i), values.get(i));
                }
                return m;
            });
        });
    }

    /** A 16-bit field: the low bits, never 0. */
    private static int u16(long v) {
        int x = (int) (v & 0xffff);
        return x == 0 ? 1 : x;
    }

    /** A 32-bit field: the low bits, never 0. */
    private static int u32(long v) {
        int x = (int) v;
        return x == 0 ? 1 : x;
    }

    @Property
    void aCloneWithAnyNonZeroReservedFieldFailsWithEinvalAndStartsNoChild(@ForAll("backends") Backend backend,
            @ForAll("cloneFields") Map<CloneField, Long> fields) throws Exception {
        long childrenBefore = ProcessHandle.current().children().count();
        try (Ring ring = Ring.open(8, backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            Sqe clone = ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(0);
            fields.forEach((f, v) -> {
                switch (f) {
                    case FD -> clone.fd(u32(v));
                    case IOPRIO -> clone.ioprio(u16(v));
                    case ADDR2 -> clone.addr2(v);
                    case ADDR3 -> clone.addr3(v);
                    case LEN -> clone.len(u32(v));
                    case RW_FLAGS -> clone.rwFlags(u32(v));
                    case BUF_INDEX -> clone.bufIndex(u16(v));
                    case FILE_INDEX -> clone.fileIndex(u32(v));
                }
            });
            ring.getSqe().prepExec(trueBin, new String[] {"sr-true"}, null).userData(1);
            ring.submit();
            assertArrayEquals(new int[] {-Errno.EINVAL, -Errno.ECANCELED}, results(ring, 2), fields::toString);
            assertEquals(0, ring.inFlight());
        }
        assertEquals(childrenBefore, ProcessHandle.current().children().count(), "a refused CLONE started a child");
    }

    @Property
    void anExecWithBufIndexLenOrFileIndexFailsWithEinvalAndStartsNoChild(@ForAll("backends") Backend backend,
            @ForAll("execFields") Map<ExecField, Long> fields, @ForAll boolean hardlinked) throws Exception {
        long childrenBefore = ProcessHandle.current().children().count();
        try (Ring ring = Ring.open(8, backend); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepClone(pidfd).flags(hardlinked ? IOSQE_IO_HARDLINK : IOSQE_IO_LINK).userData(0);
            Sqe exec = ring.getSqe().prepExec(trueBin, new String[] {"sr-true"}, null).userData(1);
            fields.forEach((f, v) -> {
                switch (f) {
                    case BUF_INDEX -> exec.bufIndex(u16(v));
                    case LEN -> exec.len(u32(v));
                    case FILE_INDEX -> exec.fileIndex(u32(v));
                }
            });
            ring.submit();
            // A prep failure fails the whole chain, as the kernel fails a chain with a bad SQE.
            assertArrayEquals(new int[] {-Errno.ECANCELED, -Errno.EINVAL}, results(ring, 2), fields::toString);
        }
        assertEquals(childrenBefore, ProcessHandle.current().children().count(), "a refused EXEC started a child");
    }

    private static int[] results(Ring ring, int n) throws IOException {
        int[] res = new int[n];
        for (int i = 0; i < n; i++) {
            Cqe cqe = ring.waitCqe();
            ring.cqeSeen(cqe);
            res[(int) cqe.userData()] = cqe.res();
        }
        return res;
    }

    // ---- argv and environment

    /** Any text without NUL and without lone surrogates (those have no UTF-8 form), some of it astral. */
    private static Arbitrary<String> text(int maxLength) {
        Arbitrary<String> bmp = Arbitraries.strings().withCharRange('\u0001', '\ud7ff').withCharRange('\ue000', '\ufffd')
                .ofMaxLength(maxLength);
        Arbitrary<String> astral = Arbitraries.of("\ud83d\ude00", "\ud800\udc00", "\udbff\udfff");
        return Arbitraries.oneOf(bmp, bmp, bmp, Arbitraries.of("", " ", "'\"$`\\!*?;&|<>()", "\n\t\r", "=", "--"),
                Combinators.combine(bmp, astral, bmp).as((a, b, c) -> a + b + c));
    }

    @Provide
    Arbitrary<List<String>> argvs() {
        return text(300).list().ofMaxSize(64);
    }

    @Provide
    Arbitrary<Map<String, String>> environments() {
        Arbitrary<String> key = text(40).filter(k -> !k.isEmpty() && k.indexOf('=') < 0);
        return Arbitraries.maps(key, text(300)).ofMaxSize(32);
    }

    @Property
    void argvAndEnvironmentReachTheChildByteForByte(@ForAll("backends") Backend backend,
            @ForAll("argvs") List<String> args, @ForAll("environments") Map<String, String> env) throws Exception {
        List<String> argv = new ArrayList<>();
        argv.add(echo);
        argv.addAll(args);
        Result r = spawner(backend).run(Command.of(argv).environment(env)).get();
        assertEquals(ExitStatus.exited(0), r.status(), r::stderrText);
        String out = new String(r.stdout(), StandardCharsets.UTF_8);
        int split = out.indexOf("--env--\n");
        assertTrue(split >= 0, out);
        List<String> gotArgs = nulSeparated(out.substring(0, split));
        assertEquals(argv, gotArgs);
        Set<String> gotEnv = new HashSet<>(nulSeparated(out.substring(split + "--env--\n".length())));
        Set<String> expected = env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.toSet());
        assertEquals(expected, gotEnv);
    }

    private static List<String> nulSeparated(String s) {
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int i = s.indexOf('\0'); i >= 0; i = s.indexOf('\0', from)) {
            out.add(s.substring(from, i));
            from = i + 1;
        }
        assertEquals(s.length(), from, "output does not end with a NUL");
        return out;
    }

    @Property(tries = 30)
    void anArgumentUpToTheKernelLimitComesThroughAndOneOverItFailsWithE2big(@ForAll("backends") Backend backend,
            @ForAll @IntRange(min = 1, max = MAX_ARG_STRLEN + 4096) int length) throws Exception {
        String big = "x".repeat(length);
        Command c = Command.of(echo, big).clearEnvironment();
        if (length + 1 > MAX_ARG_STRLEN) {
            SpawnException e = assertThrows(SpawnException.class, () -> spawner(backend).spawn(c));
            assertEquals("exec", e.step());
            assertEquals(Errno.E2BIG, e.errno(), e.getMessage());
        } else {
            Result r = spawner(backend).run(c).get();
            assertEquals(ExitStatus.exited(0), r.status());
            assertEquals(echo.length() + 1 + length + 1 + "--env--\n".length(), r.stdout().length);
        }
    }

    // ---- fd mappings

    /** A mapping: k parent files whose fd numbers are permuted among themselves, plus extra targets. */
    record Mapping(List<Integer> permutation, Map<Integer, Integer> extras) {
    }

    @Provide
    Arbitrary<Mapping> mappings() {
        return Arbitraries.integers().between(1, 8).flatMap(k -> {
            List<Integer> identity = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                identity.add(i);
            }
            Arbitrary<List<Integer>> perm = Arbitraries.shuffle(identity);
            Arbitrary<Map<Integer, Integer>> extras = Arbitraries.maps(Arbitraries.integers().between(3, 40),
                    Arbitraries.integers().between(0, k - 1)).ofMaxSize(4);
            return Combinators.combine(perm, extras).as(Mapping::new);
        });
    }

    @Property
    void anyFdMappingGivesEachChildFdItsFileEvenWhenTheMappingsCross(@ForAll("backends") Backend backend,
            @ForAll("mappings") Mapping mapping) throws Exception {
        synchronized (HostileInputPropertiesTest.class) {
            if (files == null) {
                files = Files.createTempDirectory("spawnring-fd-map");
            }
        }
        int k = mapping.permutation().size();
        int[] fds = new int[k];
        Path[] paths = new Path[k];
        try {
            for (int i = 0; i < k; i++) {
                paths[i] = Files.createTempFile(files, "f" + i + "-", "");
                fds[i] = Errno.check("open", Sys.openat(Linux.AT_FDCWD, paths[i].toString(),
                        Linux.O_RDONLY | Linux.O_CLOEXEC, 0));
            }
            // child fd -> the file it must show
            Map<Integer, Path> expected = new TreeMap<>();
            Map<Integer, Integer> map = new LinkedHashMap<>();
            for (int i = 0; i < k; i++) {
                int source = mapping.permutation().get(i);
                map.put(fds[i], fds[source]); // fds[i] <- fds[perm(i)]: cycles among the same numbers
                expected.put(fds[i], paths[source]);
            }
            mapping.extras().forEach((target, source) -> {
                if (!map.containsKey(target)) {
                    map.put(target, fds[source]);
                    expected.put(target, paths[source]);
                }
            });
            String targets = expected.keySet().stream().map(String::valueOf).collect(Collectors.joining(" "));
            Command c = Command.of(List.of("sh", "-c", "for f in " + targets + "; do readlink /proc/$$/fd/$f || echo none; done"))
                    .stdin(Stdio.discard());
            for (Map.Entry<Integer, Integer> e : map.entrySet()) {
                c = c.fd(e.getKey(), e.getValue());
            }
            Result r = spawner(backend).run(c).get();
            assertEquals(ExitStatus.exited(0), r.status(), r::stderrText);
            List<String> got = r.stdoutText().lines().toList();
            List<String> want = expected.values().stream().map(Path::toString).toList();
            assertEquals(want, got, () -> "mapping " + map);
        } finally {
            for (int i = 0; i < k; i++) {
                if (fds[i] > 0) {
                    Sys.close(fds[i]);
                }
                if (paths[i] != null) {
                    Files.deleteIfExists(paths[i]);
                }
            }
        }
    }
}
