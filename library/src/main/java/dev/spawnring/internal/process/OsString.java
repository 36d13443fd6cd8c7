package dev.spawnring.internal.process;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A string as the kernel takes it (bytes, any but NUL) with a {@code String} to show for it;
 * the JDK's {@code ProcessEnvironment.ExternalData} under another name. Made from a
 * {@code String}, the bytes are its encoding in {@link #CHARSET}, as {@code ProcessBuilder}
 * encodes arguments and variables; made from bytes, the text is their decoding in it (for
 * messages only). Two are equal when their bytes are.
 */
public final class OsString {
    /**
     * The platform's charset for names and arguments ({@code sun.jnu.encoding}, from the locale
     * at JVM start-up), the one {@code ProcessImpl} and {@code ProcessEnvironment} encode with:
     * under {@code LANG=C} it is ASCII, and a character outside it becomes {@code '?'}.
     */
    public static final Charset CHARSET = jnuCharset();

    private final String text;
    private final byte[] bytes;

    private OsString(String text, byte[] bytes) {
        this.text = text;
        this.bytes = bytes;
    }

    /** @return {@code s} encoded in {@link #CHARSET} */
    public static OsString of(String s) {
        return new OsString(s, s.getBytes(CHARSET));
    }

    /** @return a copy of {@code b}, shown decoded in {@link #CHARSET} */
    public static OsString of(byte[] b) {
        byte[] copy = b.clone();
        return new OsString(new String(copy, CHARSET), copy);
    }

    /** @return the text given, or the bytes decoded for display */
    public String text() {
        return text;
    }

    /** @return the bytes (not a copy: never change them) */
    public byte[] bytes() {
        return bytes;
    }

    /** @return the index of the first {@code b} in the bytes, or -1 */
    public int indexOf(byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OsString s && Arrays.equals(bytes, s.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return text;
    }

    private static Charset jnuCharset() {
        try {
            return Charset.forName(Objects.requireNonNullElse(System.getProperty("sun.jnu.encoding"), "UTF-8"));
        } catch (IllegalArgumentException e) {
            // The JDK itself falls back to UTF-8 for a charset it does not support.
            return StandardCharsets.UTF_8;
        }
    }
}
