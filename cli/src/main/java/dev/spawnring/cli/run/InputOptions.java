package dev.spawnring.cli.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Option;

/**
 * GNU parallel's input options of {@code spawnring run}, and the {@link Inputs} the command
 * line's sources make with them: {@code :::} lists, {@code ::::} files, {@code :::+} and
 * {@code ::::+} (linked to the source before), {@code -a FILE}, {@code --link},
 * {@code --colsep}, {@code --header}, {@code -n}, {@code -N}, {@code -m}, {@code -X}. A picocli
 * mixin of {@link RunCommand}.
 */
public final class InputOptions {
    /** The values' bytes of one job at most with {@code -m} and {@code -X}: GNU parallel's usual command line length. */
    static final long MAX_LINE = 128 * 1024;

    @Option(names = {"-a", "--arg-file"}, paramLabel = "FILE",
            description = "Read inputs from FILE (- for stdin), one per line; each -a is an input source, as :::: FILE.")
    List<String> argFiles = new ArrayList<>();

    @Option(names = {"--link", "--xapply"},
            description = "Link the input sources: the k-th job takes the k-th value of each (shorter ones wrap) "
                    + "instead of their cartesian product.")
    boolean link;

    @Option(names = {"--colsep", "-C"}, paramLabel = "REGEX",
            description = "Split each input into columns at REGEX: {1}, {2}, ... are the columns.")
    String colsep;

    @Option(names = "--header", paramLabel = "REGEX",
            description = "The first input of each source (with --colsep: its columns) names it: {name}. "
                    + "Any value (e.g. ':') takes one line.")
    String header;

    @Option(names = {"-n", "--max-args"}, paramLabel = "N",
            description = "Up to N inputs per job ({} all of them, {1}..{N} each).")
    Integer maxArgs;

    @Option(names = {"-N", "--max-replace-args"}, paramLabel = "N",
            description = "N inputs per job, as -n; {1}..{N} are empty for the last job's missing ones.")
    Integer maxReplaceArgs;

    @Option(names = "-m", description = "As many inputs per job as fit a command line, {} all of them.")
    boolean multiple;

    @Option(names = "-X", description = "As -m, but a word holding {} is repeated once per input (context replace).")
    boolean context;

    /** Makes the options; picocli does this. */
    public InputOptions() {
    }

    /** One input source as the command line gives it. */
    record Source(List<byte[]> values, Path file, boolean stdin, boolean linked) {
        boolean isStream() {
            return file != null || stdin;
        }
    }

    /** The inputs of a run, and the names {@code --header} gave the sources (1-based). */
    record Built(Inputs inputs, Map<String, Integer> names, int sources) {
    }

    /**
     * @return whether inputs are grouped several per job
     */
    boolean several() {
        return maxArgs != null || maxReplaceArgs != null || multiple || context;
    }

    /**
     * Checks the options that can be checked alone.
     *
     * @return what is wrong, or null
     */
    String problem() {
        int ways = (maxArgs != null ? 1 : 0) + (maxReplaceArgs != null ? 1 : 0) + (multiple ? 1 : 0) + (context ? 1 : 0);
        if (ways > 1) {
            return "-n, -N, -m and -X cannot be combined";
        }
        if ((maxArgs != null && maxArgs < 1) || (maxReplaceArgs != null && maxReplaceArgs < 1)) {
            return (maxArgs != null ? "-n " + maxArgs : "-N " + maxReplaceArgs) + ": must be 1 or more";
        }
        if (colsep != null) {
            try {
                Pattern.compile(colsep);
            } catch (PatternSyntaxException e) {
                return "--colsep " + colsep + ": not a regular expression: " + e.getDescription();
            }
        }
        return null;
    }

    /** @return how many inputs a job takes at most ({@code -n}, {@code -N}), 1 without them */
    int perJob() {
        return maxArgs != null ? maxArgs : maxReplaceArgs != null ? maxReplaceArgs : 1;
    }

    /**
     * Makes the run's inputs. Reads the header lines, and the whole of every file or stdin when
     * there are several sources (a product needs them); a single stream is read lazily.
     *
     * @param sources the sources in command-line order ({@code -a} files first); none: stdin
     * @param stdin   the run's stdin
     * @param nul     whether items are NUL-separated
     * @throws UncheckedIOException when a file cannot be read
     */
    Built build(List<Source> sources, InputStream stdin, boolean nul) throws IOException {
        List<Source> all = new ArrayList<>();
        for (String f : argFiles) {
            all.add(f.equals("-") ? new Source(null, null, true, false) : new Source(null, Path.of(f), false, false));
        }
        all.addAll(sources);
        if (all.isEmpty()) {
            all.add(new Source(null, null, true, false));
        }
        Pattern columns = colsep == null ? null : Pattern.compile(colsep);
        Map<String, Integer> names = new HashMap<>();
        Inputs inputs;
        int count;
        if (all.size() == 1 && all.get(0).isStream()) {
            inputs = Inputs.lines(open(all.get(0), stdin), nul);
            count = 1;
            if (header != null) {
                List<byte[]> first = inputs.next();
                count = name(first == null ? new byte[0] : first.get(0), 1, columns, names);
            }
        } else {
            List<MoreInputs.Group> groups = new ArrayList<>();
            count = 0;
            for (Source s : all) {
                List<byte[]> values = s.isStream() ? MoreInputs.readAll(Inputs.lines(open(s, stdin), nul)) : s.values();
                if (header != null) {
                    count += name(MoreInputs.first(values), count + 1, columns, names);
                    values = MoreInputs.rest(values);
                } else {
                    count++;
                }
                if (groups.isEmpty() || !(link || s.linked())) {
                    groups.add(new MoreInputs.Group(new ArrayList<>(), link));
                }
                groups.get(groups.size() - 1).sources().add(values);
            }
            inputs = new MoreInputs.Product(groups);
        }
        if (columns != null) {
            inputs = new MoreInputs.Columns(inputs, columns);
        }
        if (several()) {
            inputs = new MoreInputs.Several(inputs, maxArgs != null ? maxArgs : maxReplaceArgs != null
                    ? maxReplaceArgs : Integer.MAX_VALUE, multiple || context ? MAX_LINE : Long.MAX_VALUE);
        }
        return new Built(inputs, names, count);
    }

    /** Names source {@code index} (with --colsep: one source per column) after its header; @return how many it named */
    private static int name(byte[] header, int index, Pattern columns, Map<String, Integer> names) {
        List<byte[]> parts = columns == null ? List.of(header) : MoreInputs.Columns.split(header, columns);
        for (int i = 0; i < parts.size(); i++) {
            names.putIfAbsent(Bytes.text(parts.get(i)), index + i);
        }
        return Math.max(1, parts.size());
    }

    private static InputStream open(Source s, InputStream stdin) throws IOException {
        return s.stdin() ? stdin : Files.newInputStream(s.file());
    }
}
