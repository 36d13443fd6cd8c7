package dev.spawnring.cli.run.ssh;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Command lines for a POSIX shell ({@code sh}, {@code bash}, {@code dash}, {@code ksh},
 * {@code zsh}), built from bytes: the local {@code sh -c} that runs a job's transfers, and
 * the command ssh hands to the remote login shell. Every value is single-quoted unless it
 * holds only characters no shell treats specially, so any byte but NUL stays data: a file named
 * {@code a b; rm -rf ~} is one word on the far side too.
 */
public final class Shell {
    private Shell() {
    }

    /**
     * @param s a value
     * @return {@code s} as one shell word: as it is when safe, else in single quotes
     *         ({@code '} written {@code '\''})
     */
    public static byte[] quote(byte[] s) {
        if (s.length == 0) {
            return new byte[] {'\'', '\''};
        }
        boolean safe = true;
        int quotes = 0;
        for (byte c : s) {
            if (c == '\'') {
                quotes++;
            }
            safe &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || (c > 0 && "_@%+=:,./-".indexOf(c) >= 0);
        }
        if (safe) {
            return s;
        }
        byte[] q = new byte[s.length + 2 + 3 * quotes];
        int at = 0;
        q[at++] = '\'';
        for (byte c : s) {
            if (c == '\'') {
                q[at++] = '\'';
                q[at++] = '\\';
                q[at++] = '\'';
                q[at++] = '\'';
            } else {
                q[at++] = c;
            }
        }
        q[at] = '\'';
        return q;
    }

    /**
     * GNU parallel's {@code shell_quote_file}: a relative name gets {@code ./} in front (so a
     * name starting with {@code -} is not an option), then {@link #quote}.
     *
     * @param name a file name
     * @return it as one shell word
     */
    public static byte[] file(byte[] name) {
        boolean plain = (name.length > 0 && name[0] == '/') || (name.length > 1 && name[0] == '.' && name[1] == '/');
        return quote(plain ? name : concat(ascii("./"), name));
    }

    /**
     * @param words values
     * @return the values quoted and joined by spaces: one command line a shell splits back into them
     */
    public static byte[] join(List<byte[]> words) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] w : words) {
            if (b.size() > 0) {
                b.write(' ');
            }
            b.writeBytes(quote(w));
        }
        return b.toByteArray();
    }

    /** @return the bytes of {@code parts}, one after the other */
    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /** @return ASCII (or UTF-8) text as bytes: shell syntax, option names */
    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
