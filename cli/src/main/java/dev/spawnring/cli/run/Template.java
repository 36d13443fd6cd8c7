package dev.spawnring.cli.run;

import java.util.ArrayList;
import java.util.List;

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

    /** Literal text. */
    record Text(String text) implements Part {
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

    private final List<List<Part>> words;
    private final boolean shell;
    private final boolean hasPlaceholder;
    private final int highestSource;

    private Template(List<List<Part>> words, boolean shell) {
        this.words = words;
        this.shell = shell;
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
     * @param words the command and its arguments as given on the command line
     * @param shell whether the filled command runs through {@code sh -c}
     * @return the template
     */
    public static Template parse(List<String> words, boolean shell) {
        List<List<Part>> parsed = new ArrayList<>();
        for (String w : words) {
            parsed.add(parseWord(w));
        }
        return new Template(List.copyOf(parsed), shell);
    }

    private static List<Part> parseWord(String w) {
        List<Part> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int i = 0;
        while (i < w.length()) {
            char c = w.charAt(i);
            int close = c == '{' ? w.indexOf('}', i + 1) : -1;
            Part p = close > 0 ? placeholder(w.substring(i + 1, close)) : null;
            if (p == null) {
                text.append(c);
                i++;
                continue;
            }
            if (!text.isEmpty()) {
                parts.add(new Text(text.toString()));
                text.setLength(0);
            }
            parts.add(p);
            i = close + 1;
        }
        if (!text.isEmpty() || parts.isEmpty()) {
            parts.add(new Text(text.toString()));
        }
        return List.copyOf(parts);
    }

    /** The placeholder between braces, or null when {@code inner} is not one. */
    private static Part placeholder(String inner) {
        switch (inner) {
            case "#":
                return new Seq();
            case "%":
                return new Slot();
            default:
                break;
        }
        int digits = 0;
        while (digits < inner.length() && Character.isDigit(inner.charAt(digits)) && inner.charAt(digits) < 128) {
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
     *         with it {@code [sh, -c, command]}
     */
    public List<String> argv(List<String> inputs, long seq, int slot) {
        if (shell) {
            return List.of("/bin/sh", "-c", shellCommand(inputs, seq, slot));
        }
        List<String> argv = new ArrayList<>();
        for (List<Part> w : words) {
            if (w.size() == 1 && w.get(0) instanceof Input in && in.source() == 0 && inputs.size() > 1) {
                for (String v : inputs) {
                    argv.add(transform(v, in.transform()));
                }
                continue;
            }
            StringBuilder sb = new StringBuilder();
            for (Part p : w) {
                sb.append(value(p, inputs, seq, slot, false));
            }
            argv.add(sb.toString());
        }
        if (!hasPlaceholder) {
            argv.addAll(inputs);
        }
        return argv;
    }

    /**
     * The command as a user reads it (dry run, joblog, messages): argv shell-quoted where
     * needed, or the shell command itself with {@code --shell}.
     */
    public String display(List<String> inputs, long seq, int slot) {
        if (shell) {
            return shellCommand(inputs, seq, slot);
        }
        return display(argv(inputs, seq, slot));
    }

    /**
     * @param argv what {@link #argv} returned
     * @return the command as {@link #display(List, long, int)} shows it
     */
    public String describe(List<String> argv) {
        return shell ? argv.get(2) : display(argv);
    }

    /** @return {@code argv} as one line a shell would split back into it */
    public static String display(List<String> argv) {
        StringBuilder sb = new StringBuilder();
        for (String a : argv) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(quote(a));
        }
        return sb.toString();
    }

    private String shellCommand(List<String> inputs, long seq, int slot) {
        StringBuilder sb = new StringBuilder();
        for (List<Part> w : words) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            for (Part p : w) {
                sb.append(value(p, inputs, seq, slot, true));
            }
        }
        if (!hasPlaceholder) {
            for (String v : inputs) {
                if (!sb.isEmpty()) {
                    sb.append(' ');
                }
                sb.append(quote(v));
            }
        }
        return sb.toString();
    }

    private static String value(Part p, List<String> inputs, long seq, int slot, boolean quote) {
        return switch (p) {
            case Text t -> t.text();
            case Seq s -> Long.toString(seq);
            case Slot s -> Integer.toString(slot);
            case Input in when in.source() > 0 -> {
                String v = transform(inputs.get(in.source() - 1), in.transform());
                yield quote ? quote(v) : v;
            }
            case Input in -> {
                StringBuilder sb = new StringBuilder();
                for (String v : inputs) {
                    if (!sb.isEmpty()) {
                        sb.append(' ');
                    }
                    String t = transform(v, in.transform());
                    sb.append(quote ? quote(t) : t);
                }
                yield sb.toString();
            }
        };
    }

    /** Applies a placeholder's transform to one value, with GNU parallel's rules. */
    static String transform(String v, Transform t) {
        return switch (t) {
            case NONE -> v;
            case NO_EXTENSION -> noExtension(v);
            case BASENAME -> basename(v);
            case DIRNAME -> dirname(v);
            case BASENAME_NO_EXTENSION -> noExtension(basename(v));
        };
    }

    /** GNU parallel's {@code s:\.[^/.]*$::}: the last dot and what follows, if no slash follows. */
    static String noExtension(String v) {
        int dot = v.lastIndexOf('.');
        return dot >= 0 && v.indexOf('/', dot) < 0 ? v.substring(0, dot) : v;
    }

    /** GNU parallel's {@code s:.*\/::}: what follows the last slash. */
    static String basename(String v) {
        return v.substring(v.lastIndexOf('/') + 1);
    }

    /** Perl's {@code File::Basename::dirname}, as POSIX {@code dirname}. */
    static String dirname(String v) {
        String s = stripTrailingSlashes(v);
        if (s.equals("/")) {
            return "/";
        }
        int slash = s.lastIndexOf('/');
        if (slash < 0) {
            return ".";
        }
        String d = stripTrailingSlashes(s.substring(0, slash + 1));
        return d.isEmpty() ? "/" : d;
    }

    private static String stripTrailingSlashes(String s) {
        int end = s.length();
        while (end > 1 && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(0, end);
    }

    /** @return {@code s} as a shell word: as it is when safe, else in single quotes */
    public static String quote(String s) {
        if (s.isEmpty()) {
            return "''";
        }
        boolean safe = true;
        for (int i = 0; i < s.length() && safe; i++) {
            char c = s.charAt(i);
            safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "_@%+=:,./-".indexOf(c) >= 0;
        }
        return safe ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
