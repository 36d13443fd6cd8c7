package dev.spawnring.cli.run;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What GNU parallel's output and job options ({@link JobOptions}) ask of one run, and the work
 * they do per job: the tag of its lines, its {@code -v} line, its {@code --results} files, its
 * {@code --files} file, whether {@code --resume} skips it.
 *
 * @param tag       {@code --tag}/{@code --tagstring}: a one-word template filled per job, or null
 * @param verbose   {@code -v}: print the command line before the job's output
 * @param ungroup   {@code -u}: output as it comes
 * @param inherit   {@code -u} on this JVM's own stdout and stderr: jobs write there directly
 * @param results   {@code --results DIR}, or null
 * @param names     {@code --header}'s names of the sources, by 1-based index (else the index)
 * @param files     {@code --files}: print the name of a file holding the job's stdout
 * @param delay     between two starts, or null
 * @param pipe      {@code --pipe}: a job's input is a block for its stdin
 * @param skip      the job numbers {@code --resume}/{@code --resume-failed} skip
 */
record Extras(Template tag, boolean verbose, boolean ungroup, boolean inherit, Path results,
        Map<Integer, String> names, boolean files, Duration delay, boolean pipe, Set<Long> skip) {
    /** Nothing more than the defaults. */
    static final Extras NONE = new Extras(null, false, false, false, null, Map.of(), false, null, false, Set.of());

    private static final SecureRandom RANDOM = new SecureRandom();

    /** @return whether a job's output is read from pipes as it comes ({@code --line-buffer}, or {@code -u} into streams) */
    boolean pumped(boolean lineBuffer) {
        return (lineBuffer || ungroup) && !inherit;
    }

    /** @return the prefix of job {@code seq}'s lines: its tag and a tab, or null */
    byte[] prefix(List<byte[]> inputs, long seq, int slot) {
        if (tag == null) {
            return null;
        }
        return new Bytes.Builder().append(tag.word(inputs, seq, slot)).append((byte) '\t').toBytes();
    }

    /** @return {@code text} with {@code prefix} before each of its lines (a last line without newline too) */
    static byte[] tagLines(byte[] prefix, byte[] text, int off, int len) {
        if (prefix == null || len == 0) {
            return java.util.Arrays.copyOfRange(text, off, off + len);
        }
        Bytes.Builder b = new Bytes.Builder();
        boolean lineStart = true;
        for (int i = off; i < off + len; i++) {
            if (lineStart) {
                b.append(prefix);
            }
            b.append(text[i]);
            lineStart = text[i] == '\n';
        }
        return b.toBytes();
    }

    /**
     * {@code --results DIR}: the directory of a job, GNU parallel's layout:
     * {@code DIR/1/<value 1>/2/<value 2>/...} ({@code --header}'s names instead of the numbers),
     * each value with {@code \} written {@code \\} and {@code /} written {@code \_}.
     */
    Path resultDir(List<byte[]> inputs) {
        Path d = results;
        for (int i = 0; i < inputs.size(); i++) {
            Bytes.Builder v = new Bytes.Builder();
            for (byte c : inputs.get(i)) {
                if (c == '\\') {
                    v.ascii("\\\\");
                } else if (c == '/') {
                    v.ascii("\\_");
                } else {
                    v.append(c);
                }
            }
            d = d.resolve(names.getOrDefault(i + 1, Integer.toString(i + 1))).resolve(Bytes.text(v.toBytes()));
        }
        return d;
    }

    /** Writes {@code --results}' three files of a job ({@code stdout}, {@code stderr}, {@code seq}); @return its stdout file */
    Path writeResults(List<byte[]> inputs, long seq, Printer.Captured output) throws IOException {
        Path dir = resultDir(inputs);
        Files.createDirectories(dir);
        try (OutputStream o = Files.newOutputStream(dir.resolve("stdout"));
                OutputStream e = Files.newOutputStream(dir.resolve("stderr"))) {
            output.copyTo(o, e);
        }
        Files.writeString(dir.resolve("seq"), Long.toString(seq));
        return dir.resolve("stdout");
    }

    /** {@code --files} without {@code --results}: the job's stdout in a new {@code $TMPDIR/parXXXXX.par}; @return it */
    static Path writeFile(Printer.Captured output) throws IOException {
        String tmp = System.getenv("TMPDIR");
        Path dir = Path.of(tmp == null || tmp.isEmpty() ? "/tmp" : tmp);
        String letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        while (true) {
            StringBuilder name = new StringBuilder("par");
            for (int i = 0; i < 5; i++) {
                name.append(letters.charAt(RANDOM.nextInt(letters.length())));
            }
            Path f = dir.resolve(name.append(".par").toString());
            try (OutputStream o = Files.newOutputStream(f, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE)) {
                output.copyTo(o, OutputStream.nullOutputStream());
                return f;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // another name
            }
        }
    }

    /**
     * {@code --resume}/{@code --resume-failed}: the job numbers a joblog has, the last line of
     * each number deciding (Exitval and Signal 0: done).
     *
     * @param failedToo whether jobs logged as failed are skipped too ({@code --resume})
     */
    static Set<Long> logged(Path joblog, boolean failedToo) throws IOException {
        Map<Long, Boolean> ok = new java.util.HashMap<>();
        if (Files.exists(joblog)) {
            for (String line : Files.readAllLines(joblog, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                String[] f = line.split("\t", 9);
                if (f.length < 8 || !f[0].matches("[0-9]+")) {
                    continue; // the header, or not a job's line
                }
                ok.put(Long.parseLong(f[0]), f[6].trim().equals("0") && f[7].trim().equals("0"));
            }
        }
        Set<Long> skip = new java.util.HashSet<>();
        ok.forEach((seq, done) -> {
            if (done || failedToo) {
                skip.add(seq);
            }
        });
        return skip;
    }
}
