package dev.spawnring.internal.process;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The inherited environment: the raw {@code environ} bytes where they agree with what
 * {@code System.getenv()} shows, the JDK's view where they do not, and the JDK's rules for odd
 * entries.
 */
class InheritedEnvironmentTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Map<String, String> text(Map<OsString, OsString> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(new String(k.bytes(), StandardCharsets.ISO_8859_1),
                new String(v.bytes(), StandardCharsets.ISO_8859_1)));
        return out;
    }

    @Test
    void rawBytesAreKeptWhereTheyDecodeToWhatTheJdkShows() {
        byte[] raw = {'B', 'A', 'R', '=', (byte) 0xff, (byte) 0xfe};
        String shown = new String(new byte[] {(byte) 0xff, (byte) 0xfe}, OsString.CHARSET);
        Map<OsString, OsString> env = InheritedEnvironment.read(List.of(b("A=1"), raw), Map.of("A", "1", "BAR", shown));
        assertEquals(List.of("A", "BAR"), List.copyOf(text(env).keySet()), "environ's order");
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xfe}, env.get(OsString.of("BAR")).bytes());
    }

    @Test
    void aVariableChangedSinceTheJdkReadTheEnvironmentIsTheJdks() {
        Map<OsString, OsString> env = InheritedEnvironment.read(List.of(b("A=new"), b("GONE=x")),
                Map.of("A", "old", "ONLY_JDK", "y"));
        assertEquals(Map.of("A", "old", "ONLY_JDK", "y"), text(env));
    }

    @Test
    void anEntryWithoutEqualsIsSkippedAndTheFirstOfTwoWithOneNameCounts() {
        Map<OsString, OsString> env = InheritedEnvironment.read(List.of(b("NOEQUALS"), b("A=1"), b("A=2"), b("E=")),
                Map.of("A", "1", "E", ""));
        assertEquals(Map.of("A", "1", "E", ""), text(env));
    }

    @Test
    void withoutEnvironTheJdksStringsAreEncoded() {
        assertEquals(Map.of("A", "1"), text(InheritedEnvironment.read(null, Map.of("A", "1"))));
    }

    @Test
    void entriesAreNameEqualsValueAsBytes() {
        Map<OsString, OsString> m = new LinkedHashMap<>();
        m.put(OsString.of(new byte[] {'N'}), OsString.of(new byte[] {(byte) 0xe9, '='}));
        assertArrayEquals(new byte[] {'N', '=', (byte) 0xe9, '='}, InheritedEnvironment.entries(m).get(0).bytes());
    }
}
