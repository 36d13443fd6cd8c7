package dev.spawnring.cli.run;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The byte strings {@code spawnring run} works on. Inputs, the template and the commands it
 * makes are bytes from end to end, as in xargs and GNU parallel: a file name in Latin-1 stays
 * what it is under a UTF-8 locale, and {@code héllo} stays UTF-8 under {@code LC_ALL=C}. Only
 * ASCII bytes mean anything ({@code '/'}, {@code '.'}, braces, the shell's specials); every
 * other byte is data.
 */
final class Bytes {
    /**
     * The platform's charset for names and arguments ({@code sun.jnu.encoding}): the JVM decoded
     * its arguments with it, and strings are encoded with it, as {@code ProcessBuilder} does.
     */
    static final Charset CHARSET = jnuCharset();

    private Bytes() {
    }

    /** @return {@code s} in {@link #CHARSET} */
    static byte[] of(String s) {
        return s.getBytes(CHARSET);
    }

    /** @return {@code b} decoded in {@link #CHARSET}, for messages (invalid bytes show as U+FFFD) */
    static String text(byte[] b) {
        return new String(b, CHARSET);
    }

    /** @return whether {@code b} decodes to a string that encodes back to {@code b} (a lossless {@link #text}) */
    static boolean isText(byte[] b) {
        return Arrays.equals(of(text(b)), b);
    }

    /** @return the index of the last {@code b} in {@code s}, or -1 */
    static int lastIndexOf(byte[] s, byte b) {
        return lastIndexOf(s, b, s.length - 1);
    }

    /** @return the index of the last {@code b} in {@code s} at or before {@code from}, or -1 */
    static int lastIndexOf(byte[] s, byte b, int from) {
        for (int i = Math.min(from, s.length - 1); i >= 0; i--) {
            if (s[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** @return the index of the first {@code b} in {@code s} at or after {@code from}, or -1 */
    static int indexOf(byte[] s, byte b, int from) {
        for (int i = Math.max(0, from); i < s.length; i++) {
            if (s[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** @return whether {@code s} holds exactly the ASCII text {@code ascii} */
    static boolean is(byte[] s, String ascii) {
        if (s.length != ascii.length()) {
            return false;
        }
        for (int i = 0; i < s.length; i++) {
            if (s[i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** A growable byte string. */
    static final class Builder {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

        Builder append(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Builder append(byte[] b, int from, int to) {
            out.write(b, from, to - from);
            return this;
        }

        /** Appends ASCII text (numbers, separators, quotes). */
        Builder ascii(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Builder append(byte b) {
            out.write(b);
            return this;
        }

        boolean isEmpty() {
            return out.size() == 0;
        }

        int length() {
            return out.size();
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    private static Charset jnuCharset() {
        try {
            return Charset.forName(Objects.requireNonNullElse(System.getProperty("sun.jnu.encoding"), "UTF-8"));
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
