package dev.spawnring;

import static dev.spawnring.uring.IoUring.*;
import static org.junit.jupiter.api.Assertions.*;

import static dev.spawnring.testing.RandomCases.between;
import static dev.spawnring.testing.RandomCases.nonZeroLong;
import static dev.spawnring.testing.RandomCases.oneOf;

import dev.spawnring.testing.RandomCases;
import dev.spawnring.testing.Spawners;
import dev.spawnring.testing.Stress;
import dev.spawnring.testing.Isolation;
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
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile input, drawn at random ({@link RandomCases}: {@code spawnring.test.tries} cases per
 * check, 100 in the default run and 1,000 under -Pstress; a failure names the seed that draws
 * its case again): SQE fields that the spawn contract (DESIGN.md) refuses on CLONE and EXEC,
 * argv and environment contents and sizes, and fd mappings with permutations and cycles; on
 * each backend this machine has.
 */
@Tag(Stress.TAG)
@Tag(Isolation.TAG)
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

    @AfterAll
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

    /** Either backend where io_uring is usable, else FALLBACK. */
    private static Backend backend(Random random) {
        return Ring.ioUringUnavailableReason() == null ? oneOf(random, Backend.values()) : Backend.FALLBACK;
    }

    // ---- SQE fields

    record CloneCase(Backend backend, Map<CloneField, Long> fields) {
    }

    record ExecCase(Backend backend, Map<ExecField, Long> fields, boolean hardlinked) {
    }

    /** A non-empty subset of the fields of {@code type}, each with a value other than 0. */
    private static <F extends Enum<F>> Map<F, Long> nonZeroFields(Random random, Class<F> type) {
        Map<F, Long> m = new EnumMap<>(type);
        while (m.isEmpty()) {
            for (F f : type.getEnumConstants()) {
                if (random.nextBoolean()) {
                    m.put(f, nonZeroLong(random));
                }
            }
        }
        return m;
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

    @Test
    void aCloneWithAnyNonZeroReservedFieldFailsWithEinvalAndStartsNoChild() throws Exception {
        RandomCases.check(r -> new CloneCase(backend(r), nonZeroFields(r, CloneField.class)),
                c -> aCloneWithNonZeroFieldsFails(c.backend(), c.fields()));
    }

    private void aCloneWithNonZeroFieldsFails(Backend backend, Map<CloneField, Long> fields) throws Exception {
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

    @Test
    void anExecWithBufIndexLenOrFileIndexFailsWithEinvalAndStartsNoChild() throws Exception {
        RandomCases.check(r -> new ExecCase(backend(r), nonZeroFields(r, ExecField.class), r.nextBoolean()),
                c -> anExecWithNonZeroFieldsFails(c.backend(), c.fields(), c.hardlinked()));
    }

    private void anExecWithNonZeroFieldsFails(Backend backend, Map<ExecField, Long> fields, boolean hardlinked)
            throws Exception {
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

    /**
     * Any text without NUL and without lone surrogates (those have no UTF-8 form): up to
     * {@code maxLength} chars of the BMP (half of them ASCII), a word the shell or the
     * environment treats specially, or BMP text around an astral character.
     */
    private static String text(Random random, int maxLength) {
        return switch (random.nextInt(5)) {
            case 0, 1, 2 -> bmp(random, maxLength);
            case 3 -> oneOf(random, "", " ", "'\"$`\\!*?;&|<>()", "\n\t\r", "=", "--");
            default -> bmp(random, maxLength) + oneOf(random, "\ud83d\ude00", "\ud800\udc00", "\udbff\udfff")
                    + bmp(random, maxLength);
        };
    }

    private static String bmp(Random random, int maxLength) {
        StringBuilder s = new StringBuilder();
        for (int n = between(random, 0, maxLength); s.length() < n; ) {
            if (random.nextBoolean()) {
                s.append((char) between(random, 0x01, 0x7f));
            } else {
                int c = between(random, 0x01, 0xd7ff + (0xfffd - 0xe000 + 1));
                s.append((char) (c <= 0xd7ff ? c : c - 0xd800 + 0xe000));
            }
        }
        return s.toString();
    }

    record ArgvCase(Backend backend, List<String> args, Map<String, String> env) {
    }

    /** Up to 64 arguments of up to 300 chars. */
    private static List<String> argv(Random random) {
        List<String> args = new ArrayList<>();
        for (int n = between(random, 0, 64); args.size() < n; ) {
            args.add(text(random, 300));
        }
        return args;
    }

    /** Up to 32 variables: names of up to 40 chars (not empty, no '='), values of up to 300. */
    private static Map<String, String> environment(Random random) {
        Map<String, String> env = new LinkedHashMap<>();
        for (int n = between(random, 0, 32); env.size() < n; ) {
            String key = text(random, 40);
            if (!key.isEmpty() && key.indexOf('=') < 0) {
                env.put(key, text(random, 300));
            }
        }
        return env;
    }

    @Test
    void argvAndEnvironmentReachTheChildByteForByte() throws Exception {
        RandomCases.check(r -> new ArgvCase(backend(r), argv(r), environment(r)),
                c -> argvAndEnvironmentComeThrough(c.backend(), c.args(), c.env()));
    }

    private void argvAndEnvironmentComeThrough(Backend backend, List<String> args, Map<String, String> env)
            throws Exception {
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

    record LengthCase(Backend backend, int length) {
    }

    /** 1 to {@code MAX_ARG_STRLEN + 4096}; one time in four right at the limit (just under, at, just over). */
    private static int argumentLength(Random random) {
        return random.nextInt(4) == 0
                ? between(random, MAX_ARG_STRLEN - 2, MAX_ARG_STRLEN + 1)
                : between(random, 1, MAX_ARG_STRLEN + 4096);
    }

    @Test
    void anArgumentUpToTheKernelLimitComesThroughAndOneOverItFailsWithE2big() throws Exception {
        RandomCases.check(30, r -> new LengthCase(backend(r), argumentLength(r)),
                c -> anArgumentOfLength(c.backend(), c.length()));
    }

    private void anArgumentOfLength(Backend backend, int length) throws Exception {
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

    record MappingCase(Backend backend, Mapping mapping) {
    }

    /** 1 to 8 files permuted, and up to 4 more targets (fd 3 to 40) for any of them. */
    private static Mapping mapping(Random random) {
        int k = between(random, 1, 8);
        List<Integer> permutation = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            permutation.add(i);
        }
        Collections.shuffle(permutation, random);
        Map<Integer, Integer> extras = new LinkedHashMap<>();
        for (int i = between(random, 0, 4); i > 0; i--) {
            extras.put(between(random, 3, 40), random.nextInt(k));
        }
        return new Mapping(permutation, extras);
    }

    @Test
    void anyFdMappingGivesEachChildFdItsFileEvenWhenTheMappingsCross() throws Exception {
        RandomCases.check(r -> new MappingCase(backend(r), mapping(r)),
                c -> eachChildFdShowsItsFile(c.backend(), c.mapping()));
    }

    private void eachChildFdShowsItsFile(Backend backend, Mapping mapping) throws Exception {
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
