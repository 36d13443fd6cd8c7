package dev.spawnring.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the benchmark reads from {@code /proc/self/status}: the thread count and the resident set. */
record ProcStatus(long threads, long rssKb) {
    static ProcStatus self() {
        try {
            return parse(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses the {@code Threads:} and {@code VmRSS:} (kB) lines; a missing line reads as -1. */
    static ProcStatus parse(String status) {
        long threads = -1;
        long rss = -1;
        for (String line : status.split("\n")) {
            if (line.startsWith("Threads:")) {
                threads = number(line);
            } else if (line.startsWith("VmRSS:")) {
                rss = number(line);
            }
        }
        return new ProcStatus(threads, rss);
    }

    /** The soft limit on open files ({@code Max open files} in {@code /proc/self/limits}), or MAX_VALUE. */
    static long maxOpenFiles() {
        try {
            return parseMaxOpenFiles(Files.readString(Path.of("/proc/self/limits")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long parseMaxOpenFiles(String limits) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
            }
        }
        return Long.MAX_VALUE;
    }

    private static long number(String line) {
        String[] words = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        return Long.parseLong(words[0]);
    }
}
