package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.ChildJvm;
import dev.spawnring.testing.Spawners;
import dev.spawnring.uring.Backend;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bytes are data: the environment a child inherits reaches it byte for byte whatever the
 * locale, strings are encoded as {@code ProcessBuilder} encodes them (in
 * {@code sun.jnu.encoding}: '?' for what ASCII lacks under {@code LC_ALL=C}), and bytes given
 * to {@link Command#ofBytes} and {@link Command#env(byte[], byte[])} arrive exactly. The
 * locale cases run in a JVM started under {@code LC_ALL=C} with {@code FOO=caf\xc3\xa9} and
 * {@code BAR=\xff\xfe} in its environment ({@link EncodingMain}); {@code sr-echo-args} writes
 * back what each child got.
 */
class LocaleBytesTest {
    /** An environment variable name with a Latin-1 byte in it. */
    static final byte[] LATIN1_NAME = {'B', (byte) 0xe9};

    private static final byte[] FOO = {'F', 'O', 'O', '=', 'c', 'a', 'f', (byte) 0xc3, (byte) 0xa9};
    private static final byte[] BAR = {'B', 'A', 'R', '=', (byte) 0xff, (byte) 0xfe};

    /** What the JVM under LC_ALL=C printed: key to bytes. */
    private static final java.util.Map<String, byte[]> UNDER_C = new java.util.HashMap<>();
    private static String jnu;

    /** @return bytes 1 to 255, in order */
    static byte[] allBytes() {
        byte[] b = new byte[255];
        for (int i = 0; i < 255; i++) {
            b[i] = (byte) (i + 1);
        }
        return b;
    }

    /** @return each of bytes 1 to 255 on its own */
    static List<byte[]> eachByte() {
        List<byte[]> out = new ArrayList<>();
        for (int i = 1; i < 256; i++) {
            out.add(new byte[] {(byte) i});
        }
        return out;
    }

    @BeforeAll
    static void runUnderLcAllC() throws Exception {
        List<String> prefix = List.of("/bin/sh", "-c",
                "FOO=$(printf 'caf\\303\\251') BAR=$(printf '\\377\\376') LANG=C LC_ALL=C; export FOO BAR LANG LC_ALL; "
                        + "exec \"$@\"", "sh");
        try (ChildJvm jvm = ChildJvm.start(ChildJvm.command(prefix, null, List.of(), EncodingMain.class.getName()))) {
            jnu = jvm.await("jnu ").substring(4);
            for (String key : List.of("spawnring-inherited", "processbuilder-inherited", "spawnring-strings",
                    "processbuilder-strings", "spawnring-bytes", "command-utf8")) {
                UNDER_C.put(key, HexFormat.of().parseHex(jvm.await(key + " ").substring(key.length() + 1)));
            }
            jvm.await("done");
            assertEquals(0, jvm.finish(300), jvm.transcript()); // a hang guard: a child JVM in an emulated VM took over 100 s
        }
    }

    /** sr-echo-args' output: argv, then envp. */
    private record Echo(List<byte[]> argv, List<byte[]> envp) {
        static Echo parse(byte[] out) {
            byte[] marker = "--env--\n".getBytes(StandardCharsets.US_ASCII);
            int split = indexOf(out, marker);
            assertTrue(split >= 0, () -> "no --env-- in " + HexFormat.of().formatHex(out));
            return new Echo(nulSeparated(Arrays.copyOfRange(out, 0, split)),
                    nulSeparated(Arrays.copyOfRange(out, split + marker.length, out.length)));
        }

        Set<String> envHex() {
            return envp.stream().map(HexFormat.of()::formatHex).collect(Collectors.toSet());
        }

        List<String> argvHex() {
            return argv.stream().map(HexFormat.of()::formatHex).toList();
        }
    }

    private static int indexOf(byte[] in, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= in.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (in[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static List<byte[]> nulSeparated(byte[] b) {
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                out.add(Arrays.copyOfRange(b, from, i));
                from = i + 1;
            }
        }
        assertEquals(b.length, from, "output does not end with a NUL");
        return out;
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Test
    void theChildJvmRanUnderTheCLocale() {
        assertEquals("ANSI_X3.4-1968", jnu, "sun.jnu.encoding of a JVM started with LC_ALL=C");
    }

    @Test
    void inheritedVariablesReachTheChildByteForByteUnderLcAllC() {
        Echo spawnring = Echo.parse(UNDER_C.get("spawnring-inherited"));
        assertTrue(spawnring.envHex().contains(hex(FOO)), () -> "FOO=caf\\xc3\\xa9 unchanged: " + spawnring.envHex());
        assertTrue(spawnring.envHex().contains(hex(BAR)), () -> "BAR=\\xff\\xfe unchanged: " + spawnring.envHex());
    }

    @Test
    void theInheritedEnvironmentIsTheOneProcessBuilderPasses() {
        Echo spawnring = Echo.parse(UNDER_C.get("spawnring-inherited"));
        Echo jdk = Echo.parse(UNDER_C.get("processbuilder-inherited"));
        assertEquals(jdk.envHex(), spawnring.envHex());
    }

    @Test
    void stringsAreEncodedAsProcessBuilderEncodesThemQuestionMarksUnderLcAllC() {
        Echo spawnring = Echo.parse(UNDER_C.get("spawnring-strings"));
        Echo jdk = Echo.parse(UNDER_C.get("processbuilder-strings"));
        assertEquals(hex("h?llo".getBytes(StandardCharsets.US_ASCII)), spawnring.argvHex().get(1));
        assertTrue(spawnring.envHex().contains(hex("NEW=?".getBytes(StandardCharsets.US_ASCII))), spawnring::toString);
        assertEquals(jdk.argvHex(), spawnring.argvHex());
        assertEquals(jdk.envHex(), spawnring.envHex());
    }

    @Test
    void byteArgumentsAndVariablesReachTheChildExactlyUnderLcAllC() {
        Echo e = Echo.parse(UNDER_C.get("spawnring-bytes"));
        assertBytesArrived(e);
        assertFalse(e.envHex().contains(hex(BAR)), "removeEnv(byte[]) removed BAR");
        assertTrue(e.envHex().contains(hex(FOO)), "FOO is still inherited as it was");
    }

    @Test
    void aCommandMadeOfBytesShowsThemDecodedForDisplay() {
        // Bytes 0x80-0xff are not ASCII: each shows as U+FFFD under LC_ALL=C.
        String shown = new String(UNDER_C.get("command-utf8"), StandardCharsets.UTF_8);
        assertEquals(255, shown.length());
        assertEquals("\ufffd".repeat(128), shown.substring(127));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void byteArgumentsAndVariablesReachTheChildExactly(Backend backend) throws Exception {
        String echo = Spawners.nativeBin("sr-echo-args");
        List<byte[]> argv = new ArrayList<>();
        argv.add(echo.getBytes(StandardCharsets.UTF_8));
        argv.add(allBytes());
        argv.addAll(eachByte());
        try (Spawner s = Spawners.create(backend)) {
            Command c = Command.ofBytes(argv).env(LATIN1_NAME, allBytes());
            Echo e = Echo.parse(s.run(c).get().stdout());
            assertBytesArrived(e);
            Echo again = Echo.parse(s.run(c).get().stdout());
            assertEquals(e.argvHex(), again.argvHex(), "the same command spawned twice");
        }
    }

    private static void assertBytesArrived(Echo e) {
        assertEquals(257, e.argv().size());
        assertArrayEquals(allBytes(), e.argv().get(1));
        for (int i = 1; i < 256; i++) {
            assertArrayEquals(new byte[] {(byte) i}, e.argv().get(i + 1), "byte " + i);
        }
        byte[] entry = new byte[LATIN1_NAME.length + 1 + 255];
        System.arraycopy(LATIN1_NAME, 0, entry, 0, LATIN1_NAME.length);
        entry[LATIN1_NAME.length] = '=';
        System.arraycopy(allBytes(), 0, entry, LATIN1_NAME.length + 1, 255);
        assertTrue(e.envHex().contains(hex(entry)), "B\\xe9=<bytes 1-255>");
    }

    @Test
    void aNulByteOrABadNameIsRefused() throws Exception {
        try (Spawner s = Spawner.create()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> s.spawn(Command.ofBytes("echo".getBytes(), new byte[] {'a', 0, 'b'})));
            assertEquals("argv[1] contains a NUL character at index 1: \"a\\0b\"", e.getMessage());
        }
        assertEquals("bad environment variable name \"A=B\": it must be non-empty, without '=' or NUL",
                assertThrows(IllegalArgumentException.class,
                        () -> Command.of("x").env("A=B".getBytes(), new byte[0])).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Command.of("x").removeEnv(new byte[0]));
        assertThrows(NullPointerException.class, () -> Command.ofBytes("x".getBytes(), null));
    }
}
