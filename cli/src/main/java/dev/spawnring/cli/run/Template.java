package dev.spawnring.cli.run;

import dev.spawnring.cli.run.ssh.Shell;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The command template of {@code spawnring run}: its words with the placeholders found in
 * them, filled once per job.
 *
 * <p>Placeholders, as GNU parallel names them: {@code {}} the input, {@code {.}} without its
 * extension, {@code {/}} its basename, {@code {//}} its dirname, {@code {/.}} its basename
 * without extension, {@code {#}} the job number (from 1), {@code {%}} the job slot (1..j);
 * {@code {N}}, {@code {N.}}, {@code {N/}}, {@code {N//}}, {@code {N/.}} the same for input
 * source N. Any other text in braces is left as it is.
 *
 * <p>Everything is bytes: the words, the inputs and what they make; {@code '/'} and
 * {@code '.'} are the ASCII bytes, and any other byte is data, as in GNU parallel.
 *
 * <p>Without {@code --shell} every template word stays one argv element, whatever the input
 * holds; a word that is exactly {@code {}} (or {@code {.}} ...) becomes one element per input
 * source. With {@code --shell} the words are joined by spaces into one shell command and each
 * substituted value is shell-quoted, so the input is never parsed as shell code. A template
 * with no placeholder at all gets the inputs appended as its last arguments.
 */
final class Template {
    /** What a placeholder does to one input value. */
    enum Transform {
        /** {@code {}}: the value. */
        NONE,
        /** {@code {.}}: without the extension. */
        NO_EXTENSION,
        /** {@code {/}}: the basename. */
        BASENAME,
        /** {@code {//}}: the dirname. */
        DIRNAME,
        /** {@code {/.}}: the basename without the extension. */
        BASENAME_NO_EXTENSION
    }

    /** A piece of a template word: literal text or a placeholder. */
    sealed interface Part {
    }

    /** Literal bytes. */
    record Text(byte[] bytes) implements Part {
    }

    /** An input placeholder; {@code source} is 0 for all sources, else 1-based. */
    record Input(int source, Transform transform) implements Part {
    }

    /** {@code {#}}. */
    record Seq() implements Part {
    }

    /** {@code {%}}. */
    record Slot() implements Part {
    }

    private static final byte[] SH = Bytes.of("/bin/sh");
    private static final byte[] DASH_C = Bytes.of("-c");

    private final List<List<Part>> words;
    private final boolean shell;
    private final boolean hasPlaceholder;
    private final int highestSource;
    /** {@code -X}: a word holding {@code {}} among other text is repeated once per input value. */
    private final boolean contextReplace;
    /** No command: each job's input is a shell command line, run as it is. */
    private final boolean commandLess;

    private Template(List<List<Part>> words, boolean shell, boolean contextReplace, boolean commandLess) {
        this.words = words;
        this.shell = shell;
        this.contextReplace = contextReplace;
        this.commandLess = commandLess;
        boolean any = false;
        int highest = 0;
        for (List<Part> w : words) {
            for (Part p : w) {
                if (!(p instanceof Text)) {
                    any = true;
                }
                if (p instanceof Input in) {
                    highest = Math.max(highest, in.source());
                }
            }
        }
        this.hasPlaceholder = any;
        this.highestSource = highest;
    }

    /**
     * Parses the template words.
     *
     * @param words the command and its arguments as given on the command line, as bytes
     * @param shell whether the filled command runs through {@code sh -c}
     * @return the template
     */
    public static Template parse(List<byte[]> words, boolean shell) {
        return parse(words, shell, Map.of(), false);
    }

    /**
     * Parses the template words.
     *
     * @param words          the command and its arguments as given on the command line, as bytes
     * @param shell          whether the filled command runs through {@code sh -c}
     * @param names          {@code --header}'s names of the input sources (1-based): {@code {name}}
     * @param contextReplace {@code -X}: a word holding {@code {}} and other text is repeated per input
     * @return the template
     */
    public static Template parse(List<byte[]> words, boolean shell, Map<String, Integer> names,
            boolean contextReplace) {
        List<List<Part>> parsed = new ArrayList<>();
        for (byte[] w : words) {
            parsed.add(parseWord(w, names));
        }
        return new Template(List.copyOf(parsed), shell, contextReplace, false);
    }

    /**
     * GNU parallel's command-less mode ({@code cat jobs.txt | parallel}): each job's input is a
     * command line, run with {@code sh -c} as it is (several values joined by spaces).
     *
     * @return the template
     */
    public static Template commandLess() {
        return new Template(List.of(List.of(new Input(0, Transform.NONE))), true, false, true);
    }

    private static List<Part> parseWord(byte[] w, Map<String, Integer> names) {
        List<Part> parts = new ArrayList<>();
        int textFrom = 0;
        int i = 0;
        while (i < w.length) {
            int close = w[i] == '{' ? Bytes.indexOf(w, (byte) '}', i + 1) : -1;
            Part p = close > 0 ? placeholder(w, i + 1, close, names) : null;
            if (p == null) {
                i++;
                continue;
            }
            if (i > textFrom) {
                parts.add(new Text(Arrays.copyOfRange(w, textFrom, i)));
            }
            parts.add(p);
            i = close + 1;
            textFrom = i;
        }
        if (textFrom < w.length || parts.isEmpty()) {
            parts.add(new Text(Arrays.copyOfRange(w, textFrom, w.length)));
        }
        return List.copyOf(parts);
    }

    /** The placeholder {@code w[from, to)} names between braces, or null when it is not one. */
    private static Part placeholder(byte[] w, int from, int to, Map<String, Integer> names) {
        Integer named = names.get(Bytes.text(Arrays.copyOfRange(w, from, to)));
        if (named != null) {
            return new Input(named, Transform.NONE);
        }
        for (int i = from; i < to; i++) {
            if (w[i] < 0) {
                return null; // a placeholder is ASCII
            }
        }
        String inner = new String(w, from, to - from, StandardCharsets.US_ASCII);
        switch (inner) {
            case "#":
                return new Seq();
            case "%":
                return new Slot();
            default:
                break;
        }
        int digits = 0;
        while (digits < inner.length() && inner.charAt(digits) >= '0' && inner.charAt(digits) <= '9') {
            digits++;
        }
        int source = 0;
        if (digits > 0) {
            if (digits > 6 || inner.charAt(0) == '0') {
                return null;
            }
            source = Integer.parseInt(inner.substring(0, digits));
        }
        Transform t = switch (inner.substring(digits)) {
            case "" -> Transform.NONE;
            case "." -> Transform.NO_EXTENSION;
            case "/" -> Transform.BASENAME;
            case "//" -> Transform.DIRNAME;
            case "/." -> Transform.BASENAME_NO_EXTENSION;
            default -> null;
        };
        return t == null ? null : new Input(source, t);
    }

    /** @return whether the template is empty (no command given) */
    public boolean isEmpty() {
        return words.isEmpty();
    }

    /** @return whether the template holds any placeholder (else inputs are appended) */
    public boolean hasPlaceholder() {
        return hasPlaceholder;
    }

    /** @return the highest input source a {@code {N}} placeholder names, 0 when none does */
    public int highestSource() {
        return highestSource;
    }

    /**
     * Fills the template for one job.
     *
     * @param inputs the job's input values, one per input source
     * @param seq    the job number, from 1
     * @param slot   the job slot, from 1
     * @return the argv to run: without {@code --shell} the program and its arguments,
     *         with it {@code [/bin/sh, -c, command]}
     */
    public List<byte[]> argv(List<byte[]> inputs, long seq, int slot) {
        if (shell) {
            return List.of(SH, DASH_C, shellCommand(inputs, seq, slot));
        }
        List<byte[]> argv = new ArrayList<>();
        for (List<Part> w : words) {
            if (w.size() == 1 && w.get(0) instanceof Input in && in.source() == 0 && inputs.size() > 1) {
                for (byte[] v : inputs) {
                    argv.add(transform(v, in.transform()));
                }
                continue;
            }
            if (contextReplace && inputs.size() > 1 && holdsAll(w)) {
                for (byte[] v : inputs) {
                    Bytes.Builder b = new Bytes.Builder();
                    for (Part p : w) {
                        value(b, p, List.of(v), seq, slot, false);
                    }
                    argv.add(b.toBytes());
                }
                continue;
            }
            Bytes.Builder b = new Bytes.Builder();
            for (Part p : w) {
                value(b, p, inputs, seq, slot, false);
            }
            argv.add(b.toBytes());
        }
        if (!hasPlaceholder) {
            argv.addAll(inputs);
        }
        return argv;
    }

    /**
     * The command as a user reads it (dry run, joblog, messages): argv shell-quoted where
     * needed, or the shell command itself with {@code --shell}; the bytes as they are.
     */
    public byte[] display(List<byte[]> inputs, long seq, int slot) {
        if (shell) {
            return shellCommand(inputs, seq, slot);
        }
        return commandLine(argv(inputs, seq, slot));
    }

    /**
     * @param argv what {@link #argv} returned
     * @return the command as {@link #display(List, long, int)} shows it
     */
    public byte[] describe(List<byte[]> argv) {
        return shell ? argv.get(2) : commandLine(argv);
    }

    /**
     * The first word filled, without quoting, several values joined by spaces: the text of
     * {@code --tagstring}.
     */
    public byte[] word(List<byte[]> inputs, long seq, int slot) {
        Bytes.Builder b = new Bytes.Builder();
        for (Part p : words.get(0)) {
            value(b, p, inputs, seq, slot, false);
        }
        return b.toBytes();
    }

    /** @return {@code argv} as one line a shell would split back into it */
    public static byte[] commandLine(List<byte[]> argv) {
        Bytes.Builder b = new Bytes.Builder();
        for (byte[] a : argv) {
            if (!b.isEmpty()) {
                b.append((byte) ' ');
            }
            b.append(Shell.quote(a));
        }
        return b.toBytes();
    }

    /** @return whether word {@code w} holds {@code {}} (or a transform of it) for all sources */
    private static boolean holdsAll(List<Part> w) {
        for (Part p : w) {
            if (p instanceof Input in && in.source() == 0) {
                return true;
            }
        }
        return false;
    }

    private byte[] shellCommand(List<byte[]> inputs, long seq, int slot) {
        Bytes.Builder b = new Bytes.Builder();
        if (commandLess) {
            for (byte[] v : inputs) {
                if (!b.isEmpty()) {
                    b.append((byte) ' ');
                }
                b.append(v);
            }
            return b.toBytes();
        }
        for (List<Part> w : words) {
            if (!b.isEmpty()) {
                b.append((byte) ' ');
            }
            if (contextReplace && inputs.size() > 1 && holdsAll(w)) {
                boolean first = true;
                for (byte[] v : inputs) {
                    if (!first) {
                        b.append((byte) ' ');
                    }
                    first = false;
                    for (Part p : w) {
                        value(b, p, List.of(v), seq, slot, true);
                    }
                }
                continue;
            }
            for (Part p : w) {
                value(b, p, inputs, seq, slot, true);
            }
        }
        if (!hasPlaceholder) {
            for (byte[] v : inputs) {
                if (!b.isEmpty()) {
                    b.append((byte) ' ');
                }
                b.append(Shell.quote(v));
            }
        }
        return b.toBytes();
    }

    private static void value(Bytes.Builder b, Part p, List<byte[]> inputs, long seq, int slot, boolean quote) {
        switch (p) {
            case Text t -> b.append(t.bytes());
            case Seq s -> b.ascii(Long.toString(seq));
            case Slot s -> b.ascii(Integer.toString(slot));
            case Input in when in.source() > 0 -> {
                // -n/-N: the last job may have fewer inputs; a missing one is empty, as in GNU parallel.
                byte[] v = in.source() > inputs.size() ? new byte[0]
                        : transform(inputs.get(in.source() - 1), in.transform());
                b.append(quote ? Shell.quote(v) : v);
            }
            case Input in -> {
                boolean first = true;
                for (byte[] v : inputs) {
                    if (!first) {
                        b.append((byte) ' ');
                    }
                    first = false;
                    byte[] t = transform(v, in.transform());
                    b.append(quote ? Shell.quote(t) : t);
                }
            }
        }
    }

    /** Applies a placeholder's transform to one value, with GNU parallel's rules. */
    static byte[] transform(byte[] v, Transform t) {
        return switch (t) {
            case NONE -> v;
            case NO_EXTENSION -> noExtension(v);
            case BASENAME -> basename(v);
            case DIRNAME -> dirname(v);
            case BASENAME_NO_EXTENSION -> noExtension(basename(v));
        };
    }

    /** GNU parallel's {@code s:\.[^/.]*$::}: the last dot and what follows, if no slash follows. */
    static byte[] noExtension(byte[] v) {
        int dot = Bytes.lastIndexOf(v, (byte) '.');
        return dot >= 0 && Bytes.indexOf(v, (byte) '/', dot) < 0 ? Arrays.copyOf(v, dot) : v;
    }

    /** GNU parallel's {@code s:.*\/::}: what follows the last slash. */
    static byte[] basename(byte[] v) {
        return Arrays.copyOfRange(v, Bytes.lastIndexOf(v, (byte) '/') + 1, v.length);
    }

    /** Perl's {@code File::Basename::dirname}, as POSIX {@code dirname}. */
    static byte[] dirname(byte[] v) {
        int end = withoutTrailingSlashes(v, v.length);
        if (end == 1 && v[0] == '/') {
            return new byte[] {'/'};
        }
        int slash = Bytes.lastIndexOf(v, (byte) '/', end - 1);
        if (slash < 0) {
            return new byte[] {'.'};
        }
        return Arrays.copyOf(v, withoutTrailingSlashes(v, slash + 1));
    }

    /** @return the length of {@code v[0, end)} without its trailing slashes (a lone "/" stays) */
    private static int withoutTrailingSlashes(byte[] v, int end) {
        while (end > 1 && v[end - 1] == '/') {
            end--;
        }
        return end;
    }
}
