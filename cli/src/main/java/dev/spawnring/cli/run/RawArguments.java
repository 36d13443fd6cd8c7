package dev.spawnring.cli.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * This JVM's command-line arguments as the bytes they were. {@code main(String[])} gets them
 * decoded in {@code sun.jnu.encoding}, and under {@code LC_ALL=C} that is ASCII: {@code héllo}
 * arrives as {@code h\uFFFD\uFFFDllo} and cannot be had back. The kernel keeps the bytes in
 * {@code /proc/self/cmdline} ({@code java}, its options, the main class or jar, then the
 * arguments, each NUL-terminated): the arguments are its last {@code args.length} entries,
 * taken only when each decodes to the {@code String} the JVM made of it.
 *
 * @param bytes   the arguments as bytes, one per {@code String} argument, or null when they could not be had
 * @param problem why {@code bytes} is null, or null
 */
public record RawArguments(List<byte[]> bytes, String problem) {
    /**
     * @param args what {@code main} got
     * @return their bytes, or why not
     */
    public static RawArguments read(String[] args) {
        byte[] cmdline;
        try {
            cmdline = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        } catch (IOException | RuntimeException e) {
            return new RawArguments(null, "/proc/self/cmdline cannot be read (" + e.getMessage() + ")");
        }
        return match(cmdline, args);
    }

    /**
     * @param cmdline the bytes of {@code /proc/self/cmdline}
     * @param args    what {@code main} got
     * @return the last {@code args.length} entries of {@code cmdline}, if they are {@code args}
     */
    static RawArguments match(byte[] cmdline, String[] args) {
        List<byte[]> entries = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < cmdline.length; i++) {
            if (cmdline[i] == 0) {
                entries.add(Arrays.copyOfRange(cmdline, from, i));
                from = i + 1;
            }
        }
        if (entries.size() < args.length) {
            return new RawArguments(null, "/proc/self/cmdline holds " + entries.size() + " entries for "
                    + args.length + " arguments");
        }
        List<byte[]> tail = entries.subList(entries.size() - args.length, entries.size());
        for (int i = 0; i < args.length; i++) {
            // The JVM decoded its arguments in sun.jnu.encoding.
            if (!Bytes.text(tail.get(i)).equals(args[i])) {
                return new RawArguments(null, "argument " + (i + 1) + " (\"" + args[i]
                        + "\") is not the one /proc/self/cmdline holds there");
            }
        }
        return new RawArguments(List.copyOf(tail), null);
    }
}
