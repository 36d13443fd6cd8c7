package dev.spawnring.internal.process;

import dev.spawnring.internal.sys.Environ;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The environment a child inherits: this process's, as {@code System.getenv()} shows it, each
 * variable with the bytes it came with, whatever the locale. The JDK keeps the bytes it read
 * from {@code environ} and gives them to the children of {@code ProcessBuilder} unchanged
 * ({@code FOO=café} stays {@code caf\xc3\xa9} under {@code LANG=C}, where decoding and encoding
 * again would give {@code caf??}); spawnring does the same, from its own read of
 * {@code environ} ({@link Environ}), made once, on the first spawn.
 *
 * <p>{@code System.getenv()} decides which variables there are and what they hold: a raw
 * entry is used when it decodes to what the JDK shows for that name; otherwise (a variable
 * changed by native code since the JDK read it) the
 * JDK's text is encoded, as {@code ProcessBuilder} does for variables a program sets. As in
 * the JDK, an entry without {@code '='} is left out and, of two entries with the same name,
 * the first one counts.
 */
public final class InheritedEnvironment {
    private InheritedEnvironment() {
    }

    private static final class Holder {
        static final Map<OsString, OsString> VARIABLES = read(Environ.read(), System.getenv());
        static final NativeStrings ENVP = NativeStrings.of("envp", entries(VARIABLES));
    }

    /** @return name to value, in {@code environ}'s order */
    public static Map<OsString, OsString> variables() {
        return Holder.VARIABLES;
    }

    /** @return {@link #variables()} as an envp, made once for every command that changes nothing in it */
    public static NativeStrings envp() {
        return Holder.ENVP;
    }

    /** @return {@code NAME=VALUE} for each variable */
    public static List<OsString> entries(Map<OsString, OsString> variables) {
        List<OsString> out = new ArrayList<>(variables.size());
        for (Map.Entry<OsString, OsString> variable : variables.entrySet()) {
            byte[] n = variable.getKey().bytes();
            byte[] v = variable.getValue().bytes();
            byte[] e = Arrays.copyOf(n, n.length + 1 + v.length);
            e[n.length] = '=';
            System.arraycopy(v, 0, e, n.length + 1, v.length);
            out.add(OsString.of(e));
        }
        return out;
    }

    /**
     * @param raw the {@code environ} entries, or null when there is no {@code environ}
     * @param jdk what {@code System.getenv()} shows
     * @return the variables, {@code raw}'s bytes wherever they agree with {@code jdk}
     */
    static Map<OsString, OsString> read(List<byte[]> raw, Map<String, String> jdk) {
        Map<OsString, OsString> out = new LinkedHashMap<>();
        Set<String> covered = new HashSet<>();
        for (byte[] entry : raw != null ? raw : List.<byte[]>of()) {
            int eq = 0;
            while (eq < entry.length && entry[eq] != '=') {
                eq++;
            }
            if (eq == entry.length) {
                continue;
            }
            OsString name = OsString.of(Arrays.copyOfRange(entry, 0, eq));
            OsString value = OsString.of(Arrays.copyOfRange(entry, eq + 1, entry.length));
            if (!out.containsKey(name) && value.text().equals(jdk.get(name.text()))) {
                out.put(name, value);
                covered.add(name.text());
            }
        }
        for (Map.Entry<String, String> variable : jdk.entrySet()) {
            if (!covered.contains(variable.getKey())) {
                out.putIfAbsent(OsString.of(variable.getKey()), OsString.of(variable.getValue()));
            }
        }
        return Collections.unmodifiableMap(out);
    }
}
