package dev.spawnring.internal.process;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The process environment and strings as the JDK's process launcher sees them, for
 * {@link JdkLauncher}.
 *
 * <ul>
 *   <li>Strings become bytes in {@code sun.jnu.encoding} ({@code ProcessImpl.JNU_CHARSET}).</li>
 *   <li>{@code ProcessBuilder.environment()} hands out Strings, but the JDK passes the raw bytes
 *       of each variable it inherited (which need not decode in that charset) and encodes only
 *       those set from Java. Without access to the JDK's internals, {@link #envp(Map)} takes the
 *       raw bytes from the C {@code environ}, read once here as the JDK reads it once, for every
 *       variable whose name and value are the ones inherited; the rest it encodes.</li>
 *   <li>An environment nobody touched is not passed at all by the JDK: the child gets the C
 *       {@code environ} as it is at that moment ({@link #currentEnviron()}) and the program is
 *       searched in its {@code PATH} by glibc's {@code execvp}; one that was touched is searched in
 *       the {@code PATH} the JVM started with, the JDK's own way. {@link #candidates} makes both.</li>
 * </ul>
 */
public final class JdkEnvironment {
    /** {@code ProcessImpl.JNU_CHARSET}. */
    public static final Charset JNU = jnuCharset();

    /** The C environment when this class was loaded: name to raw {@code NAME=value} bytes, decoded as the JDK decodes. */
    private static final Map<String, Raw> INHERITED = new HashMap<>();
    /** The raw bytes of {@code PATH} then, or null: the JDK's {@code parentPathv}. */
    private static final byte[] PARENT_PATH;

    /** One inherited variable: its name and value as Strings (as the JDK decodes them) and its raw entry. */
    private record Raw(String value, byte[] entry) {
    }

    static {
        byte[] path = null;
        List<byte[]> environ = currentEnviron();
        // Back to front, so that the first of two entries with one name wins, as in the JDK's map.
        for (int i = environ.size() - 1; i >= 0; i--) {
            byte[] entry = environ.get(i);
            int eq = indexOf(entry, (byte) '=');
            if (eq < 0) {
                continue; // the JDK ignores an entry without '='
            }
            String name = new String(entry, 0, eq, JNU);
            String value = new String(entry, eq + 1, entry.length - eq - 1, JNU);
            INHERITED.put(name, new Raw(value, entry));
            if (name.equals("PATH")) {
                path = Arrays.copyOfRange(entry, eq + 1, entry.length);
            }
        }
        PARENT_PATH = path;
    }

    private JdkEnvironment() {
    }

    private static Charset jnuCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name != null ? Charset.forName(name) : Charset.defaultCharset();
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    /** {@code s} in {@code sun.jnu.encoding}, as {@code ProcessImpl} encodes argv and the directory. */
    public static byte[] bytes(String s) {
        return s.getBytes(JNU);
    }

    /**
     * The environment block the JDK would pass for {@code env}, a {@code ProcessBuilder}'s
     * environment, in its iteration order (the JDK's block follows the same map's order).
     *
     * @param env the map from {@code ProcessBuilder.environment()}
     * @return the {@code NAME=value} entries
     */
    public static byte[][] envp(Map<String, String> env) {
        byte[][] out = new byte[env.size()][];
        int i = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            Raw raw = INHERITED.get(e.getKey());
            out[i++] = raw != null && raw.value().equals(e.getValue()) ? raw.entry()
                    : bytes(e.getKey() + "=" + e.getValue());
        }
        return i == out.length ? out : Arrays.copyOf(out, i);
    }

    /**
     * Whether {@code env} is the environment the JVM started with, entry for entry: a
     * {@code ProcessBuilder} whose environment was never touched has that one.
     */
    public static boolean isInherited(Map<String, String> env) {
        return env.equals(System.getenv());
    }

    /** The C {@code environ} now: its entries' raw bytes, in order. */
    public static List<byte[]> currentEnviron() {
        Linker linker = Linker.nativeLinker();
        MemorySegment symbol = linker.defaultLookup().find("environ").orElseThrow(
                () -> new IllegalStateException("the C library has no environ"));
        AddressLayout pointer = ValueLayout.ADDRESS.withTargetLayout(
                java.lang.foreign.MemoryLayout.sequenceLayout(Long.MAX_VALUE / 8, ValueLayout.ADDRESS));
        MemorySegment environ = symbol.reinterpret(ValueLayout.ADDRESS.byteSize()).get(pointer, 0);
        List<byte[]> out = new ArrayList<>();
        if (environ.address() == 0) {
            return out;
        }
        for (long i = 0; ; i++) {
            MemorySegment entry = environ.getAtIndex(ValueLayout.ADDRESS, i);
            if (entry.address() == 0) {
                return out;
            }
            out.add(cBytes(entry.reinterpret(Long.MAX_VALUE)));
        }
    }

    private static byte[] cBytes(MemorySegment s) {
        long n = 0;
        while (s.get(ValueLayout.JAVA_BYTE, n) != 0) {
            n++;
        }
        return s.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    /** The candidates to exec and whether the search ends on an entry too long to try. */
    record Candidates(List<byte[]> paths, boolean endsTooLong) {
    }

    /**
     * The paths the JDK's launcher tries for {@code program}, in order.
     *
     * <ul>
     *   <li>A program with a {@code '/'} (or an empty one) is tried as it is.</li>
     *   <li>With {@code envp == null} (the environment was not touched) the JDK calls glibc's
     *       {@code execvp}: the {@code PATH} of that environment, {@code /bin:/usr/bin} without one;
     *       an empty entry is the file itself, any other {@code dir/file}.</li>
     *   <li>Otherwise the JDK searches the {@code PATH} the JVM started with,
     *       {@code :/bin:/usr/bin} without one; an empty entry is {@code .}, a {@code '/'} is added
     *       unless the entry ends with one, and an entry that would make a path of
     *       {@code PATH_MAX} or more is skipped.</li>
     * </ul>
     *
     * @param program the program's bytes
     * @param envp    the environment passed, or null when the child inherits this one
     */
    static Candidates candidates(byte[] program, byte[][] envp) {
        if (program.length == 0 || indexOf(program, (byte) '/') >= 0) {
            return new Candidates(List.of(program), false);
        }
        List<byte[]> out = new ArrayList<>();
        if (envp == null) {
            byte[] path = pathOf(currentEnviron());
            for (byte[] dir : split(path != null ? path : "/bin:/usr/bin".getBytes(JNU))) {
                out.add(dir.length == 0 ? program : concat(dir, new byte[] {'/'}, program));
            }
            return new Candidates(out, false);
        }
        boolean tooLong = false;
        for (byte[] dir : split(PARENT_PATH != null ? PARENT_PATH : ":/bin:/usr/bin".getBytes(JNU))) {
            if (dir.length == 0) {
                dir = new byte[] {'.'};
            }
            tooLong = program.length + dir.length + 2 >= JdkExec.PATH_MAX;
            if (tooLong) {
                continue;
            }
            out.add(dir[dir.length - 1] == '/' ? concat(dir, program) : concat(dir, new byte[] {'/'}, program));
        }
        return new Candidates(out, tooLong);
    }

    private static byte[] pathOf(List<byte[]> environ) {
        for (byte[] entry : environ) {
            if (entry.length >= 5 && entry[0] == 'P' && entry[1] == 'A' && entry[2] == 'T' && entry[3] == 'H'
                    && entry[4] == '=') {
                return Arrays.copyOfRange(entry, 5, entry.length);
            }
        }
        return null;
    }

    private static List<byte[]> split(byte[] path) {
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= path.length; i++) {
            if (i == path.length || path[i] == ':') {
                out.add(Arrays.copyOfRange(path, from, i));
                from = i + 1;
            }
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static int indexOf(byte[] b, byte value) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
