package dev.spawnring.internal.sys;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The environment as bytes, copied out of {@code environ} by the native library: every
 * variable {@code System.getenv()} shows is there with the value the JDK decoded from it, and
 * a block that the copy is longer than the room given is not cut short.
 */
class EnvironTest {
    @Test
    void everyVariableTheJdkShowsIsReadWithItsValue() {
        Charset jnu = Charset.forName(System.getProperty("sun.jnu.encoding"));
        Map<String, String> read = new HashMap<>();
        for (byte[] entry : Environ.read()) {
            String e = new String(entry, jnu);
            int eq = e.indexOf('=');
            if (eq > 0) {
                read.putIfAbsent(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        assertFalse(System.getenv().isEmpty(), "the test needs an environment");
        assertEquals(System.getenv(), read);
    }

    @Test
    void theCopyWithoutRoomSaysHowMuchTheEnvironmentTakes() {
        long size = SrCall.call(SrCall.ENVIRON, 0, 0, 0, 0, 0, 0);
        long expected = 0;
        for (byte[] entry : Environ.read()) {
            expected += entry.length + 1;
        }
        assertEquals(expected, size);
    }

    @Test
    void aBlockSplitsAtEachNul() {
        byte[] block = "A=1\0B=\0\0C=\u00e9\0".getBytes(StandardCharsets.ISO_8859_1);
        List<byte[]> entries = Environ.split(block);
        assertEquals(4, entries.size());
        assertArrayEquals("A=1".getBytes(StandardCharsets.US_ASCII), entries.get(0));
        assertArrayEquals("B=".getBytes(StandardCharsets.US_ASCII), entries.get(1));
        assertArrayEquals(new byte[0], entries.get(2));
        assertArrayEquals(new byte[] {'C', '=', (byte) 0xe9}, entries.get(3));
    }
}
